// The EventStoreDB adapter of the event-store port, over @eventstore/db-client 6 (gRPC).
//
// No EventStoreDB server runs on the development machines, so every mapping between the
// port and EventStoreDB is a named, exported function below, unit-tested without a server;
// the shared contract suite runs against a real server when EVENTSTORE_URL is set
// (test/store/esdb-event-store.test.ts). What EventStoreDB does that the port needs:
//
// - revisions: EventStoreDB numbers a stream's events from 0, like the port.
// - positions: an event's position in `$all` is a byte offset in the transaction log. For
//   events written through gRPC the commit and prepare positions are equal and belong to that
//   event alone (only the legacy TCP API's explicit transactions share a commit position
//   between events: this adapter never writes them, and a log containing them breaks the
//   "one position per event" rule). The port's numeric position is that commit position.
// - idempotency: EventStoreDB dedupes by event id within one stream only, and only for the
//   first events of an append. The port wants more: ids unique across the log, repeats found
//   anywhere in a batch, a retried batch appending only its new events. Claim streams (one per
//   event id, see `claim`) give that; EventStoreDB's own dedupe covers the rare race of two
//   identical appends in flight at once.
import { createHash, randomUUID } from 'node:crypto'
import {
  ANY, BACKWARDS, END, ErrorType, EventStoreDBClient, FORWARDS, NO_STREAM, START, STREAM_EXISTS,
  WrongExpectedVersionError, excludeSystemEvents, jsonEvent, streamNameFilter,
  type AllStreamResolvedEvent, type AllStreamSubscription, type AppendExpectedRevision, type CurrentRevision,
  type EventData, type Filter, type JSONType, type Position, type ReadRevision,
  type RecordedEvent as EsdbRecordedEvent, type StreamingRead
} from '@eventstore/db-client'
import {
  EventIdConflictError, StoreError, WrongExpectedRevisionError,
  type AppendResult, type EventStore, type EventToAppend, type ExpectedRevision,
  type ReadAllOptions, type ReadByStreamOptions, type ReadStreamOptions, type RecordedEvent, type SubscribeOptions
} from '../event-store.ts'
import { IdleReport, Signal } from '../signal.ts'

/** Metadata key that keeps an event id EventStoreDB could not take as its own (not a canonical UUID). */
export const originalIdKey = 'msEventId'
/** Streams that record which stream owns an event id: one stream per id. */
export const claimStreamPrefix = 'ms-event-id-'
/**
 * Type of the claim events. The leading `$` marks them as system events, so that every reader
 * of `$all` that skips system events (this adapter, `excludeSystemEvents()`) skips them too.
 */
export const claimEventType = '$ms-event-id-claimed'

// UUID v5 namespaces, fixed forever: changing one changes every derived id, and with it the
// idempotency of appends retried across the change.
const eventIdNamespace = '9a0c5ce4-bead-43e2-b470-7b9689f2498b'
const claimNamespace = '8e1e4b32-5753-4f61-aa45-33157a981516'

/** A stream read without a server-side position (servers before 22.6) says so with this. */
const unknownCommit = 2n ** 63n

// ---------------------------------------------------------------------------------------------
// Mappings between the port and EventStoreDB (pure; unit-tested without a server).

/** The port's expected revision as EventStoreDB's. */
export function toEsdbExpectedRevision (expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any': return ANY
    case 'no-stream': return NO_STREAM
    case 'exists': return STREAM_EXISTS
  }
  // A number is an exact revision; -1 is the port's "no stream" (streamRevision returns it).
  if (expected === -1) return NO_STREAM
  if (!Number.isSafeInteger(expected) || expected < 0) throw new StoreError(`expected revision must be "any", "no-stream", "exists" or an integer >= -1 (got ${String(expected)})`)
  return BigInt(expected)
}

/** EventStoreDB's current revision of a stream as the port's: -1 when the stream does not exist. */
export function fromEsdbRevision (revision: CurrentRevision): number {
  return revision === NO_STREAM ? -1 : toSafeNumber(revision, 'stream revision')
}

/**
 * A 64-bit value from EventStoreDB as a JS number. Positions are byte offsets in the
 * transaction log: a number holds them exactly up to 2^53 - 1 bytes (about 8 PiB of log).
 * Past that, rounding would merge and reorder positions, so it is refused instead.
 */
export function toSafeNumber (value: bigint, what: string): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw new StoreError(`${what} ${value} does not fit in a JS number exactly (2^53 - 1 at most)`)
  return Number(value)
}

/** The port's position of an event, or undefined when EventStoreDB did not report one. */
export function fromEsdbPosition (position: Position | undefined): number | undefined {
  // Before 22.6, stream reads carry no position: absent, zero, or -1 sent as an unsigned 64-bit
  // number. No event sits at 0 (the log starts with the server's own records).
  if (position === undefined || position.commit <= 0n || position.commit >= unknownCommit) return undefined
  return toSafeNumber(position.commit, 'log position')
}

/**
 * A position of the port as EventStoreDB's. Only 0 (before everything) and positions this
 * adapter returned are valid: EventStoreDB reads the record at that byte offset, and an offset
 * inside a record is an error. Commit and prepare are equal for events written through gRPC.
 */
export function toEsdbPosition (position: number): Position | typeof START {
  if (!Number.isSafeInteger(position) || position < 0) throw new StoreError(`a log position is an integer >= 0 (got ${position})`)
  return position === 0 ? START : { commit: BigInt(position), prepare: BigInt(position) }
}

/** A stream revision of the port as EventStoreDB's. */
export function toEsdbRevision (revision: number): bigint {
  if (!Number.isSafeInteger(revision) || revision < 0) throw new StoreError(`a stream revision is an integer >= 0 (got ${revision})`)
  return BigInt(revision)
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** True for a UUID in its canonical 8-4-4-4-12 form, other than the nil UUID. */
export function isUuid (id: string): boolean {
  return uuidPattern.test(id) && id !== '00000000-0000-0000-0000-000000000000'
}

/** A name-based UUID (version 5, SHA-1; RFC 9562 §5.5). */
export function uuidV5 (name: string, namespace: string): string {
  if (!uuidPattern.test(namespace)) throw new StoreError(`not a UUID: ${namespace}`)
  const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest()
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80
  const hex = hash.subarray(0, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/**
 * The id EventStoreDB stores for an event: EventStoreDB wants a UUID, the port takes any string.
 * A UUID stays itself (lower case, as the server returns it); anything else becomes a v5 UUID of
 * it, the same every time, so EventStoreDB's own per-stream idempotency still sees a retry as
 * a repeat. (A caller choosing the v5 UUID of another id as an id would collide with it: that
 * takes a SHA-1 preimage, not an accident.)
 */
export function toEsdbEventId (id: string): string {
  return isUuid(id) ? id.toLowerCase() : uuidV5(id, eventIdNamespace)
}

/** The event as EventStoreDB stores it: JSON data, JSON metadata carrying the original id when needed. */
export function toEsdbEventData (event: EventToAppend): EventData {
  const id = toEsdbEventId(event.id)
  if (event.metadata !== undefined && Object.hasOwn(event.metadata, originalIdKey)) {
    throw new StoreError(`event ${event.id}: metadata key "${originalIdKey}" is reserved by the EventStoreDB adapter`)
  }
  const metadata = id === event.id ? event.metadata : { ...event.metadata, [originalIdKey]: event.id }
  // JSON.stringify(undefined) is not JSON: no data is stored as null.
  const data = (event.data === undefined ? null : event.data) as JSONType
  return metadata === undefined
    ? jsonEvent({ id, type: event.type, data })
    : jsonEvent({ id, type: event.type, data, metadata: metadata as JSONType })
}

/** An event read from EventStoreDB as the port's, under the stream id the port knows. */
export function fromEsdbEvent (event: EsdbRecordedEvent, streamId: string, position: number): RecordedEvent {
  const stored = event.metadata
  let metadata: Record<string, unknown> = {}
  let originalId: string | undefined
  // Metadata this adapter writes is a JSON object; anything else (binary, or JSON of another
  // shape written by another client) has no place in the port's metadata record.
  if (typeof stored === 'object' && stored !== null && !Array.isArray(stored) && !(stored instanceof Uint8Array)) {
    const { [originalIdKey]: kept, ...rest } = stored as Record<string, unknown>
    metadata = rest
    if (typeof kept === 'string') originalId = kept
  }
  return {
    id: originalId ?? event.id,
    type: event.type,
    data: event.data,
    metadata,
    streamId,
    revision: toSafeNumber(event.revision, 'stream revision'),
    position,
    recordedAt: event.created.getTime()
  }
}

/** A failed append as the port's conflict, or undefined when it was not a wrong expected version. */
export function toWrongExpectedRevision (error: unknown, streamId: string, expected: ExpectedRevision): WrongExpectedRevisionError | undefined {
  if (!isWrongExpectedVersion(error)) return undefined
  return new WrongExpectedRevisionError(streamId, expected, fromEsdbRevision(error.actualVersion))
}

function isWrongExpectedVersion (error: unknown): error is WrongExpectedVersionError {
  // The type tag also catches the class from a second copy of the client package.
  return error instanceof WrongExpectedVersionError || (error as { type?: unknown } | null)?.type === ErrorType.WRONG_EXPECTED_VERSION
}

function isStreamNotFound (error: unknown): boolean {
  return (error as { type?: unknown } | null)?.type === ErrorType.STREAM_NOT_FOUND
}

/**
 * Stream ids in code-point order, which is the byte order of their UTF-8 (SQLite's BINARY and
 * PostgreSQL's "C" collation): JS's `<` compares UTF-16 code units, which puts characters above
 * U+FFFF before U+E000..U+FFFF.
 */
export function compareStreamIds (a: string, b: string): number {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return codePointRank(x) - codePointRank(y)
  }
  return a.length - b.length
}

/** Moves surrogates (D800..DFFF) above E000..FFFF, so code units compare as code points do. */
function codePointRank (unit: number): number {
  if (unit < 0xd800) return unit
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000
}

/** The `$all` position of the newest record of the log (system records included), 0 when empty. */
export async function readLogEnd (client: EventStoreDBClient): Promise<number> {
  for (const resolved of await collect(client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 }))) {
    const position = fromEsdbPosition(resolved.event?.position)
    if (position !== undefined) return position
  }
  return 0
}

// ---------------------------------------------------------------------------------------------
// The store.

export interface EsdbEventStoreOptions {
  /**
   * Prefix of every stream this store owns on the server (default none). Streams are named
   * `prefix + streamId` there; reads of `$all` see only streams with the prefix. Several
   * independent stores (environments, test runs) can so share one server.
   */
  readonly streamPrefix?: string
  /**
   * Positions at or before this hold no event of this store (default 0): reads of `$all` start
   * after it. For a store whose streams are all new (a new prefix), the log's end when it was
   * opened (`readLogEnd`) spares every read of `$all` from 0 the history before it.
   */
  readonly logStartsAfter?: number
  /** Records per page when reading `$all` (default 512). */
  readonly pageSize?: number
}

/**
 * The event store on EventStoreDB. The constructor takes a client (the caller keeps it and
 * disposes of it) or a connection string such as `esdb://127.0.0.1:2113?tls=false` (the
 * store makes the client and disposes of it on close).
 */
export class EsdbEventStore implements EventStore {
  private readonly client: EventStoreDBClient
  private readonly ownsClient: boolean
  private readonly prefix: string
  private readonly floor: number
  private readonly pageSize: number
  private closed = false
  private readonly inFlight = new Set<Promise<unknown>>()
  private readonly feeds = new Set<LiveFeed>()
  /** What the last headPosition learnt: positions up to logEnd never change. */
  private headSeen: { logEnd: number, head: number } | undefined
  /** The last replay read, grouped by stream (readByStream is called page after page). */
  private replayCache: { key: string, events: RecordedEvent[] } | undefined

  constructor (client: EventStoreDBClient | string, options: EsdbEventStoreOptions = {}) {
    this.ownsClient = typeof client === 'string'
    this.client = typeof client === 'string' ? EventStoreDBClient.connectionString(client) : client
    this.prefix = options.streamPrefix ?? ''
    if (this.prefix.startsWith('$')) throw new StoreError('a stream prefix must not start with "$" (EventStoreDB system streams)')
    this.floor = options.logStartsAfter ?? 0
    if (!Number.isSafeInteger(this.floor) || this.floor < 0) throw new StoreError(`logStartsAfter must be an integer >= 0 (got ${this.floor})`)
    this.pageSize = options.pageSize ?? 512
    if (!Number.isSafeInteger(this.pageSize) || this.pageSize < 1) throw new StoreError(`pageSize must be an integer >= 1 (got ${this.pageSize})`)
  }

  append (streamId: string, events: readonly EventToAppend[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new StoreError('event store is closed'))
    if (events.length === 0) return Promise.reject(new StoreError('append needs at least one event'))
    const work = this.appendNow(streamId, events, options.expectedRevision ?? 'any')
    this.inFlight.add(work)
    const forget = (): void => { this.inFlight.delete(work) }
    work.then(forget, forget)
    return work
  }

  private async appendNow (streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    const stream = this.serverStream(streamId)
    const expectedEsdb = toEsdbExpectedRevision(expected)
    // An id repeated within one append is one event: its first occurrence.
    const unique = firstOfEachId(events)
    // Everything that can be refused without the server is refused before anything is written.
    const data = new Map(unique.map(event => [event.id, this.checkedEventData(event)]))

    // 1. Claim every id for this stream. A new claim proves the event was never appended; a
    //    claim this stream already held means an earlier append of it, which may have landed.
    const claims = await Promise.allSettled(unique.map(event => this.claim(event.id, streamId)))
    const rejected = claims.find(claim => claim.status === 'rejected')
    if (rejected !== undefined) throw rejected.reason
    const maybeStored = unique.filter((_, i) => (claims[i] as PromiseFulfilledResult<Claim>).value === 'held')

    // 2. Repeats: look for them in the stream (only on retries).
    const stored = maybeStored.length === 0 ? new Map<string, Found>() : await this.findInStream(stream, maybeStored.map(event => event.id))
    const fresh = unique.filter(event => !stored.has(event.id))
    if (fresh.length === 0) {
      const last = stored.get((events[events.length - 1] as EventToAppend).id) as Found
      return { revision: last.revision, position: last.position, duplicate: true }
    }

    // 3. The new events, with the caller's expected revision: EventStoreDB checks it atomically.
    let result
    try {
      result = await this.client.appendToStream(stream, fresh.map(event => data.get(event.id) as EventData), { expectedRevision: expectedEsdb })
    } catch (error) {
      throw toWrongExpectedRevision(error, streamId, expected) ?? error
    }
    if (!result.success) {
      // A client made with throwOnAppendFailure=false reports the conflict instead of throwing,
      // with a current revision that client 6.2 computes wrongly: ask the stream.
      throw new WrongExpectedRevisionError(streamId, expected, await this.streamRevision(streamId))
    }
    const revision = fromEsdbRevision(result.nextExpectedRevision)
    // The append's reported position is that of its single event; for several events the
    // server reports one position for the whole write, so the last event is read back.
    const reported = fresh.length === 1 ? fromEsdbPosition(result.position) : undefined
    return { revision, position: reported ?? await this.positionOf(stream, revision), duplicate: false }
  }

  private checkedEventData (event: EventToAppend): EventData {
    if (typeof event.id !== 'string' || event.id === '') throw new StoreError('an event id must be a non-empty string')
    if (typeof event.type !== 'string' || event.type === '') throw new StoreError(`event ${event.id}: the type must be a non-empty string`)
    if (event.type.startsWith('$')) throw new StoreError(`event ${event.id}: types starting with "$" are EventStoreDB system events, which reads skip`)
    return toEsdbEventData(event)
  }

  /**
   * Makes `streamId` the owner of `eventId`, log-wide. EventStoreDB has no index of event ids,
   * so each id gets a stream of its own whose first event names the owner, written only if the
   * stream does not exist yet: the server decides races. The claim event's id is random so that
   * a second claim is never taken for a retry of the first: it fails, and the owner is read.
   * Costs one write per event (in parallel within an append) and one small stream per event.
   * A claim whose append then failed stays: the id stays with that stream.
   */
  private async claim (eventId: string, streamId: string): Promise<Claim> {
    const claimStream = claimStreamPrefix + uuidV5(`${this.prefix}\u0000${eventId}`, claimNamespace)
    const claimEvent = jsonEvent({ id: randomUUID(), type: claimEventType, data: { eventId, streamId, streamPrefix: this.prefix } })
    try {
      const result = await this.client.appendToStream(claimStream, claimEvent, { expectedRevision: NO_STREAM })
      if (result.success) return 'new'
    } catch (error) {
      if (!isWrongExpectedVersion(error)) throw error
    }
    const owner = await this.claimOwner(claimStream)
    if (owner !== streamId) throw new EventIdConflictError(eventId, owner)
    return 'held'
  }

  private async claimOwner (claimStream: string): Promise<string> {
    const [first] = await collect(this.client.readStream(claimStream, { fromRevision: START, maxCount: 1 }))
    const owner = (first?.event?.data as { streamId?: unknown } | undefined)?.streamId
    if (typeof owner !== 'string') throw new StoreError(`event-id claim ${claimStream} is missing or unreadable`)
    return owner
  }

  /**
   * Where the given ids sit in the stream, newest first (a retry usually repeats the latest
   * events). Reads back until every id is found or the stream's start: a whole stream when a
   * claim was left by an append that failed.
   */
  private async findInStream (stream: string, ids: readonly string[]): Promise<Map<string, Found>> {
    const wanted = new Map(ids.map(id => [toEsdbEventId(id), id]))
    const found = new Map<string, Found>()
    try {
      await forEach(this.client.readStream(stream, { direction: BACKWARDS, fromRevision: END }), resolved => {
        const event = resolved.event
        const id = event === undefined ? undefined : wanted.get(event.id)
        if (event === undefined || id === undefined || found.has(id)) return true
        found.set(id, { revision: toSafeNumber(event.revision, 'stream revision'), position: requirePosition(event) })
        return found.size < wanted.size
      })
    } catch (error) {
      if (!isStreamNotFound(error)) throw error
    }
    return found
  }

  /** The position of one event of a stream. */
  private async positionOf (stream: string, revision: number): Promise<number> {
    const [resolved] = await collect(this.client.readStream(stream, { fromRevision: toEsdbRevision(revision), maxCount: 1 }))
    if (resolved?.event === undefined) throw new StoreError(`stream ${stream}: event ${revision} was appended but cannot be read back`)
    return requirePosition(resolved.event)
  }

  async readStream (streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen()
    const stream = this.serverStream(streamId)
    if (options.maxCount !== undefined && options.maxCount <= 0) return []
    const backwards = options.direction === 'backwards'
    const fromRevision: ReadRevision = options.fromRevision === undefined ? (backwards ? END : START) : toEsdbRevision(options.fromRevision)
    const read = this.client.readStream(stream, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision,
      ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount })
    })
    try {
      const events: RecordedEvent[] = []
      for (const resolved of await collect(read)) {
        if (resolved.event !== undefined) events.push(fromEsdbEvent(resolved.event, streamId, requirePosition(resolved.event)))
      }
      return events
    } catch (error) {
      if (isStreamNotFound(error)) return []
      throw error
    }
  }

  async streamRevision (streamId: string): Promise<number> {
    this.assertOpen()
    try {
      const [last] = await collect(this.client.readStream(this.serverStream(streamId), { direction: BACKWARDS, fromRevision: END, maxCount: 1 }))
      return last?.event === undefined ? -1 : toSafeNumber(last.event.revision, 'stream revision')
    } catch (error) {
      if (isStreamNotFound(error)) return -1
      throw error
    }
  }

  /**
   * Client 6 reads `$all` without server-side filters, so system events, claims and other
   * prefixes' streams are skipped here, page by page, until `maxCount` events of this store
   * are found or the log ends.
   */
  async readAll (options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen()
    return this.readOwn(Math.max(options.after ?? 0, this.floor), options.maxCount ?? 1000)
  }

  private async readOwn (after: number, maxCount: number): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = []
    let cursor = after
    while (events.length < maxCount) {
      const page = await this.readRawPage(cursor)
      for (const { event, position } of page.records) {
        cursor = position
        const own = this.toOwn(event, position)
        if (own === undefined) continue
        events.push(own)
        if (events.length === maxCount) break
      }
      if (page.atEnd) break
    }
    return events
  }

  /** Up to a page of `$all` after a position (exclusive), system records included. */
  private async readRawPage (after: number): Promise<{ records: RawRecord[], atEnd: boolean }> {
    // Forward reads of $all include the record at the position they start from: ask for one more.
    const ask = after === 0 ? this.pageSize : this.pageSize + 1
    const read = await collect(this.client.readAll({ fromPosition: toEsdbPosition(after), direction: FORWARDS, maxCount: ask }))
    return { records: rawRecords(read).filter(record => record.position > after), atEnd: read.length < ask }
  }

  /** An event of `$all` as this store's, or undefined when it belongs to no stream of this store. */
  private toOwn (event: EsdbRecordedEvent, position: number): RecordedEvent | undefined {
    return this.isOwn(event) ? fromEsdbEvent(event, event.streamId.slice(this.prefix.length), position) : undefined
  }

  private isOwn (event: EsdbRecordedEvent): boolean {
    return !event.type.startsWith('$') && // system events, and the claims
      !event.streamId.startsWith('$') && // system streams ($stats-…, projections' output)
      !event.streamId.startsWith(claimStreamPrefix) &&
      event.streamId.startsWith(this.prefix)
  }

  /**
   * EventStoreDB lists no streams in id order, so this reads `$all` from the start up to `upTo`
   * (events of the types asked for), groups it by stream in memory and pages through that. The
   * grouped events stay cached for the next page of the same read (same types and `upTo`):
   * the whole read costs one pass over the log and memory for every matching event; the
   * cache is dropped when a page comes back empty or another read replaces it. The service
   * reads this way only to rebuild a projection from zero.
   */
  async readByStream (options: ReadByStreamOptions): Promise<RecordedEvent[]> {
    this.assertOpen()
    const key = JSON.stringify([[...options.types].sort(), options.upTo])
    let grouped = this.replayCache?.key === key ? this.replayCache.events : undefined
    if (grouped === undefined) {
      const scan = await this.scanByStream(new Set(options.types), options.upTo)
      grouped = scan.events
      // Only a read that saw the log pass `upTo` is final: later appends land after it.
      if (scan.complete) this.replayCache = { key, events: grouped }
    }
    const maxCount = options.maxCount ?? 1000
    const page: RecordedEvent[] = []
    for (let i = options.after === undefined ? 0 : firstAfter(grouped, options.after); i < grouped.length && page.length < maxCount; i++) {
      const event = grouped[i] as RecordedEvent
      if (options.beforeStream !== undefined && compareStreamIds(event.streamId, options.beforeStream) >= 0) break
      page.push(event)
    }
    if (page.length === 0 && this.replayCache?.key === key) this.replayCache = undefined
    return page
  }

  private async scanByStream (types: ReadonlySet<string>, upTo: number): Promise<{ events: RecordedEvent[], complete: boolean }> {
    const byStream = new Map<string, RecordedEvent[]>()
    let cursor = this.floor
    let complete = upTo <= cursor
    while (!complete) {
      const page = await this.readRawPage(cursor)
      for (const { event, position } of page.records) {
        cursor = position
        if (position > upTo) break
        if (!types.has(event.type)) continue
        const own = this.toOwn(event, position)
        if (own === undefined) continue
        const events = byStream.get(own.streamId)
        if (events === undefined) byStream.set(own.streamId, [own])
        else events.push(own) // the log holds each stream's events in revision order
      }
      if (cursor >= upTo) complete = true
      else if (page.atEnd) break
    }
    const streams = [...byStream.keys()].sort(compareStreamIds)
    return { events: streams.flatMap(stream => byStream.get(stream) as RecordedEvent[]), complete }
  }

  /**
   * The newest event of this store, read backwards from the end of `$all`. Positions up to the
   * end seen last time never change, so a later call reads only what came after it.
   */
  async headPosition (): Promise<number> {
    this.assertOpen()
    const known = this.headSeen
    let logEnd: number | undefined
    let from: number | undefined
    for (;;) {
      const read = await collect(this.client.readAll({ fromPosition: from === undefined ? END : toEsdbPosition(from), direction: BACKWARDS, maxCount: this.pageSize }))
      // Backward reads of $all end before the position they start from; the filter makes sure.
      const records = rawRecords(read).filter(record => from === undefined || record.position < from)
      for (const { event, position } of records) {
        logEnd ??= position
        if (known !== undefined && position <= known.logEnd) return this.rememberHead(logEnd, known.head)
        if (position <= this.floor) return this.rememberHead(logEnd, 0)
        if (this.isOwn(event)) return this.rememberHead(logEnd, position)
      }
      const last = records[records.length - 1]
      if (read.length < this.pageSize || last === undefined) return logEnd === undefined ? 0 : this.rememberHead(logEnd, 0)
      from = last.position
    }
  }

  private rememberHead (logEnd: number, head: number): number {
    if (this.headSeen === undefined || logEnd > this.headSeen.logEnd) this.headSeen = { logEnd, head }
    return head
  }

  /**
   * Catches up by reading `$all` page by page (batches of `maxCount`, as the port promises; a
   * subscription's pushes would be cut wherever the network cut them), then follows a catch-up
   * subscription to `$all` from where the reads ended, filtered on the server: system events
   * out (`excludeSystemEvents()`), or, for a store with a stream prefix, only its streams.
   */
  async * subscribe (options: SubscribeOptions = {}): AsyncIterable<RecordedEvent[]> {
    this.assertOpen()
    const maxCount = options.maxCount ?? 1000
    const { signal, idleMs, lingerMs } = options
    let cursor = Math.max(options.after ?? 0, this.floor)
    const idle = new IdleReport(idleMs)

    for (;;) {
      if (this.stopped(signal)) return
      const page = await this.readOwn(cursor, maxCount)
      const last = page[page.length - 1]
      if (last === undefined) break
      cursor = last.position
      idle.active()
      yield page
      // A short page is the end of the log (when it was read).
      if (page.length < maxCount) break
    }

    if (this.stopped(signal)) return
    const filter: Filter = this.prefix === '' ? excludeSystemEvents() : streamNameFilter({ prefixes: [this.prefix] })
    const feed = new LiveFeed(this.client, cursor, filter, (event, position) => this.toOwn(event, position), Math.max(4 * maxCount, 1000))
    this.feeds.add(feed)
    try {
      while (!this.stopped(signal)) {
        feed.throwIfFailed()
        const batch = feed.take(maxCount)
        if (batch.length > 0) {
          idle.active()
          yield batch
          continue
        }
        // Caught up: wait for the next event, or report idleness once.
        const waitMs = idle.due(60_000)
        if (waitMs === 'report') {
          yield []
          continue
        }
        const woken = await feed.wait(waitMs, signal)
        if (woken && lingerMs !== undefined && lingerMs > 0 && !this.closed) await new Promise(resolve => setTimeout(resolve, lingerMs))
      }
    } finally {
      this.feeds.delete(feed)
      await feed.close()
    }
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    // Appends already under way may be promised to callers: let them finish first.
    await Promise.allSettled([...this.inFlight])
    await Promise.all([...this.feeds].map(feed => feed.close()))
    this.replayCache = undefined
    if (this.ownsClient) await this.client.dispose()
  }

  /** Whether a subscription should end (read afresh after every await). */
  private stopped (signal: AbortSignal | undefined): boolean {
    return this.closed || signal?.aborted === true
  }

  private assertOpen (): void {
    if (this.closed) throw new StoreError('event store is closed')
  }

  /** The server's name of a stream of this store. */
  private serverStream (streamId: string): string {
    if (typeof streamId !== 'string' || streamId === '') throw new StoreError('a stream id must be a non-empty string')
    const name = this.prefix + streamId
    if (name.startsWith('$')) throw new StoreError(`stream ${streamId}: names starting with "$" are EventStoreDB system streams`)
    if (name.startsWith(claimStreamPrefix)) throw new StoreError(`stream ${streamId}: names starting with "${claimStreamPrefix}" are reserved for event-id claims`)
    return name
  }
}

type Claim = 'new' | 'held'

function firstOfEachId (events: readonly EventToAppend[]): EventToAppend[] {
  const byId = new Map<string, EventToAppend>()
  for (const event of events) if (!byId.has(event.id)) byId.set(event.id, event)
  return [...byId.values()]
}
interface Found { readonly revision: number, readonly position: number }
interface RawRecord { readonly event: EsdbRecordedEvent, readonly position: number }

function rawRecords (read: readonly AllStreamResolvedEvent[]): RawRecord[] {
  const records: RawRecord[] = []
  for (const resolved of read) {
    const event = resolved.event
    const position = fromEsdbPosition(event?.position)
    if (event !== undefined && position !== undefined) records.push({ event, position })
  }
  return records
}

function requirePosition (event: EsdbRecordedEvent): number {
  const position = fromEsdbPosition(event.position)
  if (position === undefined) throw new StoreError('EventStoreDB reported no $all position for a stream event: this adapter needs EventStoreDB 22.10 or later')
  return position
}

/** First index of `events` (ordered by stream, then revision) after the given event. */
function firstAfter (events: readonly RecordedEvent[], after: { streamId: string, revision: number }): number {
  let low = 0
  let high = events.length
  while (low < high) {
    const mid = (low + high) >>> 1
    const event = events[mid] as RecordedEvent
    const order = compareStreamIds(event.streamId, after.streamId) || event.revision - after.revision
    if (order <= 0) low = mid + 1
    else high = mid
  }
  return low
}

/** Every item of a finite read. */
async function collect<E> (read: StreamingRead<E>): Promise<E[]> {
  const items: E[] = []
  for await (const item of read) items.push(item as E)
  return items
}

/** Reads until `visit` returns false, then cancels the rest of the read on the server. */
async function forEach<E> (read: StreamingRead<E>, visit: (item: E) => boolean): Promise<void> {
  let stopped = false
  try {
    for await (const item of read) {
      if (!visit(item as E)) {
        stopped = true
        break
      }
    }
  } finally {
    if (stopped) await read.cancel()
  }
}

/**
 * One catch-up subscription to `$all`, its events queued for a consumer that takes them in
 * batches. Reading pauses while the queue is full, so a slow consumer holds the server back
 * rather than filling memory.
 */
class LiveFeed {
  private queue: RecordedEvent[] = []
  private next = 0
  private failure: unknown
  private paused = false
  private closing: Promise<void> | undefined
  private readonly arrived = new Signal()
  private readonly subscription: AllStreamSubscription

  constructor (
    client: EventStoreDBClient,
    private cursor: number,
    filter: Filter,
    private readonly own: (event: EsdbRecordedEvent, position: number) => RecordedEvent | undefined,
    private readonly highWater: number
  ) {
    this.subscription = client.subscribeToAll({ fromPosition: toEsdbPosition(cursor), filter })
    this.subscription.on('data', (resolved: AllStreamResolvedEvent) => this.receive(resolved))
    this.subscription.on('error', (error: Error) => this.fail(error))
    this.subscription.on('end', () => this.fail(new StoreError('the EventStoreDB subscription ended')))
  }

  private receive (resolved: AllStreamResolvedEvent): void {
    const event = resolved.event
    const position = fromEsdbPosition(event?.position)
    // The cursor guards the start (exclusive in the port, whatever the server does) and repeats.
    if (event === undefined || position === undefined || position <= this.cursor) return
    this.cursor = position
    const own = this.own(event, position)
    if (own === undefined) return
    this.queue.push(own)
    if (!this.paused && this.queue.length - this.next >= this.highWater) {
      this.paused = true
      this.subscription.pause()
    }
    this.arrived.notify()
  }

  private fail (error: unknown): void {
    if (this.closing !== undefined) return
    this.failure ??= error
    this.arrived.notify()
  }

  throwIfFailed (): void {
    if (this.failure !== undefined && this.queue.length === this.next) throw this.failure
  }

  take (maxCount: number): RecordedEvent[] {
    const batch = this.queue.slice(this.next, this.next + maxCount)
    this.next += batch.length
    if (this.next === this.queue.length) {
      this.queue = []
      this.next = 0
    }
    if (this.paused && this.queue.length - this.next < this.highWater / 2) {
      this.paused = false
      this.subscription.resume()
    }
    return batch
  }

  /** Resolves true when an event arrived, false on timeout or abort. */
  wait (timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean> {
    return this.arrived.wait(timeoutMs, signal)
  }

  close (): Promise<void> {
    this.closing ??= (async () => {
      this.arrived.notify()
      this.subscription.removeAllListeners('data')
      // An error after cancelling must not go unhandled.
      this.subscription.on('error', () => {})
      await this.subscription.unsubscribe()
    })()
    return this.closing
  }
}
