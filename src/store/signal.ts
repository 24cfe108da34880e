/**
 * A one-shot wake-up shared by waiters: `notify()` resolves everyone waiting now.
 * `wait()` also returns after a timeout or when the signal aborts, so a waiter can
 * poll for changes made by other processes.
 */
export class Signal {
  private waiters: (() => void)[] = []

  notify (): void {
    for (const wake of [...this.waiters]) wake()
  }

  wait (timeoutMs: number, abort?: AbortSignal): Promise<void> {
    return new Promise(resolve => {
      const done = (): void => {
        clearTimeout(timer)
        abort?.removeEventListener('abort', done)
        const i = this.waiters.indexOf(done)
        if (i >= 0) this.waiters.splice(i, 1)
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      abort?.addEventListener('abort', done, { once: true })
      this.waiters.push(done)
    })
  }
}
