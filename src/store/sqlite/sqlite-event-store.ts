import type { Statement } from 'better-sqlite3'
import {
  checkExpectedRevision, EventIdConflictError, StoreError, WrongExpectedRevisionError,
  type AppendResult, type EventStore, type EventToAppend, type ExpectedRevision,
  type AppendOptions, type ReadAllOptions, type ReadByStreamOptions, type ReadStreamOptions, type RecordedEvent, type SubscribeOptions
} from '../event-store.ts'
import type { SqliteDatabase } from './database.ts'
import { IdleReport, Signal } from '../signal.ts'
import { LazyMetadataEvent } from '../lazy-metadata-event.ts'

interface Row {
  position: number
  event_id: string
  stream_id: string
  revision: number
  type: string
  data: string
  metadata: string
  recorded_at: number
}

/**
 * Events appended here stay in memory until every live subscription has read them, but
 * never more than this many (a stalled subscriber reads the rest from the file).
 */
const tailMax = 50_000

interface PendingAppend {
  readonly streamId: string
  readonly events: readonly EventToAppend[]
  readonly expected: ExpectedRevision
  readonly recordedAt: number | undefined
  readonly resolve: (result: AppendResult) => void
  readonly reject: (error: unknown) => void
}

export interface SqliteEventStoreOptions {
  /** Injected clock (epoch ms); recorded times never go backwards. */
  readonly now?: () => number
  /** How often a live subscription looks for events appended by other processes. */
  readonly pollIntervalMs?: number
}

/**
 * The embedded event store. Appends are queued and committed together in one
 * transaction per turn of the event loop (group commit): concurrent requests share
 * one fsync instead of paying one each, and each append still succeeds or fails alone.
 */
export class SqliteEventStore implements EventStore {
  private readonly now: () => number
  private readonly pollIntervalMs: number
  private readonly appended = new Signal()
  private queue: PendingAppend[] = []
  private flushScheduled = false
  private lastRecordedAt = 0
  private closed = false
  private tail: RecordedEvent[] = []
  private lastMetadata: { object: unknown, json: string } = { object: undefined, json: '{}' }
  /** Where each live subscription has read up to. */
  private readonly cursors = new Set<{ after: number }>()
  private readonly sql: {
    byEventId: Statement<[string], Pick<Row, 'position' | 'stream_id' | 'revision'>>
    lastRevision: Statement<[string], { revision: number }>
    insert: Statement<[string, string, number, string, string, string, number]>
    readForwards: Statement<[string, number, number], Row>
    readBackwards: Statement<[string, number, number], Row>
    readAll: Statement<[number, number], Row>
    readByStream: Statement<[string, number, string | null, string | null, number, string, number], Omit<Row, 'metadata'>>
    streamAtRank: Statement<[number], { stream_id: string }>
    metadataAt: Statement<[number], { metadata: string }>
    head: Statement<[], { p: number | null }>
    lastRecorded: Statement<[], { t: number | null }>
  }

  /** insertEvents inside a savepoint (a transaction nested in the group's transaction). */
  private readonly insertAtomically: (streamId: string, events: readonly EventToAppend[], lastRevision: number, recordedAt: number, recorded: Row[]) => AppendResult

  constructor (private readonly db: SqliteDatabase, options: SqliteEventStoreOptions = {}) {
    this.insertAtomically = db.transaction((...args: Parameters<SqliteEventStore['insertEvents']>) => this.insertEvents(...args))
    this.now = options.now ?? Date.now
    this.pollIntervalMs = options.pollIntervalMs ?? 200
    this.sql = {
      byEventId: db.prepare('SELECT position, stream_id, revision FROM events WHERE event_id = ?'),
      lastRevision: db.prepare('SELECT revision FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1'),
      insert: db.prepare('INSERT INTO events (event_id, stream_id, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      readForwards: db.prepare('SELECT * FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision ASC LIMIT ?'),
      readBackwards: db.prepare('SELECT * FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?'),
      readAll: db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position ASC LIMIT ?'),
      // Walks the (stream_id, revision) index from a keyset position.
      readByStream: db.prepare(`SELECT position, event_id, stream_id, revision, type, data, recorded_at FROM events
        WHERE (stream_id, revision) > (?, ?) AND (? IS NULL OR stream_id < ?)
          AND position <= ? AND type IN (SELECT value FROM json_each(?))
        ORDER BY stream_id, revision LIMIT ?`),
      // The stream of the n-th event in stream order: the (stream_id, revision) index alone answers it.
      streamAtRank: db.prepare('SELECT stream_id FROM events ORDER BY stream_id, revision LIMIT 1 OFFSET ?'),
      metadataAt: db.prepare('SELECT metadata FROM events WHERE position = ?'),
      head: db.prepare('SELECT MAX(position) AS p FROM events'),
      lastRecorded: db.prepare('SELECT recorded_at AS t FROM events ORDER BY position DESC LIMIT 1')
    }
    this.lastRecordedAt = this.sql.lastRecorded.get()?.t ?? 0
  }

  append (streamId: string, events: readonly EventToAppend[], options: AppendOptions = {}): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('event store is closed'))
    if (events.length === 0) return Promise.reject(new Error('append needs at least one event'))
    return new Promise((resolve, reject) => {
      this.queue.push({ streamId, events, expected: options.expectedRevision ?? 'any', recordedAt: options.recordedAt, resolve, reject })
      if (!this.flushScheduled) {
        this.flushScheduled = true
        setImmediate(() => this.flush())
      }
    })
  }

  private flush (): void {
    this.flushScheduled = false
    const batch = this.queue
    this.queue = []
    if (batch.length === 0) return
    const recordedAt = Math.max(this.now(), this.lastRecordedAt)
    // A copied log brings its own times (AppendOptions.recordedAt); none goes backwards.
    let latest = this.lastRecordedAt
    const outcomes: ({ ok: true, result: AppendResult } | { ok: false, error: unknown })[] = []
    const recorded: Row[] = []
    try {
      this.db.transaction(() => {
        for (const pending of batch) {
          const at = Math.max(pending.recordedAt ?? recordedAt, latest)
          latest = at
          try {
            outcomes.push({ ok: true, result: this.appendInTransaction(pending, at, recorded) })
          } catch (error) {
            if (error instanceof StoreError) outcomes.push({ ok: false, error })
            else throw error
          }
        }
      }).immediate()
    } catch (error) {
      // The whole group failed to commit (disk, lock): nothing of it is acknowledged.
      for (const pending of batch) pending.reject(error)
      return
    }
    this.lastRecordedAt = latest
    // Subscribers get what a read of the file would give (JSON round-tripped), so nothing the
    // appender still holds is shared with them.
    this.remember(recordedOnce(recorded))
    batch.forEach((pending, i) => {
      const outcome = outcomes[i]
      if (outcome === undefined) pending.reject(new Error('append outcome missing'))
      else if (outcome.ok) pending.resolve(outcome.result)
      else pending.reject(outcome.error)
    })
    this.appended.notify()
  }

  // Runs inside the group's transaction. Throws a domain-level store error (which
  // fails only this append) before it has written anything.
  private appendInTransaction (pending: PendingAppend, recordedAt: number, recorded: Row[]): AppendResult {
    // Almost every append is of new events: insert them straight away and let the unique
    // index on event_id catch a repeat, which then takes the careful path below.
    const { streamId, events, expected } = pending
    const ids = new Set(events.map(event => event.id))
    if (ids.size === events.length) {
      const mark = recorded.length
      try {
        const revision = this.sql.lastRevision.get(streamId)?.revision ?? -1
        checkExpectedRevision(streamId, expected, revision)
        // One statement is atomic by itself; several need a savepoint to undo them together.
        return events.length === 1
          ? this.insertEvents(streamId, events, revision, recordedAt, recorded)
          : this.insertAtomically(streamId, events, revision, recordedAt, recorded)
      } catch (error) {
        recorded.length = mark
        if (!(error instanceof WrongExpectedRevisionError) && !isUniqueViolation(error)) throw error
      }
    }
    return this.appendCarefully(pending, recordedAt, recorded)
  }

  /** Sorts out repeated event ids first: a retried append is a no-op, a reused id an error. */
  private appendCarefully (pending: PendingAppend, recordedAt: number, recorded: Row[]): AppendResult {
    const { streamId, events, expected } = pending
    const fresh: EventToAppend[] = []
    const freshIds = new Set<string>()
    let lastExisting: Pick<Row, 'position' | 'revision'> | undefined
    for (const event of events) {
      const existing = this.sql.byEventId.get(event.id)
      if (existing === undefined) {
        if (freshIds.has(event.id)) continue
        freshIds.add(event.id)
        fresh.push(event)
      } else if (existing.stream_id !== streamId) {
        throw new EventIdConflictError(event.id, existing.stream_id)
      } else {
        lastExisting = existing
      }
    }
    if (fresh.length === 0 && lastExisting !== undefined) {
      return { revision: lastExisting.revision, position: lastExisting.position, duplicate: true }
    }
    const revision = this.sql.lastRevision.get(streamId)?.revision ?? -1
    checkExpectedRevision(streamId, expected, revision)
    return this.insertEvents(streamId, fresh, revision, recordedAt, recorded)
  }

  /** Events of one batch usually share one metadata object: serialise it once. */
  private metadataJson (metadata: Readonly<Record<string, unknown>> | undefined): string {
    if (metadata !== this.lastMetadata.object) this.lastMetadata = { object: metadata, json: JSON.stringify(metadata ?? {}) }
    return this.lastMetadata.json
  }

  private insertEvents (streamId: string, events: readonly EventToAppend[], lastRevision: number, recordedAt: number, recorded: Row[]): AppendResult {
    let revision = lastRevision
    let position = 0
    for (const event of events) {
      revision += 1
      const data = JSON.stringify(event.data)
      const metadata = this.metadataJson(event.metadata)
      const info = this.sql.insert.run(event.id, streamId, revision, event.type, data, metadata, recordedAt)
      position = Number(info.lastInsertRowid)
      recorded.push({ position, event_id: event.id, stream_id: streamId, revision, type: event.type, data, metadata, recorded_at: recordedAt })
    }
    return { revision, position, duplicate: false }
  }


  async readStream (streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const max = options.maxCount ?? Number.MAX_SAFE_INTEGER
    const rows = options.direction === 'backwards'
      ? this.sql.readBackwards.all(streamId, options.fromRevision ?? Number.MAX_SAFE_INTEGER, max)
      : this.sql.readForwards.all(streamId, options.fromRevision ?? 0, max)
    return rows.map(toRecorded)
  }

  async streamRevision (streamId: string): Promise<number> {
    return this.sql.lastRevision.get(streamId)?.revision ?? -1
  }

  async readAll (options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.readAllSync(options.after ?? 0, options.maxCount ?? 1000)
  }

  private readAllSync (after: number, maxCount: number): RecordedEvent[] {
    return this.sql.readAll.all(after, maxCount).map(toRecorded)
  }

  async readByStream (options: ReadByStreamOptions): Promise<RecordedEvent[]> {
    const after = options.after ?? { streamId: '', revision: -1 }
    const before = options.beforeStream ?? null
    const rows = this.sql.readByStream.all(after.streamId, after.revision, before, before, options.upTo, JSON.stringify(options.types), options.maxCount ?? 1000)
    const metadataAt = (position: number): string => this.sql.metadataAt.get(position)?.metadata ?? '{}'
    return rows.map(row => new LazyMetadataEvent(row, metadataAt))
  }

  /**
   * Stream ids that cut the log into `parts` parts of about equal size in stream order (fewer
   * when streams are few), for reading the parts in parallel. Counted over all events, which the
   * index answers without reading rows.
   */
  streamSplits (events: number, parts: number): string[] {
    const splits: string[] = []
    for (let part = 1; part < parts; part++) {
      const stream = this.sql.streamAtRank.get(Math.floor(events * part / parts))?.stream_id
      if (stream !== undefined && stream !== splits[splits.length - 1]) splits.push(stream)
    }
    return splits
  }

  async headPosition (): Promise<number> {
    return this.sql.head.get()?.p ?? 0
  }

  async * subscribe (options: SubscribeOptions = {}): AsyncIterable<RecordedEvent[]> {
    const cursor = { after: options.after ?? 0 }
    this.cursors.add(cursor)
    try {
      yield * this.follow(cursor, options)
    } finally {
      this.cursors.delete(cursor)
    }
  }

  private async * follow (cursor: { after: number }, options: SubscribeOptions): AsyncIterable<RecordedEvent[]> {
    const maxCount = options.maxCount ?? 1000
    const { signal, idleMs, lingerMs } = options
    const idle = new IdleReport(idleMs)
    // Woken by an append in this process, the new events are in the tail: only a timeout
    // (the poll) needs to look in the file for appends by other processes.
    let pollFile = true
    while (!this.closed && signal?.aborted !== true) {
      const batch = this.readShared(cursor.after, maxCount, pollFile)
      const last = batch[batch.length - 1]
      if (last !== undefined) {
        cursor.after = last.position
        idle.active()
        yield batch
        continue
      }
      // Caught up: wait for an append here, or poll for appends by other processes.
      const waitMs = idle.due(this.pollIntervalMs)
      if (waitMs === 'report') {
        yield []
        continue
      }
      pollFile = !await this.appended.wait(waitMs, signal)
      if (lingerMs !== undefined && lingerMs > 0 && !this.closed) {
        await new Promise(resolve => setTimeout(resolve, lingerMs))
      }
    }
  }

  /**
   * What a subscription reads next. Live subscribers (the projections) mostly want what was
   * just appended here: that comes from the tail kept in memory, without reading and parsing
   * it back. Anything else (further back, or appended by another process) is read from the
   * file; caught up with the tail, the file is only read when `pollFile` says so.
   */
  private readShared (after: number, maxCount: number, pollFile: boolean): RecordedEvent[] {
    const first = this.tail[0]
    const last = this.tail[this.tail.length - 1]
    if (first !== undefined && last !== undefined && after >= first.position - 1) {
      if (after < last.position) {
        const start = after - (first.position - 1)
        return this.tail.slice(start, start + maxCount)
      }
      if (!pollFile) return []
    }
    return this.readAllSync(after, maxCount)
  }

  /** Keeps the newest events for live subscribers; positions in the tail are always consecutive. */
  private remember (recorded: readonly RecordedEvent[]): void {
    const first = recorded[0]
    const last = this.tail[this.tail.length - 1]
    if (first === undefined) return
    // Another process appended in between: the tail would have a gap, so start it again.
    if (last !== undefined && first.position !== last.position + 1) this.tail = []
    for (const event of recorded) this.tail.push(event)
    // Drop what every subscription has read, in one go once it is half the tail.
    let slowest = Infinity
    for (const cursor of this.cursors) slowest = Math.min(slowest, cursor.after)
    const firstKept = this.tail[0]?.position ?? 0
    const read = Math.max(0, Math.min(this.tail.length, slowest - firstKept + 1))
    const drop = Math.max(read, this.tail.length - tailMax)
    if (drop > 0 && (drop * 2 >= this.tail.length || this.tail.length > tailMax)) this.tail = this.tail.slice(drop)
  }

  async close (): Promise<void> {
    if (this.closed) return
    // Commit what is queued: it may already be promised to a caller.
    if (this.queue.length > 0) this.flush()
    this.closed = true
    this.appended.notify()
  }
}

function isUniqueViolation (error: unknown): boolean {
  return (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE'
}

/**
 * Rows of one flush as subscribers get them. Identical metadata (one batch's events) is
 * parsed once and shared: subscribers treat events as read-only.
 */
function recordedOnce (rows: readonly Row[]): RecordedEvent[] {
  const metadata = new Map<string, Record<string, unknown>>()
  return rows.map(row => {
    let parsed = metadata.get(row.metadata)
    if (parsed === undefined) metadata.set(row.metadata, parsed = JSON.parse(row.metadata) as Record<string, unknown>)
    return { id: row.event_id, type: row.type, data: JSON.parse(row.data), metadata: parsed, streamId: row.stream_id, revision: row.revision, position: row.position, recordedAt: row.recorded_at }
  })
}

function toRecorded (row: Row): RecordedEvent {
  return {
    id: row.event_id,
    type: row.type,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
    streamId: row.stream_id,
    revision: row.revision,
    position: row.position,
    recordedAt: row.recorded_at
  }
}
