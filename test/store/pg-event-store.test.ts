import t from 'tap'
import pg from 'pg'
import { randomUUID } from 'node:crypto'
import { migrate, openPostgres, schemaVersion } from '../../src/store/postgres/migrations.ts'
import { PgEventStore } from '../../src/store/postgres/pg-event-store.ts'
import type { EventToAppend, RecordedEvent } from '../../src/store/event-store.ts'
import { freshDatabase, freshSchema, openSchema } from '../helpers/pg.ts'
import { eventStoreContract } from './contract.ts'

const ev = (type = 'E', data: unknown = {}): EventToAppend => ({ id: randomUUID(), type, data, metadata: {} })
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

async function until (what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!await condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await sleep(5)
  }
}

/** Another process appending through the same SQL function, in a transaction it commits when told. */
async function openAppend (config: pg.ClientConfig, streamId: string, event: EventToAppend, form: 'single' | 'group' = 'single'): Promise<{ position: number, commit: () => Promise<void>, rollback: () => Promise<void> }> {
  const client = new pg.Client(config)
  client.on('error', () => {})
  await client.connect()
  await client.query('BEGIN')
  const { rows } = form === 'single'
    ? await client.query('SELECT last_position FROM ms_append($1, $2, $3, $4, $5, $6, NULL)',
      [streamId, 'any', [event.id], [event.type], [JSON.stringify(event.data)], ['{}']])
    : await client.query('SELECT last_position FROM ms_append_batch($1, $2, $3, $4, $5, $6, $7, NULL)',
      [[streamId, `${streamId}-also`], ['any', 'any'], [1, 1], [event.id, randomUUID()], [event.type, 'Also'], [JSON.stringify(event.data), '{}'], ['{}', '{}']])
  const end = (how: string) => async () => {
    await client.query(how)
    // As PgEventStore does after a commit: tell subscribers.
    if (how === 'COMMIT') await client.query('SELECT pg_notify(\'ms_events\', \'\')')
    await client.end()
  }
  return { position: Number(rows[0].last_position), commit: end('COMMIT'), rollback: end('ROLLBACK') }
}

/** What a reader that trusts `position > checkpoint` sees: it never looks back below its checkpoint. */
function naiveFollower (pool: pg.Pool, signal: AbortSignal): { seen: number[], done: Promise<void> } {
  const seen: number[] = []
  const done = (async () => {
    let checkpoint = 0
    while (!signal.aborted) {
      const { rows } = await pool.query('SELECT position FROM events WHERE position > $1 ORDER BY position', [checkpoint])
      for (const row of rows) seen.push(Number(row.position))
      checkpoint = seen[seen.length - 1] ?? checkpoint
      await sleep(2)
    }
  })()
  return { seen, done }
}

function subscriber (store: PgEventStore, signal: AbortSignal, options: { maxCount?: number, lingerMs?: number } = {}): { seen: RecordedEvent[], done: Promise<void> } {
  const seen: RecordedEvent[] = []
  const done = (async () => {
    for await (const batch of store.subscribe({ after: 0, signal, ...options })) seen.push(...batch)
  })()
  return { seen, done }
}

function readAllFollower (store: PgEventStore, signal: AbortSignal): { seen: number[], done: Promise<void> } {
  const seen: number[] = []
  const done = (async () => {
    while (!signal.aborted) {
      const batch = await store.readAll({ after: seen[seen.length - 1] ?? 0, maxCount: 7 })
      seen.push(...batch.map(e => e.position))
      if (batch.length === 0) await sleep(2)
    }
  })()
  return { seen, done }
}

async function advisoryLocks (db: pg.Pool | pg.Client): Promise<number> {
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM pg_locks
    WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)
  return rows[0].n
}

async function committedPositions (pool: pg.Pool): Promise<number[]> {
  return (await pool.query('SELECT position FROM events ORDER BY position')).rows.map(row => Number(row.position))
}

// One database for this file; each store gets a schema of its own in it.
const database = await freshDatabase(t)

t.test('PostgreSQL store meets the event-store contract', async t => {
  eventStoreContract(t, async () => {
    const schema = await openSchema(database)
    const store = new PgEventStore(schema.pool, { pollIntervalMs: 20 })
    return { store, cleanup: async () => { await store.close(); await schema.close() } }
  })
})

t.test('a transaction that took a lower position and commits last is not skipped by subscribers (a naive reader skips it)', async t => {
  const { pool, config } = await freshSchema(t, database, { max: 20 })
  // A long poll: subscribers must be woken by the appends, not find events by chance.
  const store = new PgEventStore(pool, { pollIntervalMs: 5_000 })
  t.teardown(() => store.close())
  const abort = new AbortController()

  const held = await openAppend(config, 'held', ev('Held'))
  const naive = naiveFollower(pool, abort.signal)
  const live = subscriber(store, abort.signal, { maxCount: 5 })
  const following = readAllFollower(store, abort.signal)
  t.teardown(async () => { abort.abort(); await Promise.allSettled([naive.done, live.done, following.done]) })

  // Eight appenders commit 104 events above the held position while it stays open.
  const appended = await Promise.all(Array.from({ length: 8 }, async (_, w) => {
    const positions: number[] = []
    for (let i = 0; i < 10; i++) {
      const events = i % 4 === 0 ? [ev(), ev()] : [ev()]
      const result = await store.append(`s-${w}-${i % 3}`, events)
      positions.push(...events.map((_, k) => result.position - events.length + 1 + k))
    }
    return positions
  }))
  const later = appended.flat()
  t.equal(later.length, 104)
  t.ok(later.every(p => p > held.position), 'every later append has a higher position than the open one')

  const highest = Math.max(...later)
  await until('the naive reader has read past the open transaction', () => naive.seen.includes(highest))
  await sleep(50)
  t.same(live.seen, [], 'the subscriber holds back everything behind the open transaction')
  t.same(following.seen, [], 'and so does a readAll follower')
  t.equal(await store.headPosition(), 0, 'the head is the last final position')
  t.same(await store.readAll(), [])

  await held.commit()
  const all = await committedPositions(pool)
  t.equal(all.length, 105)
  await until('the subscriber has every event', () => live.seen.length >= 105)
  await until('the readAll follower has every event', () => following.seen.length >= 105)
  await sleep(50)
  abort.abort()
  await Promise.all([naive.done, live.done, following.done])

  t.same(live.seen.map(e => e.position), all, 'the subscriber saw every event exactly once, in position order')
  t.equal(live.seen[0]?.type, 'Held')
  t.same(following.seen, all, 'the readAll follower too')
  t.notOk(naive.seen.includes(held.position), 'the naive reader skipped the late commit for good')
  t.ok(naive.seen.length < all.length, `the naive reader has ${naive.seen.length} of ${all.length} events`)
  t.equal(await store.headPosition(), all[all.length - 1])
})

t.test('under random interleavings (slow commits, rollbacks, appends here and elsewhere) subscribers see exactly what committed, in order', async t => {
  const { pool, config } = await freshSchema(t, database, { max: 24 })
  const store = new PgEventStore(pool, { pollIntervalMs: 50 })
  t.teardown(() => store.close())
  const abort = new AbortController()
  const subscribers = [
    subscriber(store, abort.signal, { maxCount: 3 }),
    subscriber(store, abort.signal, { maxCount: 1000, lingerMs: 2 })
  ]
  const following = readAllFollower(store, abort.signal)
  const naive = naiveFollower(pool, abort.signal)
  t.teardown(async () => { abort.abort(); await Promise.allSettled([...subscribers.map(s => s.done), following.done, naive.done]) })

  // Other processes whose transactions stay open for a while, some of them rolled back.
  const slow = Promise.all(Array.from({ length: 4 }, async (_, w) => {
    for (let i = 0; i < 15; i++) {
      const open = await openAppend(config, `slow-${w}`, ev('Slow'), i % 2 === 0 ? 'single' : 'group')
      await sleep(Math.random() * 15)
      await (i % 5 === 4 ? open.rollback() : open.commit())
    }
  }))
  const fast = Promise.all(Array.from({ length: 12 }, async (_, w) => {
    for (let i = 0; i < 25; i++) await store.append(`fast-${w % 5}`, Math.random() < 0.2 ? [ev(), ev(), ev()] : [ev()])
  }))
  await Promise.all([slow, fast])

  const all = await committedPositions(pool)
  await until('every subscriber has every event', () => subscribers.every(s => s.seen.length >= all.length) && following.seen.length >= all.length)
  await sleep(50)
  abort.abort()
  await Promise.all([...subscribers.map(s => s.done), following.done, naive.done])

  for (const [i, s] of subscribers.entries()) t.same(s.seen.map(e => e.position), all, `subscriber ${i}: every committed event once, in order`)
  t.same(following.seen, all, 'readAll follower: the same')
  const recorded = subscribers[0]?.seen.map(e => e.recordedAt) ?? []
  t.ok(recorded.every((at, i) => i === 0 || at >= (recorded[i - 1] ?? 0)), 'recorded times never go backwards in position order')
  const { rows } = await pool.query('SELECT tx::text AS tx FROM events ORDER BY position')
  const txs = rows.map(row => BigInt(row.tx))
  t.ok(txs.every((tx, i) => i === 0 || tx >= (txs[i - 1] ?? 0n)), 'transaction ids ascend with positions (the invariant the horizon relies on)')
  t.comment(`${all.length} events committed; the naive reader missed ${all.length - new Set(naive.seen).size}`)
})

t.test('group commit: appends arriving together share one transaction, and each succeeds or fails on its own', async t => {
  const { pool } = await freshSchema(t, database)
  const store = new PgEventStore(pool, { concurrentAppends: 1 })
  t.teardown(() => store.close())
  await store.append('taken', [ev()])
  const clash = ev('Clash')
  const kept = ev('Kept')
  await store.append('owner', [clash])

  // Issued in one turn: with one append call at a time, one call carries them all.
  const settled = await Promise.allSettled([
    store.append('a', [ev(), ev()], { expectedRevision: 'no-stream' }),
    store.append('taken', [ev()], { expectedRevision: 'no-stream' }),
    store.append('b', [clash]),
    store.append('c', [kept]),
    store.append('d', [{ ...kept }]),
    store.append('e', [ev()], { expectedRevision: 'any' })
  ])
  const [a, wrong, stolen, c, reused, e] = settled
  t.same(a.status === 'fulfilled' && a.value, { revision: 1, position: 4, duplicate: false }, 'a: written')
  t.match(wrong, { status: 'rejected', reason: { name: 'WrongExpectedRevisionError', actual: 0 } }, 'taken: wrong expected revision, alone')
  t.match(stolen, { status: 'rejected', reason: { name: 'EventIdConflictError', existingStreamId: 'owner' } }, 'b: the id belongs to another stream')
  t.same(c.status === 'fulfilled' && c.value, { revision: 0, position: 5, duplicate: false }, 'c: written')
  t.match(reused, { status: 'rejected', reason: { name: 'EventIdConflictError', existingStreamId: 'c' } }, 'd: the same id as c, so it waited for the next call and found the id in c')
  t.same(e.status === 'fulfilled' && e.value, { revision: 0, position: 6, duplicate: false }, 'e: written')

  const { rows } = await pool.query<{ stream_id: string, tx: string }>('SELECT stream_id, tx::text AS tx FROM events WHERE position > 2 ORDER BY position')
  t.same(rows.map(row => row.stream_id), ['a', 'a', 'c', 'e'], 'only the good appends were written, in call order')
  t.equal(new Set(rows.map(row => row.tx)).size, 1, 'in one transaction')
  t.equal((await store.readStream('taken')).length, 1, 'the refused append wrote nothing')
  t.same((await store.append('c', [kept])).duplicate, true, 'a retry of c is still a duplicate')
})

t.test('group commit: several appends to one stream in one turn keep their order (one per call)', async t => {
  const { pool } = await freshSchema(t, database)
  const store = new PgEventStore(pool, { concurrentAppends: 1 })
  t.teardown(() => store.close())
  const results = await Promise.all([
    store.append('s', [ev('A')], { expectedRevision: 'no-stream' }),
    store.append('t', [ev('X')]),
    store.append('s', [ev('B')], { expectedRevision: 0 }),
    store.append('s', [ev('C')], { expectedRevision: 1 })
  ])
  t.same(results.map(r => r.revision), [0, 0, 1, 2])
  t.same((await store.readStream('s')).map(e => e.type), ['A', 'B', 'C'])
  const { rows } = await pool.query<{ n: number }>('SELECT count(DISTINCT tx)::int AS n FROM events')
  t.equal(rows[0]?.n, 3, 's needed three calls; t rode along with the first')
})

t.test('group commit at the default concurrency: appends to one stream commit in the order they were made', async t => {
  const { pool } = await freshSchema(t, database, { max: 8 })
  const store = new PgEventStore(pool)
  t.teardown(() => store.close())
  // Rounds of three appends to a fresh stream made in one turn, the later ones expecting the
  // earlier: several calls are in flight at once, so a later append must wait for its stream.
  for (let round = 0; round < 60; round++) {
    const stream = `ordered-${round}`
    const results = await Promise.all([
      store.append(stream, [ev('A')], { expectedRevision: 'no-stream' }),
      store.append(`other-${round}`, [ev('X')]),
      store.append(stream, [ev('B')], { expectedRevision: 0 }),
      store.append(stream, [ev('C')], { expectedRevision: 1 })
    ])
    t.same([results[0].revision, results[2].revision, results[3].revision], [0, 1, 2])
    t.same((await store.readStream(stream)).map(e => e.type), ['A', 'B', 'C'], `round ${round}: in call order`)
  }
  // Of two appends with one id, the first decides; the second waits and finds the id stored.
  const shared = ev('Shared')
  const [first, second] = await Promise.allSettled([store.append('owner-a', [shared]), store.append('owner-b', [{ ...shared }])])
  t.equal(first.status, 'fulfilled')
  t.match(second, { status: 'rejected', reason: { name: 'EventIdConflictError', existingStreamId: 'owner-a' } })
})

t.test('group commit: appends given their own recorded time go only with appends of that time', async t => {
  const { pool } = await freshSchema(t, database)
  const store = new PgEventStore(pool, { concurrentAppends: 1 })
  t.teardown(() => store.close())
  await Promise.all([
    store.append('a', [ev()], { recordedAt: 1_000 }),
    store.append('b', [ev()], { recordedAt: 2_000 }),
    store.append('c', [ev()], { recordedAt: 1_000 })
  ])
  const recorded = Object.fromEntries((await store.readAll()).map(e => [e.streamId, e.recordedAt]))
  t.same(recorded, { a: 1_000, c: 1_000, b: 2_000 })
})

t.test('ms_append_batch refuses a stream twice, an id in two appends, and a call after the transaction wrote', async t => {
  const { config } = await freshSchema(t, database)
  const client = new pg.Client(config)
  await client.connect()
  t.teardown(() => client.end())
  const twice = await client.query('SELECT * FROM ms_append_batch($1, $2, $3, $4, $5, $6, $7, NULL)',
    [['s', 's'], ['any', 'any'], [1, 1], ['e1', 'e2'], ['E', 'E'], ['{}', '{}'], ['{}', '{}']]).catch(e => e)
  t.equal(twice.code, 'MS004')
  const shared = await client.query('SELECT * FROM ms_append_batch($1, $2, $3, $4, $5, $6, $7, NULL)',
    [['s', 't'], ['any', 'any'], [1, 1], ['e1', 'e1'], ['E', 'E'], ['{}', '{}'], ['{}', '{}']]).catch(e => e)
  t.equal(shared.code, 'MS004')
  const repeated = await client.query('SELECT * FROM ms_append_batch($1, $2, $3, $4, $5, $6, $7, NULL)',
    [['s', 't'], ['any', 'any'], [3, 1], ['e1', 'e2', 'e1', 'e3'], ['A', 'B', 'C', 'D'], ['{}', '{}', '{}', '{}'], ['{}', '{}', '{}', '{}']])
  t.same(repeated.rows.map(r => [r.last_revision, r.last_position, r.duplicate]), [['1', '2', false], ['0', '3', false]], 'an id twice in one append is written once')
  t.same((await client.query('SELECT event_id, type, revision::int FROM events ORDER BY position')).rows,
    [{ event_id: 'e1', type: 'A', revision: 0 }, { event_id: 'e2', type: 'B', revision: 1 }, { event_id: 'e3', type: 'D', revision: 0 }])
  await client.query('BEGIN')
  await client.query('INSERT INTO lms_credentials (session_id, sealed, stored_at) VALUES ($1, $2, 0)', ['s', Buffer.from('x')])
  const late = await client.query('SELECT * FROM ms_append_batch($1, $2, $3, $4, $5, $6, $7, NULL)',
    [['s'], ['any'], [1], ['e9'], ['E'], ['{}'], ['{}']]).catch(e => e)
  t.equal(late.code, 'MS003')
  await client.query('ROLLBACK')
  t.equal(await advisoryLocks(client), 0, 'no advisory lock is left behind')
})

t.test('connections ended by the server under appends: no unhandled error, every append lands once on a new connection', async t => {
  const { config } = await freshSchema(t, database)
  // The store's own pool, named so that only its connections are ended.
  const victim = `victim-${randomUUID().slice(0, 8)}`
  const pool = new pg.Pool({ ...config, max: 6, application_name: victim })
  pool.on('error', () => {})
  const store = new PgEventStore(pool)
  t.teardown(async () => { await store.close(); await pool.end() })
  const killer = new pg.Client(config)
  await killer.connect()
  t.teardown(() => killer.end())
  const terminate = async (): Promise<number> => (await killer.query(`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
    WHERE application_name = $1`, [victim])).rows[0].n

  const appended: string[] = []
  let reportedDuplicate = 0
  let stop = false
  const writers = Array.from({ length: 6 }, async (_, w) => {
    for (let i = 0; !stop; i++) {
      const event = ev('Written')
      const result = await store.append(`w-${w}`, [event])
      // Every id is new: an append resent after a lost connection is still this call's write.
      if (result.duplicate) reportedDuplicate++
      appended.push(event.id)
    }
  })
  await until('appends are under way', () => appended.length > 50)
  let ended = 0
  for (let round = 0; round < 3; round++) {
    ended += await terminate()
    const before = appended.length
    await until('appends go on after the connections were ended', () => appended.length > before + 30)
  }
  stop = true
  await Promise.all(writers)
  t.ok(ended > 0, `${ended} connections ended by the server`)
  const { rows } = await pool.query<{ event_id: string }>('SELECT event_id FROM events')
  const stored = new Set(rows.map(row => row.event_id))
  t.equal(rows.length, stored.size, 'no event twice')
  t.ok(appended.every(id => stored.has(id)), `all ${appended.length} acknowledged appends are stored`)
  t.equal(reportedDuplicate, 0, 'no append of a new event was reported as a retry')
})

t.test('a write transaction still running in this database holds events back; one in another database does not', async t => {
  const { pool, config } = await freshSchema(t, database)
  const store = new PgEventStore(pool, { pollIntervalMs: 10_000 })
  t.teardown(() => store.close())
  const other = await freshDatabase(t)
  const elsewhere = new pg.Client({ connectionString: other.url })
  await elsewhere.connect()
  await elsewhere.query('BEGIN')
  await elsewhere.query('SELECT pg_current_xact_id()')
  await store.append('a', [ev('First')])
  t.same((await store.readAll()).map(e => e.type), ['First'], 'another database\'s open transaction is no reason to wait')
  await elsewhere.query('COMMIT')
  await elsewhere.end()

  const here = new pg.Client(config)
  here.on('error', () => {})
  await here.connect()
  await here.query('BEGIN')
  await here.query('INSERT INTO lms_credentials (session_id, sealed, stored_at) VALUES ($1, $2, 0)', ['s', Buffer.from('x')])
  await store.append('a', [ev('Second')])
  t.same((await store.readAll()).map(e => e.type), ['First'], 'an older write transaction here may still be an append: wait for it')

  const abort = new AbortController()
  const live = subscriber(store, abort.signal)
  t.teardown(async () => { abort.abort(); await live.done })
  await until('the subscriber has the first event', () => live.seen.length === 1)
  setTimeout(() => { void here.query('COMMIT').then(() => here.end()) }, 100)
  const started = Date.now()
  // Nothing announces the end of that transaction: the subscriber looks again soon by itself.
  await until('the subscriber has the second event', () => live.seen.length === 2)
  t.ok(Date.now() - started < 2_000, 'well before the poll interval')
  abort.abort()
  await live.done
})

t.test('a subscription is told of appends by another process (LISTEN/NOTIFY), not left to its poll', async t => {
  const { config } = await freshSchema(t, database)
  const readerPool = new pg.Pool(config)
  const writerPool = new pg.Pool(config)
  const reader = new PgEventStore(readerPool, { pollIntervalMs: 30_000 })
  const writer = new PgEventStore(writerPool)
  t.teardown(async () => {
    await reader.close(); await writer.close()
    await readerPool.end(); await writerPool.end()
  })
  const abort = new AbortController()
  const live = subscriber(reader, abort.signal)
  t.teardown(async () => { abort.abort(); await live.done.catch(() => {}) })
  await sleep(200)
  for (let i = 0; i < 3; i++) {
    const started = Date.now()
    await writer.append('x', [ev(`FromElsewhere${i}`)])
    await until('the reader has it', () => live.seen.length === i + 1, 5_000)
    t.ok(Date.now() - started < 2_000, `append ${i} arrived without waiting for the poll`)
  }
  abort.abort()
  await live.done
  t.same(live.seen.map(e => e.type), ['FromElsewhere0', 'FromElsewhere1', 'FromElsewhere2'])
})

t.test('an append must be the first write of its transaction (else id order and position order could disagree)', async t => {
  const { config } = await freshSchema(t, database)
  const client = new pg.Client(config)
  await client.connect()
  t.teardown(() => client.end())
  await client.query('BEGIN')
  await client.query('INSERT INTO lms_credentials (session_id, sealed, stored_at) VALUES ($1, $2, 0)', ['s', Buffer.from('x')])
  const error = await client.query('SELECT * FROM ms_append($1, $2, $3, $4, $5, $6, NULL)', ['s', 'any', ['e'], ['E'], ['{}'], ['{}']]).catch(e => e)
  t.equal(error.code, 'MS003')
  await client.query('ROLLBACK')
  t.equal(await advisoryLocks(client), 0, 'no advisory lock is left behind')
})

t.test('an append that fails inside the critical section leaves no lock behind: later appends go on', async t => {
  const { pool } = await freshSchema(t, database, { max: 2 })
  const store = new PgEventStore(pool)
  t.teardown(() => store.close())
  await store.append('s', [ev()])
  // The sequence runs out: nextval fails after the position lock was taken.
  await store.append('s', [ev()])
  await pool.query('ALTER SEQUENCE events_position_seq MAXVALUE 2')
  await t.rejects(store.append('s', [ev()]), { code: '2200H' })
  // The session ends as its connection closes; the server notices a moment later.
  await until('the failed append\'s session is gone', async () => await advisoryLocks(pool) === 0)
  t.equal(await advisoryLocks(pool), 0, 'the failed append\'s session is gone, and its lock with it')
  await pool.query('ALTER SEQUENCE events_position_seq NO MAXVALUE')
  const results = await Promise.all([store.append('a', [ev()]), store.append('b', [ev()]), store.append('c', [ev()])])
  t.same(results.map(r => r.revision), [0, 0, 0])
})

t.test('migrations: applied once, in order; running them again (or twice at once) changes nothing', async t => {
  const empty = await freshDatabase(t)
  const pools = [0, 1].map(() => new pg.Pool({ connectionString: empty.url, max: 2 }))
  t.teardown(() => Promise.all(pools.map(pool => pool.end())))
  const [first, second] = pools as [pg.Pool, pg.Pool]
  const applied = await Promise.all([migrate(first), migrate(second)])
  t.same(applied.flat().sort((a, b) => a - b), Array.from({ length: schemaVersion }, (_, i) => i + 1), 'each version applied by exactly one of two instances starting together')
  t.same(await migrate(first), [], 'a second run is a no-op')
  const { rows } = await first.query('SELECT version FROM schema_migrations ORDER BY version')
  t.same(rows.map(row => row.version), Array.from({ length: schemaVersion }, (_, i) => i + 1))

  const store = new PgEventStore(first)
  await store.append('s', [ev()])
  const opened = await openPostgres({ connectionString: empty.url })
  t.teardown(() => opened.end())
  t.same(await migrate(opened), [], 'still a no-op with data in place')
  t.equal((await new PgEventStore(opened).readStream('s')).length, 1)
  // A generic plan cached while the table was empty made every append scan it (migration 5).
  const { rows: settings } = await first.query<{ proname: string, proconfig: string[] | null }>("SELECT proname, proconfig FROM pg_proc WHERE proname IN ('ms_append', 'ms_append_batch') ORDER BY proname")
  t.same(settings, [{ proname: 'ms_append', proconfig: ['plan_cache_mode=force_custom_plan'] }, { proname: 'ms_append_batch', proconfig: null }], 'ms_append plans each call afresh; ms_append_batch keeps cached plans for its own arrays')
  const { rows: source } = await first.query<{ src: string }>("SELECT prosrc AS src FROM pg_proc WHERE proname = 'ms_append_batch'")
  t.equal((source[0]?.src.match(/EXECUTE 'SELECT[^']*FROM[^']*events e/g) ?? []).length, 2, 'and reads the log with dynamic SQL, planned afresh each call')
  await store.close()
})

t.test('a log restored into another cluster (transaction ids from elsewhere) is adopted at start, not hidden', async t => {
  const { pool } = await freshSchema(t, database)
  const store = new PgEventStore(pool)
  t.teardown(() => store.close())
  await store.append('s', [ev('Before')])
  // What a restore looks like: committed events whose transaction ids this cluster has not reached.
  await pool.query(`INSERT INTO events (position, event_id, stream_id, revision, type, data, metadata, recorded_at, tx)
    VALUES (nextval('events_position_seq'), 'restored', 's', 1, 'Restored', '{}', '{}', 0, (pg_current_xact_id()::text::numeric + 1000000)::text::xid8)`)
  t.same((await store.readAll()).map(e => e.type), ['Before'], 'hidden behind an id not reached yet')
  t.same(await migrate(pool), [])
  t.same((await store.readAll()).map(e => e.type), ['Before', 'Restored'])
  await store.append('s', [ev('After')])
  t.same((await store.readAll()).map(e => e.type), ['Before', 'Restored', 'After'])
})
