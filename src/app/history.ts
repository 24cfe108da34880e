// The event log as analysts read it: in log order, filtered (account, types, streams, recorded
// time, position), page by page as it comes off the store, so memory stays flat whatever the
// size of the log or of the result. GET /v1/events (one account) and the CLI's `replay` (every
// account unless asked) read it here, and write the same lines.
import type { EventStore, RecordedEvent } from '../store/event-store.ts'
import { eventSchemas } from '../../schemas/events.ts'
import { fail } from '../errors.ts'

export interface HistoryFilter {
  /** Only this account's events (metadata.accountId); all accounts when absent. */
  readonly accountId?: string
  readonly types?: ReadonlySet<string>
  /** Exact stream ids, and prefixes (given as `x-*`). */
  readonly streams?: { readonly exact: ReadonlySet<string>, readonly prefixes: readonly string[] }
  /** recordedAt at or after this instant (epoch ms). */
  readonly from?: number
  /** recordedAt before this instant (epoch ms). */
  readonly to?: number
  /** Exclusive log position to start after. */
  readonly after?: number
  /** At most this many events. */
  readonly limit?: number
}

/** A filter as people write it (query string, command-line options): lists comma-separated, times ISO 8601. */
export interface HistoryQuery {
  readonly account?: string
  readonly type?: string
  readonly stream?: string
  readonly from?: string
  readonly to?: string
  readonly after?: number
  readonly limit?: number
}

const knownTypes: ReadonlySet<string> = new Set(eventSchemas.map(schema => schema.properties.type.const))

const list = (text: string): string[] => text.split(',').map(item => item.trim()).filter(item => item !== '')

const invalid = (message: string): never => fail('MS_ERR_INVALID_FILTER', message)

/** Epoch ms of an ISO 8601 time (a date alone is UTC midnight), or undefined. */
export function isoInstant (text: string): number | undefined {
  // Date.parse accepts much more than ISO 8601, and reads a time without a zone as local time.
  const match = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.exec(text)
  if (match === null) return undefined
  // It also rolls days over (February 30th is March 2nd): a date must name a real day.
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : at
}

const instant = (name: string, text: string): number =>
  isoInstant(text) ?? invalid(`${name} must be an ISO 8601 time such as 2026-03-01T08:00:00Z (got "${text}")`)

/** Reads a filter, or fails with MS_ERR_INVALID_FILTER saying what is wrong with it. */
export function historyFilter (query: HistoryQuery): HistoryFilter {
  const filter: { -readonly [K in keyof HistoryFilter]: HistoryFilter[K] } = {}
  if (query.account !== undefined) filter.accountId = query.account
  if (query.type !== undefined) {
    const types = list(query.type)
    if (types.length === 0) invalid('type names no event type')
    const unknown = types.filter(type => !knownTypes.has(type))
    if (unknown.length > 0) invalid(`unknown event type${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the event types are ${[...knownTypes].sort().join(', ')}`)
    filter.types = new Set(types)
  }
  if (query.stream !== undefined) {
    const streams = list(query.stream)
    if (streams.length === 0) invalid('stream names no stream')
    const bad = streams.filter(s => s.indexOf('*') !== -1 && s.indexOf('*') !== s.length - 1)
    if (bad.length > 0) invalid(`a stream is an exact id or a prefix ending in * (got "${bad.join(', ')}")`)
    filter.streams = {
      exact: new Set(streams.filter(s => !s.endsWith('*'))),
      prefixes: streams.filter(s => s.endsWith('*')).map(s => s.slice(0, -1))
    }
  }
  if (query.from !== undefined) filter.from = instant('from', query.from)
  if (query.to !== undefined) filter.to = instant('to', query.to)
  if (filter.from !== undefined && filter.to !== undefined && filter.from >= filter.to) invalid(`from (${query.from}) must be before to (${query.to})`)
  if (query.after !== undefined) {
    if (!Number.isSafeInteger(query.after) || query.after < 0) invalid(`after must be a log position (an integer ≥ 0, got ${query.after})`)
    filter.after = query.after
  }
  if (query.limit !== undefined) {
    if (!Number.isSafeInteger(query.limit) || query.limit < 1) invalid(`limit must be an integer ≥ 1 (got ${query.limit})`)
    filter.limit = query.limit
  }
  return filter
}

export interface HistoryProgress {
  /** Read up to this log position. */
  readonly position: number
  /** The head when reading started: what it reads up to. */
  readonly head: number
  /** Events that matched so far. */
  readonly matched: number
}

export interface ReadHistoryOptions {
  /** Events read from the store per step (memory is bounded by one page). */
  readonly pageSize?: number
  readonly signal?: AbortSignal
  readonly onProgress?: (progress: HistoryProgress) => void
}

/**
 * The matching events, one page of the log at a time (pages with no match are skipped),
 * up to the head as it was when reading started: a consistent snapshot of a live log. A page
 * is read only when the previous one has been taken, so a slow consumer slows the reading.
 */
export async function * readHistory (store: EventStore, filter: HistoryFilter, options: ReadHistoryOptions = {}): AsyncGenerator<RecordedEvent[]> {
  const pageSize = options.pageSize ?? 1000
  const head = await store.headPosition()
  let position = filter.after ?? 0
  if (filter.from !== undefined) position = await positionBefore(store, filter.from, position, head)
  let left = filter.limit ?? Number.POSITIVE_INFINITY
  let matched = 0
  const accepts = matcher(filter)
  while (left > 0 && position < head && options.signal?.aborted !== true) {
    const page = await store.readAll({ after: position, maxCount: pageSize })
    if (page.length === 0) break
    const taken: RecordedEvent[] = []
    let finished = false
    for (const event of page) {
      // Recorded times never go backwards in the log (the port's contract): the first event at
      // or after `to` ends the range.
      if (event.position > head || (filter.to !== undefined && event.recordedAt >= filter.to)) {
        finished = true
        break
      }
      position = event.position
      if (!accepts(event)) continue
      taken.push(event)
      if (--left === 0) {
        finished = true
        break
      }
    }
    matched += taken.length
    options.onProgress?.({ position: finished ? head : position, head, matched })
    if (taken.length > 0) yield taken
    if (finished) break
  }
}

function matcher (filter: HistoryFilter): (event: RecordedEvent) => boolean {
  const { accountId, types, streams } = filter
  return event => {
    if (accountId !== undefined && event.metadata.accountId !== accountId) return false
    if (types !== undefined && !types.has(event.type)) return false
    if (streams !== undefined && !streams.exact.has(event.streamId) && !streams.prefixes.some(p => event.streamId.startsWith(p))) return false
    return true
  }
}

/**
 * A position to read after so that the first event read is the first one recorded at or after
 * `from`: a binary search over positions, one single-event read per step, so a time range late
 * in a long log is found in a few dozen reads instead of a scan. It relies on recorded times
 * never going backwards along the log; positions need not be contiguous.
 */
async function positionBefore (store: EventStore, from: number, after: number, head: number): Promise<number> {
  // "The first event after p is recorded at or after from" is false up to some p, then true:
  // find the smallest p for which it is true (head counts as true).
  const startsAtOrAfter = async (p: number): Promise<{ yes: boolean, next?: RecordedEvent }> => {
    const [next] = await store.readAll({ after: p, maxCount: 1 })
    return next === undefined || next.recordedAt >= from ? { yes: true } : { yes: false, next }
  }
  const first = await startsAtOrAfter(after)
  if (first.yes || first.next === undefined) return after
  // Up to just before an event recorded before `from`, the answer is still no.
  let no = first.next.position - 1
  let yes = head
  while (yes - no > 1) {
    const middle = Math.floor((no + yes) / 2)
    const probe = await startsAtOrAfter(middle)
    if (probe.yes || probe.next === undefined) yes = middle
    else no = Math.max(middle, probe.next.position - 1)
  }
  return yes
}

// One instant formatted once: the events of one commit share their recorded time.
let lastInstant = Number.NaN
let lastIso = ''
const iso = (at: number): string => {
  if (at !== lastInstant) {
    lastInstant = at
    lastIso = new Date(at).toISOString()
  }
  return lastIso
}

/** Fields that hold secrets (hashed): history, replay and the Kafka export show them redacted. */
const secretFields = ['passwordHash', 'keyHash'] as const

/** An event as history shows it. Secrets never leave through history, even hashed ones. */
export function historyRecord (event: RecordedEvent): unknown {
  const data = event.data as Record<string, unknown>
  let safe = data
  if (data !== null && typeof data === 'object') {
    for (const field of secretFields) if (field in data) safe = { ...safe, [field]: '[redacted]' }
  }
  return {
    position: event.position,
    id: event.id,
    type: event.type,
    streamId: event.streamId,
    revision: event.revision,
    recordedAt: iso(event.recordedAt),
    data: safe,
    metadata: event.metadata
  }
}

/** Events as NDJSON: one line each. */
export function historyLines (events: readonly RecordedEvent[]): string {
  let text = ''
  for (const event of events) text += JSON.stringify(historyRecord(event)) + '\n'
  return text
}
