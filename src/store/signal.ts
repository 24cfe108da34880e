/**
 * A one-shot wake-up shared by waiters: `notify()` resolves everyone waiting now.
 * `wait()` also returns after a timeout or when the signal aborts, so a waiter can
 * poll for changes made by other processes. It resolves true only when notified.
 */
export class Signal {
  private waiters: ((notified: boolean) => void)[] = []

  notify (): void {
    for (const wake of [...this.waiters]) wake(true)
  }

  wait (timeoutMs: number, abort?: AbortSignal): Promise<boolean> {
    // Already aborted: the abort event will not fire again.
    if (abort?.aborted === true) return Promise.resolve(false)
    return new Promise(resolve => {
      const done = (notified: boolean): void => {
        clearTimeout(timer)
        abort?.removeEventListener('abort', onAbort)
        const i = this.waiters.indexOf(done)
        if (i >= 0) this.waiters.splice(i, 1)
        resolve(notified)
      }
      const onAbort = (): void => done(false)
      const timer = setTimeout(done, timeoutMs, false)
      abort?.addEventListener('abort', onAbort, { once: true })
      this.waiters.push(done)
    })
  }
}

/**
 * The `idleMs` of a subscription (SubscribeOptions): once caught up and quiet for that long,
 * one empty batch, so the consumer can do its housekeeping; again only after new events.
 */
export class IdleReport {
  private since = performance.now()
  private reported = false

  constructor (private readonly idleMs: number | undefined) {}

  /** Events arrived: quiet time counts from now. */
  active (): void {
    this.since = performance.now()
    this.reported = false
  }

  /** Caught up: 'report' when the empty batch is due now, else how long to wait at most (≤ waitMs). */
  due (waitMs: number): number | 'report' {
    if (this.idleMs === undefined || this.reported) return waitMs
    const left = this.since + this.idleMs - performance.now()
    if (left > 0) return Math.min(waitMs, left)
    this.reported = true
    return 'report'
  }
}
