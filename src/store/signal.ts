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
