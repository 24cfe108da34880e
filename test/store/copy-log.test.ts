// Copying a log between stores: the embedded file into PostgreSQL (and back), in order, with
// ids, revisions, data, metadata and recorded times; resumable after a stop.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import pg from 'pg'
import { openSqlite } from '../../src/store/sqlite/database.ts'
import { SqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts'
import { PgEventStore } from '../../src/store/postgres/pg-event-store.ts'
import { openPostgres } from '../../src/store/postgres/migrations.ts'
import { copyLog } from '../../src/store/copy-log.ts'
import type { EventStore, RecordedEvent } from '../../src/store/event-store.ts'
import { freshDatabase } from '../helpers/pg.ts'

const root = new URL('../..', import.meta.url).pathname

/** A source log over 3 streams, recorded over days (one clock tick per append). */
async function source (dir: string, events: number) {
  let clock = Date.parse('2026-01-05T09:00:00Z')
  const db = openSqlite({ filename: join(dir, 'mastery-sync.sqlite'), synchronous: 'normal' })
  const store = new SqliteEventStore(db, { now: () => clock })
  for (let i = 0; i < events; i += 2) {
    clock += 3_600_000
    await store.append(`learner-${i % 3}`, [
      { id: `evt-${i}`, type: 'Answered', data: { i, text: 'Zoë 😀' }, metadata: { accountId: 'acc_1', n: i } },
      { id: `evt-${i + 1}`, type: 'Viewed', data: { i: i + 1 }, metadata: { accountId: 'acc_1' } }
    ])
  }
  return { store, close: async () => { await store.close(); db.close() } }
}

const shape = (e: RecordedEvent) => ({ id: e.id, type: e.type, data: e.data, metadata: e.metadata, streamId: e.streamId, revision: e.revision, recordedAt: e.recordedAt })
const all = async (store: EventStore) => store.readAll({ maxCount: 100_000 })

t.test('the embedded log copied into PostgreSQL: same order, ids, revisions, data, metadata and times', async t => {
  const from = await source(t.testdir(), 300)
  t.teardown(from.close)
  const pool = await openPostgres({ connectionString: (await freshDatabase(t)).url })
  t.teardown(() => pool.end())
  const to = new PgEventStore(pool)
  t.teardown(() => to.close())
  const seen: number[] = []
  const result = await copyLog(from.store, to, { batchSize: 64, onProgress: p => seen.push(p.position) })
  t.equal(result.copied, 300)
  t.same((await all(to)).map(shape), (await all(from.store)).map(shape), 'event for event')
  t.ok(seen.length > 3 && seen.every((p, i) => i === 0 || p >= (seen[i - 1] ?? 0)), 'progress goes forwards')
  t.equal(seen.at(-1), await from.store.headPosition())
})

t.test('a copy that stopped goes on where it stopped, and copies nothing twice', async t => {
  const from = await source(t.testdir(), 200)
  t.teardown(from.close)
  const db = openSqlite({ filename: join(t.testdir(), 'target.sqlite'), synchronous: 'normal' })
  const to = new SqliteEventStore(db)
  t.teardown(async () => { await to.close(); db.close() })
  const stop = new AbortController()
  const first = await copyLog(from.store, to, { batchSize: 50, signal: stop.signal, onProgress: p => { if (p.copied >= 50) stop.abort() } })
  t.ok(first.copied >= 50 && first.copied < 200, `stopped part-way (${first.copied})`)
  const second = await copyLog(from.store, to, { batchSize: 50 })
  t.equal(first.copied + second.copied, 200, 'the rest, and only the rest')
  t.same((await all(to)).map(shape), (await all(from.store)).map(shape))
  const again = await copyLog(from.store, to)
  t.equal(again.copied, 0, 'a finished copy has nothing left to do')
})

t.test('a target that holds other events is refused with a reason', async t => {
  const from = await source(t.testdir(), 10)
  t.teardown(from.close)
  const db = openSqlite({ filename: join(t.testdir(), 'other.sqlite'), synchronous: 'normal' })
  const to = new SqliteEventStore(db)
  t.teardown(async () => { await to.close(); db.close() })
  await to.append('something-else', [{ id: 'foreign-1', type: 'Other', data: {} }])
  await t.rejects(copyLog(from.store, to), { name: 'CopyMismatchError' })
  await t.rejects(copyLog(from.store, to), /copy into an empty store/)
})

t.test('the CLI copies the service\'s store into PostgreSQL and reports progress', async t => {
  const dir = t.testdir()
  const from = await source(dir, 40)
  await from.close()
  const database = await freshDatabase(t)
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'copy-log', '--to', database.url, '--batch', '16'], {
    cwd: root, env: { ...process.env, DATA_DIR: dir, STORE: 'sqlite' }, encoding: 'utf8'
  })
  t.equal(run.status, 0, run.stderr)
  t.match(run.stdout, /copied 40 events/)
  t.match(run.stderr, /copying the log: 100%/, 'progress lines when not on a terminal')
  const client = new pg.Client({ connectionString: database.url })
  await client.connect()
  const count = (await client.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows[0]?.n
  await client.end()
  t.equal(count, '40')
  const help = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'copy-log', '--help'], { cwd: root, encoding: 'utf8' })
  t.match(help.stdout, /--to <store>/)
})
