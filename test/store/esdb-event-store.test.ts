// The EventStoreDB adapter. Three parts:
//
// 1. The mappings between the port and EventStoreDB (pure functions): run everywhere.
// 2. The adapter's own logic (id claims, repeats, paging, filtering, the two subscription
//    phases) run through the shared contract suite against SimulatedEventStoreDB: an in-memory
//    model of the client calls the adapter makes, written from EventStoreDB's documented
//    behaviour. It is NOT EventStoreDB: it proves the adapter's logic, not the server's.
// 3. The shared contract suite against a real server: only when EVENTSTORE_URL is set
//    (docs/stores.md says how to start one). Otherwise this file says plainly that it did not run.
//
// Isolation on a shared server: the contract wants an empty store from every factory call, but
// one EventStoreDB holds every earlier test's events in `$all`, and readAll, headPosition and
// subscribe read `$all`. A per-test stream-name prefix alone would keep streams apart but not
// `$all`. So each store is opened with a new prefix AND told where the log ended when it was
// opened (`logStartsAfter`): the adapter reads `$all` only after that point and only for its
// prefix's streams. That is the adapter's own option (it also lets environments share a
// cluster), so the suite tests the code the service runs rather than a wrapper around it.
import t, { type Test } from 'tap'
import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import {
  ANY, BACKWARDS, END, EventStoreDBClient, NO_STREAM, START, STREAM_EXISTS,
  StreamNotFoundError, WrongExpectedVersionError,
  type AppendExpectedRevision, type EventData, type Filter, type Position, type ReadPosition, type ReadRevision
} from '@eventstore/db-client'
import {
  EsdbEventStore, claimEventType, claimStreamPrefix, compareStreamIds, fromEsdbEvent, fromEsdbPosition, fromEsdbRevision,
  isUuid, originalIdKey, readLogEnd, toEsdbEventData, toEsdbEventId, toEsdbExpectedRevision, toEsdbPosition,
  toEsdbRevision, toSafeNumber, toWrongExpectedRevision, uuidV5
} from '../../src/store/eventstoredb/esdb-event-store.ts'
import { EventIdConflictError, StoreError, WrongExpectedRevisionError } from '../../src/store/event-store.ts'
import { eventStoreContract } from './contract.ts'

const skipMessage = 'EVENTSTORE_URL is not set: the EventStoreDB contract suite did not run'

// StoreError sets no name of its own, which tap's error matching compares: check the class.
const throwsStoreError = (t: Test, fn: () => unknown, message: string): void => {
  try {
    fn()
    t.fail(`${message}: nothing thrown`)
  } catch (error) {
    t.ok(error instanceof StoreError, message)
  }
}
const rejectsStoreError = async (t: Test, promise: Promise<unknown>, message: string): Promise<void> => {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  t.ok(error instanceof StoreError, message)
}

// ---------------------------------------------------------------------------------------------
// 1. Mappings

t.test('expected revisions map to EventStoreDB\'s', async t => {
  t.equal(toEsdbExpectedRevision('any'), ANY)
  t.equal(toEsdbExpectedRevision('no-stream'), NO_STREAM)
  t.equal(toEsdbExpectedRevision('exists'), STREAM_EXISTS)
  t.equal(toEsdbExpectedRevision(0), 0n)
  t.equal(toEsdbExpectedRevision(41), 41n)
  t.equal(toEsdbExpectedRevision(-1), NO_STREAM, 'the port\'s -1 (what streamRevision says of a missing stream) is "no stream"')
  for (const bad of [-2, 1.5, Number.NaN, 2 ** 53]) throwsStoreError(t, () => toEsdbExpectedRevision(bad), `refuses ${bad}`)
})

t.test('current revisions and positions map to numbers, exactly or not at all', async t => {
  t.equal(fromEsdbRevision(NO_STREAM), -1)
  t.equal(fromEsdbRevision(0n), 0)
  t.equal(fromEsdbRevision(7n), 7)
  t.equal(toSafeNumber(BigInt(Number.MAX_SAFE_INTEGER), 'x'), Number.MAX_SAFE_INTEGER)
  throwsStoreError(t, () => toSafeNumber(BigInt(Number.MAX_SAFE_INTEGER) + 1n, 'log position'), 'past 2^53 - 1 a number would round')
  t.equal(fromEsdbPosition({ commit: 12345n, prepare: 12345n }), 12345)
  t.equal(fromEsdbPosition(undefined), undefined, 'no position reported')
  t.equal(fromEsdbPosition({ commit: 18446744073709551615n, prepare: 18446744073709551615n }), undefined, 'old servers send -1 as unsigned')
  t.equal(fromEsdbPosition({ commit: 0n, prepare: 0n }), undefined, 'an unset position reads as 0')
  t.equal(toEsdbPosition(0), START, 'position 0 is the start of $all')
  t.same(toEsdbPosition(4096), { commit: 4096n, prepare: 4096n }, 'commit and prepare are equal for gRPC-written events')
  throwsStoreError(t, () => toEsdbPosition(-1), 'no negative positions')
  throwsStoreError(t, () => toEsdbPosition(1.5), 'no fractional positions')
  t.equal(toEsdbRevision(3), 3n)
  throwsStoreError(t, () => toEsdbRevision(-1), 'no negative revisions')
})

t.test('event ids: UUIDs stay, anything else becomes the same v5 UUID every time', async t => {
  t.equal(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'), '2ed6657d-e927-568b-95e1-2665a8aea6a2', 'RFC test vector (DNS namespace)')
  const uuid = randomUUID()
  t.equal(toEsdbEventId(uuid), uuid)
  t.equal(toEsdbEventId(uuid.toUpperCase()), uuid, 'lower case, as the server returns it')
  const mapped = toEsdbEventId('evt_abc123')
  t.ok(isUuid(mapped))
  t.match(mapped, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'version 5, RFC variant')
  t.equal(toEsdbEventId('evt_abc123'), mapped, 'deterministic: a retried append carries the same EventStoreDB id')
  t.not(toEsdbEventId('evt_abc124'), mapped)
  t.not(toEsdbEventId('00000000-0000-0000-0000-000000000000'), '00000000-0000-0000-0000-000000000000', 'the nil UUID is not an event id')
})

t.test('events to EventStoreDB and back keep id, data and metadata', async t => {
  const stored = toEsdbEventData({ id: 'evt_1', type: 'LearnerRegistered', data: { a: 1 }, metadata: { accountId: 'acc_1' } })
  t.equal(stored.id, toEsdbEventId('evt_1'))
  t.equal(stored.contentType, 'application/json')
  t.same(stored.metadata, { accountId: 'acc_1', [originalIdKey]: 'evt_1' }, 'a non-UUID id travels in metadata')
  const uuid = randomUUID()
  t.same(toEsdbEventData({ id: uuid, type: 'T', data: {} }).metadata, undefined, 'a UUID id needs nothing extra')
  t.equal(toEsdbEventData({ id: uuid, type: 'T', data: undefined }).data, null, 'no data is stored as JSON null')
  throwsStoreError(t, () => toEsdbEventData({ id: 'x', type: 'T', data: {}, metadata: { [originalIdKey]: 'y' } }), 'the reserved key is refused, not overwritten')

  const created = new Date('2026-01-02T03:04:05.678Z')
  const read = fromEsdbEvent({
    streamId: 'p-learner-1', id: stored.id, isJson: true, revision: 4n, type: 'LearnerRegistered', created,
    data: { a: 1 }, metadata: { accountId: 'acc_1', [originalIdKey]: 'evt_1' }, position: { commit: 900n, prepare: 900n }
  }, 'learner-1', 900)
  t.same(read, { id: 'evt_1', type: 'LearnerRegistered', data: { a: 1 }, metadata: { accountId: 'acc_1' }, streamId: 'learner-1', revision: 4, position: 900, recordedAt: created.getTime() })
  const bare = fromEsdbEvent({ streamId: 's', id: uuid, isJson: true, revision: 0n, type: 'T', created, data: {}, metadata: undefined }, 's', 1)
  t.equal(bare.id, uuid)
  t.same(bare.metadata, {}, 'no metadata reads as {}')
})

t.test('a wrong expected version becomes the port\'s conflict with the actual revision', async t => {
  const behind = toWrongExpectedRevision(new WrongExpectedVersionError(undefined, { streamName: 's', expected: 1n, current: 3n }), 's', 1)
  t.ok(behind instanceof WrongExpectedRevisionError)
  t.equal(behind?.actual, 3)
  t.equal(behind?.expected, 1)
  t.equal(behind?.streamId, 's')
  const missing = toWrongExpectedRevision(new WrongExpectedVersionError(undefined, { streamName: 's', expected: STREAM_EXISTS, current: NO_STREAM }), 's', 'exists')
  t.equal(missing?.actual, -1, 'no stream is -1')
  t.equal(toWrongExpectedRevision(new Error('network'), 's', 'any'), undefined, 'other errors are not conflicts')
})

t.test('stream ids sort in code-point (UTF-8 byte) order, as SQLite and PostgreSQL sort them', async t => {
  const ids = ['b', 'a-long', '😀', '\uffff', 'a', 'é', 'c']
  t.same([...ids].sort(compareStreamIds), ['a', 'a-long', 'b', 'c', 'é', '\uffff', '😀'])
  t.same([...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))), [...ids].sort(compareStreamIds))
  t.ok('😀' < '\uffff', 'where JS string order differs')
})

t.test('the store refuses what EventStoreDB cannot hold before it sends anything', async t => {
  // A client that never connects: nothing here may reach it.
  const store = new EsdbEventStore('esdb://127.0.0.1:1?tls=false')
  const ev = { id: 'e1', type: 'T', data: {} }
  await rejectsStoreError(t, store.append('$system', [ev]), 'system streams')
  await rejectsStoreError(t, store.append(`${claimStreamPrefix}x`, [ev]), 'the claims\' streams')
  await rejectsStoreError(t, store.append('s', [{ ...ev, type: '$T' }]), 'system event types')
  await rejectsStoreError(t, store.append('s', [{ ...ev, metadata: { [originalIdKey]: 'x' } }]), 'the reserved metadata key')
  await rejectsStoreError(t, store.append('s', [ev], { expectedRevision: 1.5 }), 'a revision that is no integer')
  await rejectsStoreError(t, store.append('s', []), 'an empty append')
  throwsStoreError(t, () => new EsdbEventStore('esdb://127.0.0.1:1?tls=false', { streamPrefix: '$x' }), 'a prefix that would make system streams')
  await store.close()
  await rejectsStoreError(t, store.append('s', [ev]), 'closed')
})

// ---------------------------------------------------------------------------------------------
// 2. The adapter's logic against the simulated client

t.test('EsdbEventStore logic against SimulatedEventStoreDB (an in-memory model, NOT the server): the contract, stores sharing one server by prefix', async t => {
  const server = new SimulatedEventStoreDB()
  const client = server.asClient()
  let n = 0
  eventStoreContract(t, async () => ({ store: new EsdbEventStore(client, { streamPrefix: `sim-${n++}-`, logStartsAfter: await readLogEnd(client), pageSize: 7 }) }))
})

t.test('EsdbEventStore logic against SimulatedEventStoreDB (an in-memory model, NOT the server): the contract, one server per store, no prefix', async t => {
  eventStoreContract(t, async () => {
    const server = new SimulatedEventStoreDB()
    return { store: new EsdbEventStore(server.asClient(), { pageSize: 5 }) }
  })
})

t.test('against the simulated client: what the adapter writes to the server', async t => {
  const server = new SimulatedEventStoreDB()
  const store = new EsdbEventStore(server.asClient(), { streamPrefix: 'app-' })
  await store.append('learner-1', [{ id: 'evt_1', type: 'LearnerRegistered', data: { n: 1 } }])
  const [read] = await store.readStream('learner-1')
  t.equal(read?.id, 'evt_1', 'a non-UUID id comes back as written')
  const raw = server.records.filter(r => r.streamId === 'app-learner-1')
  t.equal(raw.length, 1, 'the stream is prefixed on the server')
  t.equal(raw[0]?.id, toEsdbEventId('evt_1'))
  const claims = server.records.filter(r => r.streamId.startsWith(claimStreamPrefix))
  t.equal(claims.length, 1, 'one claim per event id')
  t.equal(claims[0]?.type, claimEventType)
  t.same(claims[0]?.data, { eventId: 'evt_1', streamId: 'learner-1', streamPrefix: 'app-' })
  const conflict = await store.append('learner-2', [{ id: 'evt_1', type: 'X', data: {} }]).catch((error: unknown) => error)
  t.ok(conflict instanceof EventIdConflictError)
  t.equal((conflict as EventIdConflictError).existingStreamId, 'learner-1', 'names the owner')
  t.same((await store.readAll()).map(e => e.id), ['evt_1'], 'claims and system events stay out of readAll')
  const other = new EsdbEventStore(server.asClient(), { streamPrefix: 'other-' })
  await other.append('learner-2', [{ id: 'evt_1', type: 'X', data: {} }])
  t.equal((await other.readAll()).length, 1, 'ids are unique per store: another prefix may reuse one')
  t.equal((await store.readAll()).length, 1, 'and neither store sees the other')
  await store.close()
  await other.close()
  t.equal(server.disposed, false, 'a client passed in is left to its owner')
})

t.test('against the simulated client: the head is found again after new appends and system noise', async t => {
  const server = new SimulatedEventStoreDB()
  const store = new EsdbEventStore(server.asClient(), { pageSize: 3 })
  t.equal(await store.headPosition(), 0)
  const a = await store.append('a', [{ id: randomUUID(), type: 'A', data: {} }])
  t.equal(await store.headPosition(), a.position)
  for (let i = 0; i < 10; i++) server.systemEvent()
  t.equal(await store.headPosition(), a.position, 'system events after it are not the head')
  const b = await store.append('b', [{ id: randomUUID(), type: 'B', data: {} }, { id: randomUUID(), type: 'B', data: {} }])
  t.equal(await store.headPosition(), b.position)
  t.equal((await store.readStream('b')).at(-1)?.position, b.position, 'a multi-event append reports its last event\'s position')
  await store.close()
})

// ---------------------------------------------------------------------------------------------
// 3. The real server

const url = process.env.EVENTSTORE_URL?.trim() ?? ''
if (url === '') t.comment(skipMessage)

t.test('EventStoreDB store meets the event-store contract (real server at EVENTSTORE_URL)', { skip: url === '' ? skipMessage : false }, async t => {
  const client = EventStoreDBClient.connectionString(url)
  t.teardown(() => client.dispose())
  const run = randomUUID().slice(0, 8)
  let n = 0
  eventStoreContract(t, async () => ({
    store: new EsdbEventStore(client, { streamPrefix: `contract-${run}-${n++}-`, logStartsAfter: await readLogEnd(client) })
  }))

  t.test('non-UUID ids, claims and system events on a real server', async t => {
    const store = new EsdbEventStore(client, { streamPrefix: `contract-${run}-extra-`, logStartsAfter: await readLogEnd(client) })
    await store.append('s', [{ id: 'evt_real_1', type: 'T', data: { x: 1 } }, { id: 'evt_real_2', type: 'T', data: null }])
    t.same((await store.readAll()).map(e => e.id), ['evt_real_1', 'evt_real_2'])
    t.same((await store.readStream('s')).map(e => e.data), [{ x: 1 }, null])
    await t.rejects(store.append('t', [{ id: 'evt_real_2', type: 'T', data: {} }]), EventIdConflictError)
    await store.close()
  })
})

// ---------------------------------------------------------------------------------------------
// SimulatedEventStoreDB: the calls EsdbEventStore makes, modelled in memory on EventStoreDB's
// documented behaviour. Positions are byte-offset-like (growing, not contiguous); the log
// holds system events between ours; forward reads of $all include their start position,
// backward reads and subscriptions exclude it; appends are idempotent by event id within a
// stream only; a multi-event append reports the position of its first event (the adapter must
// not rely on it). Everything runs one operation at a time after a turn of the event loop.

interface SimRecord {
  readonly streamId: string
  readonly id: string
  readonly type: string
  readonly data: unknown
  readonly metadata: unknown
  readonly revision: bigint
  readonly position: bigint
  readonly created: Date
}

type SimRead = Readable & { cancel: () => Promise<void> }

class SimulatedEventStoreDB {
  readonly records: SimRecord[] = []
  private readonly streams = new Map<string, SimRecord[]>()
  private readonly subscriptions = new Set<SimSubscription>()
  private nextPosition = 1024n
  private writes = 0
  disposed = false

  constructor () {
    this.write('$settings', [{ id: randomUUID(), type: '$settings', data: {} }])
    this.systemEvent()
  }

  systemEvent (): void {
    this.write('$stats-127.0.0.1:2113', [{ id: randomUUID(), type: '$statsCollected', data: { n: this.writes } }])
  }

  asClient (): EventStoreDBClient {
    return {
      appendToStream: this.appendToStream.bind(this),
      readStream: this.readStream.bind(this),
      readAll: this.readAll.bind(this),
      subscribeToAll: this.subscribeToAll.bind(this),
      dispose: async () => { this.disposed = true }
    } as unknown as EventStoreDBClient
  }

  private write (streamId: string, events: readonly { id: string, type: string, data: unknown, metadata?: unknown }[]): SimRecord[] {
    const stream = this.streams.get(streamId) ?? []
    this.streams.set(streamId, stream)
    const written = events.map(event => {
      const data = JSON.parse(JSON.stringify(event.data)) as unknown
      const metadata = event.metadata === undefined ? undefined : JSON.parse(JSON.stringify(event.metadata)) as unknown
      const record: SimRecord = { streamId, id: event.id, type: event.type, data, metadata, revision: BigInt(stream.length), position: this.nextPosition, created: new Date() }
      this.nextPosition += BigInt(128 + JSON.stringify(event).length)
      stream.push(record)
      this.records.push(record)
      return record
    })
    this.writes++
    for (const subscription of this.subscriptions) subscription.pump()
    return written
  }

  private async appendToStream (streamName: string, event: EventData | EventData[], options: { expectedRevision?: AppendExpectedRevision } = {}): Promise<{ success: boolean, nextExpectedRevision: bigint, position?: Position }> {
    await new Promise(resolve => setImmediate(resolve))
    this.assertOpen()
    const events = Array.isArray(event) ? event : [event]
    const expected = options.expectedRevision ?? ANY
    const stream = this.streams.get(streamName) ?? []
    const current = stream.length - 1
    // Idempotency: the events repeat the stream's events from where the expected revision (or,
    // for ANY and STREAM_EXISTS, the first event's id) places them.
    const start = typeof expected === 'bigint' ? Number(expected) + 1 : expected === NO_STREAM ? 0 : stream.findIndex(r => r.id === events[0]?.id)
    if (start >= 0 && start <= current && stream[start]?.id === events[0]?.id) {
      const repeats = events.every((e, i) => stream[start + i]?.id === e.id)
      if (repeats) {
        const last = stream[start + events.length - 1] as SimRecord
        return { success: true, nextExpectedRevision: last.revision, position: { commit: (stream[start] as SimRecord).position, prepare: (stream[start] as SimRecord).position } }
      }
    } else {
      const ok = expected === ANY || (expected === NO_STREAM && current === -1) || (expected === STREAM_EXISTS && current >= 0) || (typeof expected === 'bigint' && BigInt(current) === expected)
      if (ok) {
        const written = this.write(streamName, events)
        const first = written[0] as SimRecord
        const last = written[written.length - 1] as SimRecord
        return { success: true, nextExpectedRevision: last.revision, position: { commit: first.position, prepare: first.position } }
      }
    }
    throw new WrongExpectedVersionError(undefined, { streamName, expected, current: current === -1 ? NO_STREAM : BigInt(current) })
  }

  private readStream (streamName: string, options: { direction?: string, fromRevision?: ReadRevision, maxCount?: number | bigint } = {}): SimRead {
    const stream = this.streams.get(streamName)
    if (stream === undefined) return failedRead(new StreamNotFoundError(undefined, streamName))
    const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER)
    const from = options.fromRevision ?? (options.direction === BACKWARDS ? END : START)
    let records: SimRecord[]
    if (options.direction === BACKWARDS) {
      const top = from === END ? Infinity : from === START ? 0 : Number(from)
      records = stream.filter(r => Number(r.revision) <= top).reverse()
    } else {
      const bottom = from === START ? 0 : from === END ? Infinity : Number(from)
      records = stream.filter(r => Number(r.revision) >= bottom)
    }
    return read(records.slice(0, max).map(r => ({ event: recorded(r) })))
  }

  private readAll (options: { direction?: string, fromPosition?: ReadPosition, maxCount?: number | bigint } = {}): SimRead {
    const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER)
    const from = options.fromPosition ?? (options.direction === BACKWARDS ? END : START)
    if (typeof from === 'object') this.checkPosition(from)
    let records: SimRecord[]
    if (options.direction === BACKWARDS) {
      records = (from === END ? this.records : from === START ? [] : this.records.filter(r => r.position < from.commit)).slice().reverse()
    } else {
      records = from === START ? this.records : from === END ? [] : this.records.filter(r => r.position >= from.commit)
    }
    return read(records.slice(0, max).map(r => ({ event: recorded(r), commitPosition: r.position })))
  }

  private subscribeToAll (options: { fromPosition?: ReadPosition, filter?: Filter } = {}): SimSubscription {
    const from = options.fromPosition ?? START
    if (typeof from === 'object') this.checkPosition(from)
    const start = from === START ? 0 : from === END ? this.records.length : this.records.findIndex(r => r.position > from.commit)
    const subscription = new SimSubscription(this.records, start === -1 ? this.records.length : start, options.filter, () => this.subscriptions.delete(subscription))
    this.subscriptions.add(subscription)
    setImmediate(() => subscription.pump())
    return subscription
  }

  /** EventStoreDB reads the record at a position: one inside a record is an error. */
  private checkPosition (position: Position): void {
    if (position.commit !== position.prepare) throw new Error(`simulated server: commit ${position.commit} and prepare ${position.prepare} differ`)
    if (position.commit !== this.nextPosition && !this.records.some(r => r.position === position.commit)) throw new Error(`simulated server: no record at ${position.commit}`)
  }

  private assertOpen (): void {
    if (this.disposed) throw new Error('simulated client disposed')
  }
}

class SimSubscription extends Readable {
  constructor (private readonly log: readonly SimRecord[], private next: number, private readonly wanted: Filter | undefined, private readonly onEnd: () => void) {
    super({ objectMode: true, read () {} })
  }

  pump (): void {
    while (this.next < this.log.length) {
      const record = this.log[this.next++] as SimRecord
      if (this.matches(record)) this.push({ event: recorded(record), commitPosition: record.position })
    }
  }

  private matches (record: SimRecord): boolean {
    const filter = this.wanted
    if (filter === undefined) return true
    const subject = filter.filterOn === 'eventType' ? record.type : record.streamId
    return 'regex' in filter ? new RegExp(filter.regex).test(subject) : filter.prefixes.some(prefix => subject.startsWith(prefix))
  }

  async unsubscribe (): Promise<void> {
    this.onEnd()
    this.push(null)
  }
}

function recorded (r: SimRecord): unknown {
  return { streamId: r.streamId, id: r.id, isJson: true, revision: r.revision, type: r.type, created: r.created, data: r.data, metadata: r.metadata, position: { commit: r.position, prepare: r.position } }
}

function read<E> (items: readonly E[]): SimRead {
  const stream = Readable.from([...items], { objectMode: true })
  return Object.assign(stream, { cancel: async () => { stream.destroy() } })
}

function failedRead (error: Error): SimRead {
  const stream = new Readable({ objectMode: true, read () { this.destroy(error) } })
  return Object.assign(stream, { cancel: async () => { stream.destroy() } })
}
