import type { Logger } from 'pino'
import type { EventStore, RecordedEvent } from '../store/event-store.ts'
import { Signal } from '../store/signal.ts'
import type { ProjectionDefinition, ReadModelStore } from './projection.ts'
import { DocumentCache } from './document-cache.ts'

export interface ProjectionRunnerOptions {
  /** Events read per batch; one batch commits as one transaction. */
  readonly batchSize?: number
  /** Documents kept in memory per projection. */
  readonly cacheSize?: number
  /** Pause before retrying a projection whose batch failed. */
  readonly retryDelayMs?: number
  /** Once caught up, how long to let new appends gather before reading them (see SubscribeOptions). */
  readonly lingerMs?: number
  /** While catching up, commit at the latest after this many events, changed documents or milliseconds. */
  readonly catchUpLimits?: { events: number, documents: number, ms: number }
}

interface Running {
  readonly definition: ProjectionDefinition
  readonly cache: DocumentCache
  position: number
  abort: AbortController
  loop: Promise<void> | undefined
  failure: Error | undefined
  checkpointSavedAt: number
}

const checkpointEveryMs = 1000

/** Changes evolved but not yet committed, and how far they reach. */
class Pending {
  changes = new Map<string, unknown>()
  events = 0
  last: RecordedEvent | undefined
  private since = Date.now()

  isFull (limits: { events: number, documents: number, ms: number }): boolean {
    return this.events >= limits.events || this.changes.size >= limits.documents || Date.now() - this.since >= limits.ms
  }

  clear (): void {
    this.changes = new Map()
    this.events = 0
    this.last = undefined
    this.since = Date.now()
  }
}

export class ReadTimeoutError extends Error {
  constructor (readonly position: number, readonly reached: number) {
    super(`read models did not reach log position ${position} in time (at ${reached})`)
    this.name = 'ReadTimeoutError'
  }
}

/**
 * Feeds projections from their checkpoints. Each batch's documents and checkpoint
 * commit together, so a crash replays at most the uncommitted batch and the result is
 * exactly-once in effect. Reads go through the runner so they see its cache.
 */
export class ProjectionRunner {
  private readonly running = new Map<string, Running>()
  private readonly progressed = new Signal()
  private readonly batchSize: number
  private readonly retryDelayMs: number
  private readonly limits: { events: number, documents: number, ms: number }
  private readonly lingerMs: number

  constructor (
    private readonly store: EventStore,
    private readonly readModels: ReadModelStore,
    definitions: readonly ProjectionDefinition[],
    private readonly log: Logger,
    options: ProjectionRunnerOptions = {}
  ) {
    this.batchSize = options.batchSize ?? 2000
    this.retryDelayMs = options.retryDelayMs ?? 1000
    // Far behind, commit by volume: every commit rewrites each touched document once.
    this.limits = options.catchUpLimits ?? { events: 250_000, documents: 20_000, ms: 30_000 }
    this.lingerMs = options.lingerMs ?? 1
    for (const definition of definitions) {
      this.running.set(definition.name, {
        definition,
        cache: new DocumentCache(options.cacheSize ?? 50_000),
        position: 0,
        abort: new AbortController(),
        loop: undefined,
        failure: undefined,
        checkpointSavedAt: 0
      })
    }
  }

  get projections (): string[] {
    return [...this.running.keys()]
  }

  async start (): Promise<void> {
    for (const running of this.running.values()) await this.startOne(running)
  }

  async stop (): Promise<void> {
    for (const running of this.running.values()) running.abort.abort()
    await Promise.all([...this.running.values()].map(r => r.loop))
  }

  /** Positions reached, per projection, and any projection stuck on a failure. */
  status (): { name: string, position: number, failure?: string }[] {
    return [...this.running.values()].map(r => ({
      name: r.definition.name,
      position: r.position,
      ...(r.failure === undefined ? {} : { failure: r.failure.message })
    }))
  }

  /** Resolves once every named projection (default: all) has processed the log up to `position`. */
  async waitFor (position: number, options: { projections?: readonly string[], timeoutMs?: number } = {}): Promise<void> {
    const names = options.projections ?? this.projections
    const deadline = Date.now() + (options.timeoutMs ?? 5000)
    for (;;) {
      const lowest = Math.min(...names.map(name => this.get$(name).position))
      if (lowest >= position) return
      const left = deadline - Date.now()
      if (left <= 0) throw new ReadTimeoutError(position, lowest)
      await this.progressed.wait(Math.min(left, 250))
    }
  }

  async get<Doc> (projection: string, key: string): Promise<Doc | undefined> {
    const running = this.get$(projection)
    const cached = running.cache.get(key)
    if (cached !== undefined) return cached.doc as Doc | undefined
    const doc = await this.readModels.get<Doc>(projection, key)
    running.cache.set(key, doc)
    return doc
  }

  async list<Doc> (projection: string, prefix: string, limit?: number): Promise<{ key: string, doc: Doc }[]> {
    this.get$(projection)
    return this.readModels.list<Doc>(projection, prefix, limit)
  }

  /** Drops the projection's documents and replays the whole log; resolves when caught up with the head at call time. */
  async rebuild (projection: string): Promise<void> {
    const running = this.get$(projection)
    const wasRunning = running.loop !== undefined
    running.abort.abort()
    await running.loop
    await this.readModels.reset(projection, running.definition.version)
    running.cache.clear()
    running.position = 0
    const head = await this.store.headPosition()
    if (wasRunning) {
      await this.startOne(running)
      await this.waitFor(head, { projections: [projection], timeoutMs: Number.MAX_SAFE_INTEGER })
    } else {
      await this.catchUp(running, head)
    }
  }

  /** Processes events up to `head` without starting a live loop (CLI, benchmarks). */
  async catchUpAll (): Promise<void> {
    const head = await this.store.headPosition()
    for (const running of this.running.values()) {
      await this.prepare(running)
      await this.catchUp(running, head)
    }
  }

  private async catchUp (running: Running, head: number): Promise<void> {
    const pending = new Pending()
    while (running.position < head || pending.events > 0) {
      const batch = await this.store.readAll({ after: pending.last?.position ?? running.position, maxCount: this.batchSize })
      await this.evolveInto(running, batch, pending)
      if (batch.length < this.batchSize || pending.isFull(this.limits)) await this.commit(running, pending)
      if (batch.length === 0) break
    }
  }

  private async prepare (running: Running): Promise<void> {
    const { definition } = running
    const checkpoint = await this.readModels.checkpoint(definition.name)
    if (checkpoint !== undefined && checkpoint.version !== definition.version) {
      this.log.info({ projection: definition.name, from: checkpoint.version, to: definition.version }, 'projection version changed: rebuilding from zero')
      await this.readModels.reset(definition.name, definition.version)
      running.cache.clear()
      running.position = 0
    } else {
      running.position = checkpoint?.position ?? 0
    }
  }

  private async startOne (running: Running): Promise<void> {
    await this.prepare(running)
    running.abort = new AbortController()
    running.loop = this.loop(running, running.abort.signal)
  }

  private async loop (running: Running, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      // Far behind (a rebuild, a restart after downtime), batches come full: their changes
      // accumulate and commit together, so a document touched by many events is written
      // once. Caught up, every batch commits at once.
      const pending = new Pending()
      try {
        for await (const batch of this.store.subscribe({ after: running.position, maxCount: this.batchSize, signal, lingerMs: this.lingerMs })) {
          if (signal.aborted) break
          await this.evolveInto(running, batch, pending)
          if (batch.length < this.batchSize || pending.isFull(this.limits) || await this.caughtUp(pending)) await this.commit(running, pending)
          // Batches are synchronous work: let requests run between them.
          await new Promise(resolve => setImmediate(resolve))
        }
        return
      } catch (error) {
        running.failure = error as Error
        running.cache.clear()
        this.log.error({ err: error, projection: running.definition.name, position: running.position }, 'projection batch failed; retrying')
        await this.progressed.wait(this.retryDelayMs, signal)
      }
    }
  }

  private async evolveInto (running: Running, batch: readonly RecordedEvent[], pending: Pending): Promise<void> {
    const { definition } = running
    const changes = pending.changes
    if (definition.evolveAll !== undefined) {
      // Keys are independent: group the batch by document, then evolve each once.
      const byKey = new Map<string, RecordedEvent[]>()
      for (const event of batch) {
        if (!definition.eventTypes.has(event.type)) continue
        for (const key of definition.keys(event)) {
          const list = byKey.get(key)
          if (list === undefined) byKey.set(key, [event])
          else list.push(event)
        }
      }
      for (const [key, events] of byKey) changes.set(key, definition.evolveAll(await this.current(running, changes, key), events, key))
    } else {
      for (const event of batch) {
        if (!definition.eventTypes.has(event.type)) continue
        for (const key of definition.keys(event)) changes.set(key, definition.evolve(await this.current(running, changes, key), event, key))
      }
    }
    const last = batch[batch.length - 1]
    if (last !== undefined) {
      pending.last = last
      pending.events += batch.length
    }
  }

  /** The newest version of a document: uncommitted, cached, or stored. */
  private async current (running: Running, changes: ReadonlyMap<string, unknown>, key: string): Promise<unknown> {
    if (changes.has(key)) return changes.get(key)
    const cached = running.cache.get(key)
    return cached !== undefined ? cached.doc : this.readModels.get(running.definition.name, key)
  }

  /** A full batch that ended exactly at the head: no shorter batch will follow to commit it. */
  private async caughtUp (pending: Pending): Promise<boolean> {
    return pending.last !== undefined && pending.last.position >= await this.store.headPosition()
  }

  /** Documents and checkpoint in one transaction; only then are they visible to reads. */
  private async commit (running: Running, pending: Pending): Promise<void> {
    const last = pending.last
    if (last === undefined) return
    const { definition, cache } = running
    // A batch of events this projection ignores changes no document: move on in memory and
    // store the checkpoint now and then. After a crash those events are read again and
    // ignored again, which changes nothing.
    const lazy = pending.changes.size === 0 && Date.now() - running.checkpointSavedAt < checkpointEveryMs
    if (!lazy) {
      await this.readModels.commit(definition.name, { position: last.position, version: definition.version }, pending.changes)
      running.checkpointSavedAt = Date.now()
    }
    for (const [key, doc] of pending.changes) cache.set(key, doc)
    running.position = last.position
    running.failure = undefined
    pending.clear()
    this.progressed.notify()
  }

  private get$ (projection: string): Running {
    const running = this.running.get(projection)
    if (running === undefined) throw new Error(`unknown projection ${projection}`)
    return running
  }
}
