// PostgreSQL store appends ÷ raw INSERTs of the same rows over the same number of connections,
// and subscriber lag under that load. Both run against a fresh database on the PostgreSQL the
// machine runs (PG_BENCH_URL, default postgres://postgres@127.0.0.1:5432/test as the admin
// connection), one after the other, in this process (the server is another process anyway).
import pg from 'pg'
import { randomBytes } from 'node:crypto'
import { openPostgres } from '../src/store/postgres/migrations.ts'
import { PgEventStore } from '../src/store/postgres/pg-event-store.ts'
import { answeredEvent, benchLearnerId } from './support/activity-answered.ts'
import { seededRng } from './support/rng.ts'

export interface PgAppendOptions {
  readonly writers: number
  /** Events per append (and rows per raw INSERT). */
  readonly batch: number
  readonly appendsPerWriter: number
  /** The store's group commit: append calls at once (default: the store's). */
  readonly concurrentAppends?: number
}

export interface PgAppendResult {
  readonly storeRate: number
  readonly rawRate: number
  readonly lagP50Ms: number
  readonly lagP99Ms: number
  readonly events: number
}

const adminUrl = process.env.PG_BENCH_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

async function asAdmin (sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try { await client.query(sql) } finally { await client.end() }
}

interface Row { id: string, stream: string, revision: number, type: string, data: string, metadata: string }

/** The rows every writer appends: its own streams, revisions counted up front (for the raw side). */
function plan (options: PgAppendOptions): Row[][][] {
  const rng = seededRng(7)
  const start = Date.parse('2026-03-01T08:00:00Z')
  return Array.from({ length: options.writers }, (_, w) => {
    const revisions = new Map<string, number>()
    return Array.from({ length: options.appendsPerWriter }, (_, i) => {
      const stream = `activity-bench-${w}-${i % 20}`
      return Array.from({ length: options.batch }, () => {
        const revision = (revisions.get(stream) ?? -1) + 1
        revisions.set(stream, revision)
        const event = answeredEvent(rng, benchLearnerId(w), start + i * 1000)
        return { id: event.id, stream, revision, type: event.type, data: JSON.stringify(event.data), metadata: JSON.stringify(event.metadata) }
      })
    })
  })
}

export async function benchPgAppend (options: PgAppendOptions): Promise<PgAppendResult> {
  const name = `ms_bench_${randomBytes(5).toString('hex')}`
  await asAdmin(`CREATE DATABASE ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const pool = await openPostgres({ connectionString: url.toString(), max: options.writers + 2 })
  try {
    const rows = plan(options)
    const events = options.writers * options.appendsPerWriter * options.batch

    // The store, with a live subscriber measuring how long each event took to reach it.
    const store = new PgEventStore(pool, { now: Date.now, ...(options.concurrentAppends === undefined ? {} : { concurrentAppends: options.concurrentAppends }) })
    // When each event's append was called, to measure the lag from there to its delivery.
    const calledAt = new Map<string, number>()
    const lags: number[] = []
    const abort = new AbortController()
    const subscriber = (async () => {
      for await (const batch of store.subscribe({ signal: abort.signal, maxCount: 5000, lingerMs: 1 })) {
        const now = performance.now()
        for (const event of batch) lags.push(Math.round(now - (calledAt.get(event.id) ?? Number.NaN)))
        if (lags.length >= events) break
      }
    })()
    // The events as the store takes them (objects), made before the clock starts: the raw side
    // gets its rows ready-made too.
    const appendsOf = rows.map(appends => appends.map(batch => ({
      stream: batch[0]?.stream ?? '',
      events: batch.map(r => ({ id: r.id, type: r.type, data: JSON.parse(r.data) as unknown, metadata: JSON.parse(r.metadata) as Record<string, unknown> }))
    })))
    const storeStarted = performance.now()
    await Promise.all(appendsOf.map(async appends => {
      for (const { stream, events: batch } of appends) {
        const now = performance.now()
        for (const event of batch) calledAt.set(event.id, now)
        await store.append(stream, batch, { expectedRevision: 'any' })
      }
    }))
    const storeSeconds = (performance.now() - storeStarted) / 1000
    const deadline = Date.now() + 30_000
    while (lags.length < events && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
    abort.abort()
    await subscriber
    await store.close()

    // Raw: the same rows into a table of the same shape, one multi-row INSERT per append.
    await pool.query('CREATE TABLE raw_events (LIKE events INCLUDING ALL)')
    let position = 0
    const numbered = rows.map(appends => appends.map(batch => batch.map(r => ({ ...r, position: ++position }))))
    const clients = await Promise.all(rows.map(async () => pool.connect()))
    const rawStarted = performance.now()
    await Promise.all(numbered.map(async (appends, w) => {
      const client = clients[w] as pg.PoolClient
      for (const batch of appends) {
        const values: unknown[] = []
        const tuples = batch.map((r, i) => {
          values.push(r.position, r.id, r.stream, r.revision, r.type, r.data, r.metadata, Date.now())
          const o = i * 8
          return `($${o + 1}, $${o + 2}, $${o + 3}, $${o + 4}, $${o + 5}, $${o + 6}, $${o + 7}, $${o + 8}, pg_current_xact_id())`
        })
        await client.query(`INSERT INTO raw_events (position, event_id, stream_id, revision, type, data, metadata, recorded_at, tx) VALUES ${tuples.join(', ')}`, values)
      }
    }))
    const rawSeconds = (performance.now() - rawStarted) / 1000
    for (const client of clients) client.release()

    lags.sort((a, b) => a - b)
    const at = (q: number): number => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? Number.NaN
    return { storeRate: events / storeSeconds, rawRate: events / rawSeconds, lagP50Ms: at(0.5), lagP99Ms: lags.length < events ? Number.POSITIVE_INFINITY : at(0.99), events }
  } finally {
    await pool.end()
    await asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  }
}
