/**
 * A bounded least-recently-used cache of read-model documents. It remembers
 * "known absent" too (an entry whose doc is undefined), so misses are not re-read.
 */
export class DocumentCache {
  private readonly entries = new Map<string, { doc: unknown }>()

  constructor (private readonly capacity: number) {}

  get (key: string): { doc: unknown } | undefined {
    const entry = this.entries.get(key)
    if (entry !== undefined) {
      this.entries.delete(key)
      this.entries.set(key, entry)
    }
    return entry
  }

  set (key: string, doc: unknown): void {
    this.entries.delete(key)
    this.entries.set(key, { doc })
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next()
      if (oldest.done !== true) this.entries.delete(oldest.value)
    }
  }

  clear (): void {
    this.entries.clear()
  }
}
