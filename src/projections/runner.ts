import type { Logger } from 'pino'
import type { EventStore, RecordedEvent } from '../store/event-store.ts'
import { Signal } from '../store/signal.ts'
import type { ProjectionDefinition, ReadModelStore } from './projection.ts'
import { DocumentCache } from './document-cache.ts'
import { evolveDocuments } from './evolve.ts'
import { replayStreams } from './replay-streams.ts'
import type { ParallelReplay } from './parallel-replay.ts'

export interface ProjectionRunnerOptions {
  /** Events read per batch. */
  readonly batchSize?: number
  /** Documents kept in memory per projection. */
  readonly cacheSize?: number
  /** Pause before retrying a projection whose batch failed. */
  readonly retryDelayMs?: number
  /** Once caught up, how long to let new appends gather before reading them (see SubscribeOptions). */
  readonly lingerMs?: number
  /** Caught up, store evolved documents at most this often (and whenever the log goes quiet). */
  readonly commitIntervalMs?: number
  /** While catching up, commit at the latest after this many events, changed documents or milliseconds. */
  readonly catchUpLimits?: { events: number, documents: number, ms: number }
  /** Rebuilds projections whose documents follow streams on several threads. */
  readonly parallelReplay?: ParallelReplay
  /**
   * A projection whose documents follow streams, starting from nothing on a log at least this
   * long (a new version, a restored log), is replayed stream by stream before it follows the log.
   */
  readonly replayFrom?: number
}

interface Running {
  readonly definition: ProjectionDefinition
  readonly cache: DocumentCache
  /** Every event up to here is evolved: reads see its effect. */
  position: number
  /** Every event up to here is stored, with the checkpoint. */
  committed: number
  /** Evolved since the last commit. */
  pending: Pending
  /** A replay by stream is storing documents past the cache. */
  replaying: boolean
  committedAt: number
  abort: AbortController
  loop: Promise<void> | undefined
  failure: Error | undefined
}

/** Changes evolved but not yet committed, and how far they reach. */
class Pending {
  readonly changes = new Map<string, unknown>()
  events = 0
  last: RecordedEvent | undefined
  private readonly since = Date.now()

  isFull (limits: { events: number, documents: number, ms: number }): boolean {
    return this.events >= limits.events || this.changes.size >= limits.documents || Date.now() - this.since >= limits.ms
  }
}

/** How many finished documents a replay by stream stores at a time. */
const replayCommitDocuments = 1000

export class ReadTimeoutError extends Error {
  constructor (readonly position: number, readonly reached: number) {
    super(`read models did not reach log position ${position} in time (at ${reached})`)
    this.name = 'ReadTimeoutError'
  }
}

/**
 * Feeds projections from their checkpoints.
 *
 * Evolving and storing are separate steps. A batch of events is evolved in memory at once,
 * and reads (which all go through the runner) see the result straight away. The documents
 * are then stored together with the checkpoint in one transaction, at most once per
 * `commitIntervalMs` while the log is busy, and as soon as it goes quiet. This costs no
 * safety: the events are already durable, so after a crash the runner replays them from the
 * stored checkpoint and, evolve being a pure function, reaches exactly the state readers saw.
 * It is what keeps a busy document (a learner answering a lot) from being rewritten on
 * every request.
 */
export class ProjectionRunner {
  private readonly running = new Map<string, Running>()
  /**
   * Another instance runs the projections (it holds the lease): this one only reads what that
   * one stores, and learns how far it got from the stored checkpoints.
   */
  private following: { abort: AbortController, loop: Promise<void> } | undefined
  private readonly progressed = new Signal()
  private readonly batchSize: number
  private readonly retryDelayMs: number
  private readonly limits: { events: number, documents: number, ms: number }
  private readonly lingerMs: number
  private readonly commitIntervalMs: number
  private readonly parallelReplay: ParallelReplay | undefined
  private readonly replayFrom: number

  constructor (
    private readonly store: EventStore,
    private readonly readModels: ReadModelStore,
    definitions: readonly ProjectionDefinition[],
    private readonly log: Logger,
    options: ProjectionRunnerOptions = {}
  ) {
    this.batchSize = options.batchSize ?? 25_000
    this.retryDelayMs = options.retryDelayMs ?? 1000
    // Far behind, commit by volume: every commit rewrites each touched document once.
    this.limits = options.catchUpLimits ?? { events: 1_000_000, documents: 20_000, ms: 60_000 }
    this.lingerMs = options.lingerMs ?? 1
    this.commitIntervalMs = options.commitIntervalMs ?? 1000
    this.parallelReplay = options.parallelReplay
    this.replayFrom = options.replayFrom ?? 50_000
    for (const definition of definitions) {
      this.running.set(definition.name, {
        definition,
        cache: new DocumentCache(options.cacheSize ?? 50_000),
        position: 0,
        committed: 0,
        pending: new Pending(),
        replaying: false,
        committedAt: 0,
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
    await this.stopFollowing()
    for (const running of this.running.values()) await this.startOne(running)
  }

  /** 'leader' runs the projections here; 'follower' reads what another instance stores. */
  get role (): 'leader' | 'follower' {
    return this.following === undefined ? 'leader' : 'follower'
  }

  /**
   * Reads go to the stored read models, and positions follow the stored checkpoints (polled
   * every `pollMs`), until `start()` makes this instance run the projections itself.
   */
  async follow (pollMs = 100): Promise<void> {
    if (this.following !== undefined) return
    const abort = new AbortController()
    const poll = async (): Promise<void> => {
      for (const running of this.running.values()) {
        const checkpoint = await this.readModels.checkpoint(running.definition.name)
        // A checkpoint of another version is a rebuild under way there: nothing to read yet.
        const position = checkpoint?.version === running.definition.version ? checkpoint.position : 0
        running.position = running.committed = position
      }
      this.progressed.notify()
    }
    await poll()
    const loop = (async () => {
      while (!abort.signal.aborted) {
        await new Promise(resolve => setTimeout(resolve, pollMs))
        if (abort.signal.aborted) break
        await poll().catch((error: unknown) => this.log.warn({ err: error }, 'could not read the checkpoints; trying again'))
      }
    })()
    this.following = { abort, loop }
  }

  private async stopFollowing (): Promise<void> {
    if (this.following === undefined) return
    this.following.abort.abort()
    await this.following.loop
    this.following = undefined
    for (const running of this.running.values()) this.resetTo(running, running.committed)
  }

  /** Stops every loop and stores what they had evolved. */
  async stop (): Promise<void> {
    await this.stopFollowing()
    for (const running of this.running.values()) running.abort.abort()
    await Promise.all([...this.running.values()].map(r => r.loop))
  }

  /** Positions reached (evolved and stored), per projection, and any projection stuck on a failure. */
  status (): { name: string, position: number, committed: number, failure?: string }[] {
    return [...this.running.values()].map(r => ({
      name: r.definition.name,
      position: r.position,
      committed: r.committed,
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
    if (this.following !== undefined) return this.readModels.get<Doc>(projection, key)
    if (running.pending.changes.has(key)) return running.pending.changes.get(key) as Doc | undefined
    const cached = running.cache.get(key)
    if (cached !== undefined) return cached.doc as Doc | undefined
    const doc = await this.readModels.get<Doc>(projection, key)
    // While a replay stores documents past the cache, what a read finds may be replaced any moment.
    if (!running.replaying) running.cache.set(key, doc)
    return doc
  }

  /** Documents whose key starts with `prefix`, in key order, including those not yet stored. */
  async list<Doc> (projection: string, prefix: string, limit = 10_000): Promise<{ key: string, doc: Doc }[]> {
    const running = this.get$(projection)
    if (this.following !== undefined) return this.readModels.list<Doc>(projection, prefix, limit)
    const overlay: [string, unknown][] = []
    for (const entry of running.pending.changes) if (entry[0].startsWith(prefix)) overlay.push(entry)
    if (overlay.length === 0) return this.readModels.list<Doc>(projection, prefix, limit)
    // Each pending deletion can hide at most one stored row: read that many more.
    const merged = new Map<string, unknown>()
    for (const row of await this.readModels.list<Doc>(projection, prefix, limit + overlay.length)) merged.set(row.key, row.doc)
    for (const [key, doc] of overlay) {
      if (doc === undefined) merged.delete(key)
      else merged.set(key, doc)
    }
    return [...merged]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit)
      .map(([key, doc]) => ({ key, doc: doc as Doc }))
  }

  /** Drops the projection's documents and replays the whole log; resolves when caught up with the head at call time. */
  async rebuild (projection: string): Promise<void> {
    const running = this.get$(projection)
    const wasRunning = running.loop !== undefined
    running.abort.abort()
    await running.loop
    await this.readModels.reset(projection, running.definition.version)
    this.resetTo(running, 0)
    const head = await this.store.headPosition()
    if (running.definition.documentsFollowStreams === true) await this.replayByStream(running, head)
    if (wasRunning) {
      await this.startOne(running)
      await this.waitFor(head, { projections: [projection], timeoutMs: Number.MAX_SAFE_INTEGER })
    } else {
      await this.catchUp(running, head)
    }
  }

  /** Processes events up to `head` without starting a live loop (CLI, benchmarks); stores the result. */
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
      await this.evolveBatch(running, batch)
      if (running.pending.isFull(this.limits)) await this.commit(running)
      // Batches are synchronous work: let timers and requests run between them.
      await new Promise(resolve => setImmediate(resolve))
    }
    await this.commit(running)
  }

  /**
   * Rebuilds up to `head` reading the log stream by stream. Documents stored on the way carry
   * a checkpoint that claims no progress and a version no definition has, so a crash part-way
   * makes the next start rebuild from zero rather than add to half-built documents.
   */
  private async replayByStream (running: Running, head: number, signal?: AbortSignal): Promise<void> {
    running.replaying = true
    try {
      await this.replayByStreamOnce(running, head, signal)
    } catch (error) {
      // Half-built documents must never be added to: the next try starts from nothing.
      await this.readModels.reset(running.definition.name, running.definition.version)
      this.resetTo(running, 0)
      throw error
    } finally {
      running.replaying = false
      // Reads during the replay may have cached documents it has since replaced.
      running.cache.clear()
    }
  }

  private async replayByStreamOnce (running: Running, head: number, signal: AbortSignal | undefined): Promise<void> {
    const { definition } = running
    const types = [...definition.eventTypes]
    const unfinished = { position: 0, version: -definition.version }
    if (this.parallelReplay !== undefined) {
      try {
        // Documents arrive serialised and finished: straight to the store, past the cache.
        await this.parallelReplay.replay(definition.name, types, head, async documents => {
          await this.readModels.commitSerialised(definition.name, unfinished, documents)
        }, signal)
        await this.readModels.commitSerialised(definition.name, { position: head, version: definition.version }, new Map())
        running.position = running.committed = head
        return
      } catch (error) {
        if (signal?.aborted === true) throw error
        this.log.warn({ err: error, projection: definition.name }, 'parallel replay failed; replaying on this thread instead')
        await this.readModels.reset(definition.name, definition.version)
      }
    }
    // Finished documents go straight to the store, past the cache, in small steps: memory
    // stays flat however large the log.
    const step = Math.min(replayCommitDocuments, this.limits.documents)
    await replayStreams(this.store, definition, { types, upTo: head }, { pageSize: this.batchSize, handOnEvery: step, signal }, async documents => {
      await this.readModels.commitSerialised(definition.name, unfinished, new Map(documents))
    })
    await this.readModels.commitSerialised(definition.name, { position: head, version: definition.version }, new Map())
    running.position = running.committed = head
  }

  private resetTo (running: Running, position: number): void {
    running.cache.clear()
    running.pending = new Pending()
    running.position = position
    running.committed = position
  }

  private async prepare (running: Running): Promise<void> {
    const { definition } = running
    const checkpoint = await this.readModels.checkpoint(definition.name)
    if (checkpoint !== undefined && checkpoint.version !== definition.version) {
      this.log.info({ projection: definition.name, from: checkpoint.version, to: definition.version }, 'projection version changed: rebuilding from zero')
      await this.readModels.reset(definition.name, definition.version)
      this.resetTo(running, 0)
    } else if (running.pending.events === 0) {
      running.position = running.committed = checkpoint?.position ?? 0
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
        if (running.position === 0 && running.definition.documentsFollowStreams === true) {
          const head = await this.store.headPosition()
          if (head >= this.replayFrom) await this.replayByStream(running, head, signal)
        }
        const batches = this.store.subscribe({ after: running.position, maxCount: this.batchSize, signal, lingerMs: this.lingerMs, idleMs: this.commitIntervalMs })
        for await (const batch of batches) {
          if (signal.aborted) break
          if (batch.length > 0) await this.evolveBatch(running, batch)
          if (this.commitDue(running, batch.length)) await this.commit(running)
          // Batches are synchronous work: let requests run between them.
          await new Promise(resolve => setImmediate(resolve))
        }
        await this.commit(running)
        return
      } catch (error) {
        running.failure = error as Error
        this.log.error({ err: error, projection: running.definition.name, position: running.position }, 'projection batch failed; retrying')
        // What was evolved before the failing batch is sound: keep it. If storing it fails
        // too, start again from the stored checkpoint.
        try {
          await this.commit(running)
        } catch (commitError) {
          this.log.error({ err: commitError, projection: running.definition.name }, 'projection commit failed; replaying from the stored checkpoint')
          this.resetTo(running, running.committed)
        }
        await pause(this.retryDelayMs, signal)
      }
    }
  }

  /**
   * Far behind (full batches: a rebuild, a restart after downtime), changes accumulate and
   * commit by volume, so a document touched by many events is written once. Caught up, they
   * commit at most once per interval, and as soon as the log goes quiet (an empty batch).
   */
  private commitDue (running: Running, batchLength: number): boolean {
    const { pending } = running
    if (pending.events === 0) return false
    if (batchLength === 0) return true
    if (batchLength >= this.batchSize) return pending.isFull(this.limits)
    return Date.now() - running.committedAt >= this.commitIntervalMs || pending.changes.size >= this.limits.documents
  }

  /** Evolves one batch into the pending changes: all of it, or (if evolve throws) none of it. */
  private async evolveBatch (running: Running, batch: readonly RecordedEvent[]): Promise<void> {
    const last = batch[batch.length - 1]
    if (last === undefined) return
    this.mergeIntoPending(running, await this.evolveEvents(running, batch), batch.length)
    running.pending.last = last
    running.position = last.position
    running.failure = undefined
    this.progressed.notify()
  }

  /** The documents these events change, evolved from their newest versions (nothing is changed yet). */
  private async evolveEvents (running: Running, events: readonly RecordedEvent[]): Promise<Map<string, unknown>> {
    return evolveDocuments(running.definition, events, async key => this.current(running, key))
  }

  private mergeIntoPending (running: Running, changes: ReadonlyMap<string, unknown>, events: number): void {
    const { pending } = running
    for (const [key, doc] of changes) pending.changes.set(key, doc)
    pending.events += events
  }

  /** The newest version of a document: evolved, cached, or stored. */
  private async current (running: Running, key: string): Promise<unknown> {
    const { changes } = running.pending
    if (changes.has(key)) return changes.get(key)
    const cached = running.cache.get(key)
    return cached !== undefined ? cached.doc : this.readModels.get(running.definition.name, key)
  }

  /** Stores the pending documents and the checkpoint in one transaction. */
  private async commit (running: Running): Promise<void> {
    const { definition, cache, pending } = running
    const last = pending.last
    if (last === undefined) return
    await this.readModels.commit(definition.name, { position: last.position, version: definition.version }, pending.changes)
    for (const [key, doc] of pending.changes) cache.set(key, doc)
    running.committed = last.position
    running.committedAt = Date.now()
    if (running.pending === pending) running.pending = new Pending()
  }

  private get$ (projection: string): Running {
    const running = this.running.get(projection)
    if (running === undefined) throw new Error(`unknown projection ${projection}`)
    return running
  }
}

/** Waits `ms`, or less if the signal aborts (unlike a Signal, other projections' progress does not end it). */
async function pause (ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>(resolve => {
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
