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
}

interface Running {
  readonly definition: ProjectionDefinition
  readonly cache: DocumentCache
  position: number
  abort: AbortController
  loop: Promise<void> | undefined
  failure: Error | undefined
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

  constructor (
    private readonly store: EventStore,
    private readonly readModels: ReadModelStore,
    definitions: readonly ProjectionDefinition[],
    private readonly log: Logger,
    options: ProjectionRunnerOptions = {}
  ) {
    this.batchSize = options.batchSize ?? 2000
    this.retryDelayMs = options.retryDelayMs ?? 1000
    for (const definition of definitions) {
      this.running.set(definition.name, {
        definition,
        cache: new DocumentCache(options.cacheSize ?? 50_000),
        position: 0,
        abort: new AbortController(),
        loop: undefined,
        failure: undefined
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
    while (running.position < head) {
      const batch = await this.store.readAll({ after: running.position, maxCount: this.batchSize })
      if (batch.length === 0) break
      await this.apply(running, batch)
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
      try {
        for await (const batch of this.store.subscribe({ after: running.position, maxCount: this.batchSize, signal })) {
          if (signal.aborted) break
          await this.apply(running, batch)
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

  private async apply (running: Running, batch: readonly RecordedEvent[]): Promise<void> {
    const { definition, cache } = running
    const changes = new Map<string, unknown>()
    for (const event of batch) {
      if (!definition.eventTypes.has(event.type)) continue
      for (const key of definition.keys(event)) {
        let doc: unknown
        if (changes.has(key)) doc = changes.get(key)
        else {
          const cached = cache.get(key)
          doc = cached !== undefined ? cached.doc : await this.readModels.get(definition.name, key)
        }
        changes.set(key, definition.evolve(doc, event, key))
      }
    }
    const last = batch[batch.length - 1]
    if (last === undefined) return
    await this.readModels.commit(definition.name, { position: last.position, version: definition.version }, changes)
    for (const [key, doc] of changes) cache.set(key, doc)
    running.position = last.position
    running.failure = undefined
    this.progressed.notify()
  }

  private get$ (projection: string): Running {
    const running = this.running.get(projection)
    if (running === undefined) throw new Error(`unknown projection ${projection}`)
    return running
  }
}
