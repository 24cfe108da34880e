// The event-store port. Every adapter (embedded SQLite, PostgreSQL, EventStoreDB)
// implements exactly this contract, and one suite (test/store/contract.ts) proves it.

/** What the caller expects of the stream before the append. Revisions start at 0. */
export type ExpectedRevision = 'any' | 'no-stream' | 'exists' | number

export interface EventToAppend {
  /** Client-suppliable id; appending the same id to the same stream again is a no-op. */
  readonly id: string
  readonly type: string
  readonly data: unknown
  readonly metadata?: Readonly<Record<string, unknown>>
}

export interface RecordedEvent<Data = unknown> {
  readonly id: string
  readonly type: string
  readonly data: Data
  readonly metadata: Readonly<Record<string, unknown>>
  readonly streamId: string
  /** 0-based position inside its stream. */
  readonly revision: number
  /** Global, strictly increasing position in the log (not necessarily contiguous). */
  readonly position: number
  /** Epoch milliseconds at which the store committed the event. */
  readonly recordedAt: number
}

export interface AppendResult {
  /** Revision of the last event of the append (the next expected revision). */
  readonly revision: number
  /** Global position of the last event of the append. */
  readonly position: number
  /** True when every event id was already stored: nothing new was written. */
  readonly duplicate: boolean
}

export interface AppendOptions {
  readonly expectedRevision?: ExpectedRevision
  /**
   * Record the events at this time (epoch ms) instead of now: for copying a log with its
   * history. Recorded times still never go backwards; an adapter that cannot set them (the
   * server decides, as EventStoreDB does) ignores it.
   */
  readonly recordedAt?: number
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards'
  /** Inclusive start revision (forwards) or end revision (backwards). */
  readonly fromRevision?: number
  readonly maxCount?: number
}

export interface ReadAllOptions {
  /** Exclusive: events with a position strictly greater than this. 0 reads from the start. */
  readonly after?: number
  readonly maxCount?: number
}

export interface ReadByStreamOptions {
  /** Only events of these types. */
  readonly types: readonly string[]
  /** Only events at or before this log position. */
  readonly upTo: number
  /** Continue after this event (exclusive), in the order of this read. */
  readonly after?: { readonly streamId: string, readonly revision: number }
  /** Only streams whose id sorts before this one (exclusive): one part of a parallel read. */
  readonly beforeStream?: string
  readonly maxCount?: number
}

export interface SubscribeOptions extends ReadAllOptions {
  readonly signal?: AbortSignal
  /**
   * After catching up and being woken by a new append, wait this long before reading, so
   * that under load one read gathers many appends (fewer, larger batches downstream).
   */
  readonly lingerMs?: number
  /**
   * When caught up and nothing new arrives for this long, yield an empty batch, so the
   * consumer can do its housekeeping (e.g. commit what it has been holding back).
   */
  readonly idleMs?: number
}

export interface EventStore {
  append(streamId: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult>
  /** Events of one stream; a stream that does not exist reads as empty. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>
  /** The current last revision of a stream, or -1 when it does not exist. */
  streamRevision(streamId: string): Promise<number>
  /** Events of every stream in global order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>
  /**
   * Events of some types up to a position, ordered by stream id, then revision: each stream's
   * events together and in order. Rebuilding a projection whose documents each follow one
   * stream reads the log this way, folding each document once.
   */
  readByStream(options: ReadByStreamOptions): Promise<RecordedEvent[]>
  /** Position of the last event in the log (0 when empty). */
  headPosition(): Promise<number>
  /**
   * Catch-up subscription: yields batches of events after `after`, in order, then
   * keeps yielding new ones as they are appended (by this or another process)
   * until the signal aborts.
   */
  subscribe(options?: SubscribeOptions): AsyncIterable<RecordedEvent[]>
  close(): Promise<void>
}

export class StoreError extends Error {}

/** The stream's revision is not what the caller expected. */
export class WrongExpectedRevisionError extends StoreError {
  constructor (
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, found ${actual === -1 ? 'no stream' : actual}`)
    this.name = 'WrongExpectedRevisionError'
  }
}

/** An event id is already used in another stream: ids identify one event, log-wide. */
export class EventIdConflictError extends StoreError {
  constructor (readonly eventId: string, readonly existingStreamId: string) {
    super(`event id ${eventId} is already used in another stream`)
    this.name = 'EventIdConflictError'
  }
}

export function checkExpectedRevision (streamId: string, expected: ExpectedRevision, actual: number): void {
  const ok =
    expected === 'any' ||
    (expected === 'no-stream' && actual === -1) ||
    (expected === 'exists' && actual >= 0) ||
    (typeof expected === 'number' && expected === actual)
  if (!ok) throw new WrongExpectedRevisionError(streamId, expected, actual)
}

// What a server store's driver says when the database is out of reach for a moment (restarted,
// failed over, connections ended): the request may be retried. PostgreSQL's SQLSTATE classes
// 08 (connection exception) and 57P (operator intervention, e.g. a shutdown), the socket
// errors of the OS, and the client's own words for a connection it had to drop.
const unavailableCodes = new Set(['57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'])
const unavailableMessages = /Connection terminated|not queryable|timeout exceeded when trying to connect|Client was closed|connection error/i

/** True when an error means the store's server could not be reached or dropped the connection. */
export function isStoreUnavailable (error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && (unavailableCodes.has(code) || code.startsWith('08'))) return true
    if (unavailableMessages.test(e.message)) return true
  }
  return false
}
