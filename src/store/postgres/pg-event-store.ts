import pg from 'pg'
import {
  EventIdConflictError, isStoreUnavailable, WrongExpectedRevisionError,
  type AppendOptions, type AppendResult, type EventStore, type EventToAppend, type ExpectedRevision,
  type ReadAllOptions, type ReadByStreamOptions, type ReadStreamOptions, type RecordedEvent, type SubscribeOptions
} from '../event-store.ts'
import { IdleReport, Signal } from '../signal.ts'
import { LazyMetadataEvent } from '../lazy-metadata-event.ts'

interface Row {
  position: string
  event_id: string
  stream_id: string
  revision: string
  type: string
  data: string
  metadata: string
  recorded_at: string
}

export interface PgEventStoreOptions {
  /** Injected clock (epoch ms); without it, the database's clock. Recorded times never go backwards. */
  readonly now?: () => number
  /** How often a caught-up subscription looks for appends it was not told about. */
  readonly pollIntervalMs?: number
  /** Tell subscribers in other processes about appends (NOTIFY). */
  readonly notify?: boolean
  /**
   * Group commit: at most this many append calls (transactions) at once; appends arriving
   * meanwhile wait and go together in the next one. Default 4.
   */
  readonly concurrentAppends?: number
}

/** LISTEN/NOTIFY channel: appends are announced on it, after they commit. */
const channel = 'ms_events'

/** A call that lost a race on a unique key (an event id) or a deadlock is simply tried again. */
const appendAttempts = 10
/** A call that lost its connection is sent again on a new one, after a growing pause. */
const reconnectAttempts = 5
const reconnectPauseMs = 100
const pause = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
/** Bounds of one group commit (one call of ms_append_batch). */
const maxGroupAppends = 64
const maxGroupEvents = 5000

interface PendingAppend {
  readonly streamId: string
  readonly expected: ExpectedRevision
  readonly ids: string[]
  readonly types: string[]
  readonly data: string[]
  readonly metadata: string[]
  readonly recordedAt: number | undefined
  readonly resolve: (result: AppendResult) => void
  readonly reject: (error: Error) => void
}

interface GroupRow {
  last_revision: string | null
  last_position: string | null
  duplicate: boolean
  error_code: string | null
  error_detail: string | null
}

const columns = 'e.position, e.event_id, e.stream_id, e.revision, e.type, e.data, e.metadata, e.recorded_at'

const sql = {
  appendGroup: 'SELECT * FROM ms_append_batch($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8)',
  readForwards: `SELECT ${columns} FROM events e WHERE e.stream_id = $1 AND e.revision >= $2 ORDER BY e.revision ASC LIMIT $3`,
  readBackwards: `SELECT ${columns} FROM events e WHERE e.stream_id = $1 AND e.revision <= $2 ORDER BY e.revision DESC LIMIT $3`,
  lastRevision: 'SELECT max(e.revision) AS revision FROM events e WHERE e.stream_id = $1',
  // The final events after a position (see ms_horizon), and the last visible position: when that
  // is further on, events are committed but held back behind a transaction still running.
  readFinal: `SELECT h.visible, ${columns}
    FROM (SELECT ms_horizon() AS horizon, (SELECT max(position) FROM events) AS visible) h
    LEFT JOIN LATERAL (
      SELECT * FROM events e WHERE e.position > $1 AND e.tx < h.horizon ORDER BY e.position LIMIT $2
    ) e ON true
    ORDER BY e.position`,
  head: 'SELECT e.position FROM events e WHERE e.tx < (SELECT ms_horizon()) ORDER BY e.position DESC LIMIT 1',
  // Walks the (stream_id, revision) index from a keyset position.
  readByStream: `SELECT ${columns} FROM events e
    WHERE (e.stream_id, e.revision) > ($1, $2) AND ($3::text IS NULL OR e.stream_id < $3)
      AND e.position <= $4 AND e.type = ANY($5::text[])
    ORDER BY e.stream_id, e.revision LIMIT $6`,
  streamAtRank: 'SELECT e.stream_id FROM events e ORDER BY e.stream_id, e.revision LIMIT 1 OFFSET $1',
  notify: 'SELECT pg_notify($1, \'\')'
}

/**
 * The PostgreSQL event store, over a pool on a migrated schema (see migrations.ts, which also
 * explains how subscribers never skip an event). Appends are committed in groups: those that
 * arrive while earlier calls are in flight go together in one call of ms_append_batch (one
 * round trip, one transaction), each succeeding or failing on its own. Appends to one stream
 * commit in the order they were made.
 *
 * readAll, subscribe and headPosition show an event once every write transaction of this
 * database that is older than the event's has ended: a long one delays them, never makes them
 * skip. readStream and streamRevision show every committed event at once.
 */
export class PgEventStore implements EventStore {
  private readonly now: (() => number) | undefined
  private readonly pollIntervalMs: number
  private readonly notify: boolean
  /** Woken by appends here and by notifications from other processes. */
  private readonly appended = new Signal()
  private closed = false
  private listener: pg.Client | undefined
  private listening: Promise<void> | undefined
  private listenRetryAt = 0
  private announcing: 'idle' | 'sending' | 'again' = 'idle'
  private announced: Promise<void> = Promise.resolve()
  private readonly maxInFlight: number
  private queue: PendingAppend[] = []
  private inFlight = 0
  private flushScheduled = false
  /** Streams and event ids of the calls in flight: appends touching them wait (takeGroup). */
  private readonly streamsInFlight = new Set<string>()
  private readonly idsInFlight = new Set<string>()
  /** Notified when the last append in flight has settled and none waits. */
  private readonly drained = new Signal()

  constructor (private readonly pool: pg.Pool, options: PgEventStoreOptions = {}) {
    this.now = options.now
    this.pollIntervalMs = options.pollIntervalMs ?? 200
    this.notify = options.notify ?? true
    this.maxInFlight = Math.max(1, options.concurrentAppends ?? 4)
  }

  async append (streamId: string, events: readonly EventToAppend[], options: AppendOptions = {}): Promise<AppendResult> {
    if (this.closed) throw new Error('event store is closed')
    if (events.length === 0) throw new Error('append needs at least one event')
    const metadataJson = new Map<unknown, string>()
    return await new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({
        streamId,
        expected: options.expectedRevision ?? 'any',
        ids: events.map(event => event.id),
        types: events.map(event => event.type),
        data: events.map(event => JSON.stringify(event.data)),
        // Events of one batch usually share one metadata object: serialise it once.
        metadata: events.map(event => {
          let json = metadataJson.get(event.metadata)
          if (json === undefined) metadataJson.set(event.metadata, json = JSON.stringify(event.metadata ?? {}))
          return json
        }),
        recordedAt: options.recordedAt,
        resolve,
        reject
      })
      this.scheduleFlush()
    })
  }

  /** Sends the waiting appends once this turn's have joined the queue (so they share a call). */
  private scheduleFlush (): void {
    if (this.flushScheduled || this.inFlight >= this.maxInFlight) return
    this.flushScheduled = true
    queueMicrotask(() => {
      this.flushScheduled = false
      while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
        const group = this.takeGroup()
        // Everything waiting touches a stream or an id of a call in flight: it goes after it.
        if (group.length === 0) break
        this.inFlight++
        for (const append of group) {
          this.streamsInFlight.add(append.streamId)
          for (const id of append.ids) this.idsInFlight.add(id)
        }
        this.sendGroup(group).catch((error: unknown) => {
          for (const append of group) append.reject(error as Error)
        }).finally(() => {
          for (const append of group) {
            this.streamsInFlight.delete(append.streamId)
            for (const id of append.ids) this.idsInFlight.delete(id)
          }
          this.inFlight--
          if (this.inFlight === 0 && this.queue.length === 0) this.drained.notify()
          this.scheduleFlush()
        })
      }
    })
  }

  /**
   * The next group of waiting appends, in arrival order, and one recorded time (appends given
   * their own, copied logs, go only with that same time). An append waits while anything
   * ahead of it (in flight, in this group, or still waiting) has its stream or one of its event
   * ids: appends to one stream commit in the order they were made, and of two appends with
   * the same id the first decides (the second then finds the id stored).
   */
  private takeGroup (): PendingAppend[] {
    const group: PendingAppend[] = []
    const streams = new Set(this.streamsInFlight)
    const ids = new Set(this.idsInFlight)
    const waiting: PendingAppend[] = []
    let events = 0
    for (const append of this.queue) {
      const free = !streams.has(append.streamId) && !append.ids.some(id => ids.has(id))
      const fits = free && (group.length === 0 || (
        group.length < maxGroupAppends && events + append.ids.length <= maxGroupEvents &&
        append.recordedAt === group[0]?.recordedAt))
      if (fits) {
        group.push(append)
        events += append.ids.length
      } else {
        waiting.push(append)
      }
      streams.add(append.streamId)
      for (const id of append.ids) ids.add(id)
    }
    this.queue = waiting
    return group
  }

  private async sendGroup (group: readonly PendingAppend[]): Promise<void> {
    const params = [
      group.map(append => append.streamId),
      group.map(append => String(append.expected)),
      group.map(append => append.ids.length),
      group.flatMap(append => append.ids),
      group.flatMap(append => append.types),
      group.flatMap(append => append.data),
      group.flatMap(append => append.metadata),
      group[0]?.recordedAt ?? this.now?.() ?? null
    ]
    let rows: GroupRow[]
    let races = 0
    let reconnects = 0
    for (;;) {
      const client = await this.pool.connect().catch((error: unknown) => error as Error)
      if (client instanceof Error) {
        if (isStoreUnavailable(client) && ++reconnects < reconnectAttempts) {
          await pause(reconnectPauseMs * reconnects)
          continue
        }
        for (const append of group) append.reject(client)
        return
      }
      // A checked-out client has no pool listening for its errors: a connection the server ends
      // meanwhile would raise an unhandled 'error' and stop the process. The query in flight
      // fails with it anyway, and is handled below.
      const ignore = (): void => {}
      client.on('error', ignore)
      try {
        rows = (await client.query<GroupRow>(sql.appendGroup, params)).rows
        client.off('error', ignore)
        client.release()
        break
      } catch (error) {
        client.off('error', ignore)
        const code = (error as { code?: string }).code
        const raced = code === '23505' || code === '40P01'
        // Anything else may have struck inside the critical section, whose session lock would
        // then stay held: end the session rather than pool it.
        client.release(raced ? undefined : true)
        // 23505: another call took one of these event ids and has committed since. 40P01: two
        // calls waited on each other's event ids. Either way the next try sees where things stand.
        if (raced && ++races < appendAttempts) continue
        // The connection went (a restart, a failover). Whether the call committed is unknown,
        // so it is sent again as it was: event ids it did write come back as already stored.
        if (isStoreUnavailable(error) && ++reconnects < reconnectAttempts) {
          await pause(reconnectPauseMs * reconnects)
          continue
        }
        for (const append of group) append.reject(error as Error)
        return
      }
    }
    // After a resend, "already stored" may well be this call's own first try: the events are
    // recorded either way, so the append is not reported as a retry, and subscribers are told.
    const resent = reconnects > 0
    let wrote = resent
    group.forEach((append, i) => {
      const row = rows[i]
      if (row === undefined) {
        append.reject(new Error('ms_append_batch returned too few rows'))
      } else if (row.error_code === 'MS001') {
        append.reject(new WrongExpectedRevisionError(append.streamId, append.expected, Number(row.error_detail)))
      } else if (row.error_code === 'MS002') {
        const clash = JSON.parse(row.error_detail ?? '{}') as { eventId: string, streamId: string }
        append.reject(new EventIdConflictError(clash.eventId, clash.streamId))
      } else if (row.error_code !== null) {
        append.reject(new Error(`ms_append_batch: ${row.error_code} ${row.error_detail ?? ''}`))
      } else {
        wrote ||= !row.duplicate
        append.resolve({ revision: Number(row.last_revision), position: Number(row.last_position), duplicate: row.duplicate && !resent })
      }
    })
    if (wrote) this.announce()
  }

  async readStream (streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const max = options.maxCount ?? null
    const { rows } = options.direction === 'backwards'
      ? await this.pool.query<Row>(sql.readBackwards, [streamId, options.fromRevision ?? Number.MAX_SAFE_INTEGER, max])
      : await this.pool.query<Row>(sql.readForwards, [streamId, options.fromRevision ?? 0, max])
    return rows.map(toRecorded)
  }

  async streamRevision (streamId: string): Promise<number> {
    const { rows } = await this.pool.query<{ revision: string | null }>(sql.lastRevision, [streamId])
    const revision = rows[0]?.revision
    return revision === undefined || revision === null ? -1 : Number(revision)
  }

  /** Only final events: one whose transaction may still be overtaken by a lower position waits. */
  async readAll (options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return (await this.readFinal(options.after ?? 0, options.maxCount ?? 1000)).events
  }

  private async readFinal (after: number, maxCount: number): Promise<{ events: RecordedEvent[], heldBack: boolean }> {
    // Caught up, the one row has no event: only `visible`.
    const { rows } = await this.pool.query<Row & { visible: string | null }>(sql.readFinal, [after, maxCount])
    const events: RecordedEvent[] = []
    for (const row of rows) if (row.position !== null) events.push(toRecorded(row))
    const visible = Number(rows[0]?.visible ?? 0)
    return { events, heldBack: visible > (events[events.length - 1]?.position ?? after) && events.length < maxCount }
  }

  /** `upTo` should come from headPosition (or a subscription): every event up to it is then final. */
  async readByStream (options: ReadByStreamOptions): Promise<RecordedEvent[]> {
    const after = options.after ?? { streamId: '', revision: -1 }
    const { rows } = await this.pool.query<Row>(sql.readByStream, [
      after.streamId, after.revision, options.beforeStream ?? null, options.upTo, options.types, options.maxCount ?? 1000
    ])
    return rows.map(row => new LazyMetadataEvent(row, () => row.metadata))
  }

  /**
   * Stream ids that cut the log into `parts` parts of about equal size in stream order (fewer
   * when streams are few), for reading the parts in parallel. Asynchronous, unlike the SQLite one.
   */
  async streamSplits (events: number, parts: number): Promise<string[]> {
    const splits: string[] = []
    for (let part = 1; part < parts; part++) {
      const { rows } = await this.pool.query<{ stream_id: string }>(sql.streamAtRank, [Math.floor(events * part / parts)])
      const stream = rows[0]?.stream_id
      if (stream !== undefined && stream !== splits[splits.length - 1]) splits.push(stream)
    }
    return splits
  }

  /** The last final position: every event up to it is committed and readable. */
  async headPosition (): Promise<number> {
    const { rows } = await this.pool.query<{ position: string }>(sql.head)
    return Number(rows[0]?.position ?? 0)
  }

  async * subscribe (options: SubscribeOptions = {}): AsyncIterable<RecordedEvent[]> {
    const maxCount = options.maxCount ?? 1000
    const { signal, idleMs, lingerMs } = options
    let after = options.after ?? 0
    const idle = new IdleReport(idleMs)
    // Held back behind a running transaction that may not announce its end (one that is not an
    // append, or in another process with notify off): look again soon, then less and less often.
    let heldBackWaitMs = 1
    // A function, so that TypeScript does not take the answer to be the same after an await.
    const aborted = (): boolean => signal?.aborted === true
    while (!this.closed && !aborted()) {
      this.listen()
      const { events, heldBack } = await this.readFinal(after, maxCount)
      const last = events[events.length - 1]
      if (last !== undefined) {
        after = last.position
        idle.active()
        heldBackWaitMs = 1
        yield events
        continue
      }
      let waitMs = this.pollIntervalMs
      if (heldBack) {
        waitMs = Math.min(waitMs, heldBackWaitMs)
        heldBackWaitMs = Math.min(heldBackWaitMs * 2, this.pollIntervalMs)
      }
      const due = idle.due(waitMs)
      if (due === 'report') {
        yield []
        continue
      }
      waitMs = due
      // Aborted during the read: Signal.wait listens for the abort event, which has passed.
      if (aborted()) break
      await this.appended.wait(waitMs, signal)
      if (lingerMs !== undefined && lingerMs > 0 && !this.closed) {
        await new Promise(resolve => setTimeout(resolve, lingerMs))
      }
    }
  }

  /** Wakes local subscribers now, and (coalesced: one NOTIFY in flight at a time) other processes'. */
  private announce (): void {
    this.appended.notify()
    if (!this.notify || this.closed) return
    // NOTIFY runs in a transaction of its own, after the append's commit: inside the append,
    // PostgreSQL would hold its cluster-wide notify lock through the commit, serialising appends.
    if (this.announcing !== 'idle') {
      this.announcing = 'again'
      return
    }
    this.announcing = 'sending'
    const send = (): Promise<void> => this.pool.query(sql.notify, [channel]).then(() => {}, () => {}).then(() => {
      if (this.announcing === 'again' && !this.closed) {
        this.announcing = 'sending'
        return send()
      }
      this.announcing = 'idle'
    })
    this.announced = send()
  }

  /** Keeps one LISTEN connection while subscriptions run; if it fails, they poll until it is back. */
  private listen (): void {
    if (this.closed || this.listener !== undefined || this.listening !== undefined || performance.now() < this.listenRetryAt) return
    const client = new pg.Client(this.pool.options)
    const lost = (): void => {
      if (this.listener === client) this.listener = undefined
      this.listenRetryAt = performance.now() + 1000
    }
    client.on('notification', () => this.appended.notify())
    client.on('error', lost)
    client.on('end', lost)
    this.listening = (async () => {
      await client.connect()
      await client.query(`LISTEN ${channel}`)
      if (this.closed) throw new Error('closed')
      this.listener = client
      // Appends may have been announced before the LISTEN: look once more.
      this.appended.notify()
    })().catch(() => {
      lost()
      client.end().catch(() => {})
    }).finally(() => { this.listening = undefined })
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    // Appends already accepted still go out (and settle) before the store closes.
    while (this.inFlight > 0 || this.queue.length > 0) await this.drained.wait(1000)
    this.appended.notify()
    await this.listening
    await this.listener?.end().catch(() => {})
    this.listener = undefined
    await this.announced
  }
}

function toRecorded (row: Row): RecordedEvent {
  return {
    id: row.event_id,
    type: row.type,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
    streamId: row.stream_id,
    revision: Number(row.revision),
    position: Number(row.position),
    recordedAt: Number(row.recorded_at)
  }
}
