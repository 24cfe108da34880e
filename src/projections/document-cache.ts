/**
 * A bounded cache of read-model documents, least recently used out (approximately).
 * It remembers "known absent" too (an entry whose doc is undefined), so misses are not re-read.
 *
 * Two generations instead of an exact LRU: a hit in the young one costs one lookup, with no
 * reordering (reads run several times per request). When the young generation is full it
 * becomes the old one and the previous old one is dropped; an old entry read again moves back
 * to the young one. At most `capacity` entries are kept.
 */
export class DocumentCache {
  private young = new Map<string, { doc: unknown }>()
  private old = new Map<string, { doc: unknown }>()
  private readonly generation: number

  constructor (capacity: number) {
    this.generation = Math.max(1, Math.floor(capacity / 2))
  }

  get (key: string): { doc: unknown } | undefined {
    const entry = this.young.get(key)
    if (entry !== undefined) return entry
    const aged = this.old.get(key)
    if (aged !== undefined) this.keep(key, aged)
    return aged
  }

  set (key: string, doc: unknown): void {
    this.keep(key, { doc })
  }

  clear (): void {
    this.young.clear()
    this.old.clear()
  }

  private keep (key: string, entry: { doc: unknown }): void {
    if (!this.young.has(key) && this.young.size >= this.generation) {
      this.old = this.young
      this.young = new Map()
    }
    this.young.set(key, entry)
    this.old.delete(key)
  }
}
