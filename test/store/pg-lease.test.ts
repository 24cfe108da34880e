// The lease on background work (src/store/postgres/pg-lease.ts) against a real PostgreSQL.
// A network partition is made with a TCP relay of our own between the holder and the
// database: frozen, it passes nothing either way and closes nothing, as a cut cable would.
import t from 'tap'
import net from 'node:net'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { PgLease, serverProbeAfterSeconds } from '../../src/store/postgres/pg-lease.ts'
import { leaderLock } from '../../src/store/postgres/migrations.ts'
import { freshDatabase } from '../helpers/pg.ts'

interface Relay { url: string, freeze (): void, close (): void }

async function relayTo (databaseUrl: string): Promise<Relay> {
  const target = new URL(databaseUrl)
  let frozen = false
  const sockets = new Set<net.Socket>()
  const server = net.createServer(client => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('error', () => {})
    }
    client.on('data', data => { if (!frozen) upstream.write(data) })
    upstream.on('data', data => { if (!frozen) client.write(data) })
    // Until frozen, a close on one side closes the other; frozen, nothing gets through.
    client.on('close', () => { if (!frozen) upstream.destroy() })
    upstream.on('close', () => { if (!frozen) client.destroy() })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const url = new URL(databaseUrl)
  url.port = String((server.address() as net.AddressInfo).port)
  return {
    url: url.toString(),
    freeze: () => { frozen = true },
    close: () => { for (const socket of sockets) socket.destroy(); server.close() }
  }
}

async function holderPid (databaseUrl: string): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    // pg_locks lists every database's locks: other test files hold this lease in theirs.
    const { rows } = await client.query<{ pid: number }>(`SELECT pid FROM pg_locks
      WHERE locktype = 'advisory' AND objid = $1 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, [leaderLock])
    return rows[0]?.pid
  } finally {
    await client.end()
  }
}

t.test('a holder cut off from the database counts its lease as lost before anyone else can take it', async t => {
  const database = await freshDatabase(t)
  const relay = await relayTo(database.url)
  t.teardown(() => relay.close())
  const holder = new PgLease(relay.url, leaderLock, { heartbeatMs: 100, lostAfterMs: 1_000 })
  const other = new PgLease(database.url)
  t.teardown(async () => { await holder.release(); await other.release() })
  const lost = new Promise<Error>(resolve => holder.onLost(resolve))

  t.ok(await holder.tryAcquire(), 'the first instance takes the lease')
  t.notOk(await other.tryAcquire(), 'the second one cannot while it is held')
  const pid = await holderPid(database.url)
  t.ok(pid !== undefined, 'the database shows the lock held')

  relay.freeze()
  const frozenAt = Date.now()
  const giveUp = new AbortController()
  const error = await Promise.race([lost, sleep(10_000, undefined, { signal: giveUp.signal }).catch(() => undefined)])
  giveUp.abort()
  const after = Date.now() - frozenAt
  t.ok(error instanceof Error, 'the holder reports the lease lost although its connection never closed')
  t.match(error?.message, /has not answered on the lease's connection/)
  // Silence counts from the last answer, up to one heartbeat before the partition.
  t.ok(after >= 1_000 - 100 - 50 && after < 3_000, `about lostAfterMs after the partition, not at once and not much later (${after} ms)`)

  // Only now does the database give up on the silent session (its keepalive would, 30 s on):
  // the other instance can take the lease, and the first has already stopped counting on it.
  t.ok(await other.tryAcquire() === false, 'the database still holds the lock for the silent session')
  await (async () => {
    const client = new pg.Client({ connectionString: database.url })
    await client.connect()
    await client.query('SELECT pg_terminate_backend($1)', [pid])
    await client.end()
  })()
  let taken = false
  for (let i = 0; i < 50 && !taken; i++) { taken = await other.tryAcquire(); if (!taken) await sleep(100) }
  t.ok(taken, 'once the database lets go, the other instance holds the lease')
})

t.test('a healthy lease is kept: answered heartbeats never count it lost', async t => {
  const database = await freshDatabase(t)
  const holder = new PgLease(database.url, leaderLock, { heartbeatMs: 20, lostAfterMs: 200 })
  t.teardown(() => holder.release())
  let lostError: Error | undefined
  holder.onLost(error => { lostError = error })
  t.ok(await holder.tryAcquire())
  await sleep(1_500)
  t.equal(lostError, undefined, 'not lost after 1.5 s of heartbeats')
  t.ok(await holder.tryAcquire(), 'still held')
  await holder.release()
  t.equal(lostError, undefined, 'releasing is not losing')
  t.equal(await holderPid(database.url), undefined, 'released: the database shows no holder')
})

t.test('the holder gives up before the database would, with room to spare', async t => {
  t.equal(serverProbeAfterSeconds, 30, 'the database lets go of a silent lease session after 30 s')
  t.throws(() => new PgLease('postgres://127.0.0.1/x', leaderLock, { lostAfterMs: 19_000 }), /must stay within 20000 ms/, '19 s plus a 2 s heartbeat is too close')
  t.doesNotThrow(() => new PgLease('postgres://127.0.0.1/x', leaderLock, { lostAfterMs: 17_000 }))
  t.doesNotThrow(() => new PgLease('postgres://127.0.0.1/x', leaderLock), 'the defaults keep the order (loss seen by 12 s, the database at 30 s)')
})
