import t, { type Test } from 'tap'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { openSqlite } from '../../src/store/sqlite/database.ts'
import { WalCheckpointer } from '../../src/store/sqlite/checkpointer.ts'

// 20 MB written in 400 commits. SQLite's own checkpoint is pushed out to 20,000 pages
// (80 MB) by the checkpointer, so only the worker can keep the WAL from holding it all.
// Every 20 commits the writer pauses: with the worker, until the worker says it copied the
// WAL (a busy machine may take its time, so no clock decides); without it, for 15 ms.
async function writeLoad (t: Test, dir: string, withWorker: boolean): Promise<number> {
  const filename = join(dir, `wal-${withWorker ? 'worker' : 'none'}.sqlite`)
  const db = openSqlite({ filename, synchronous: 'normal' })
  const checkpointer = withWorker ? new WalCheckpointer(db, { intervalMs: 10 }) : undefined
  if (!withWorker) db.pragma('wal_autocheckpoint = 20000')
  db.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT NOT NULL)')
  const insert = db.prepare('INSERT INTO blobs (body) VALUES (?)')
  const body = 'x'.repeat(4000)
  for (let commit = 0; commit < 400; commit++) {
    db.transaction(() => { for (let i = 0; i < 12; i++) insert.run(body) })()
    if (commit % 20 === 0) await (checkpointer?.nextCheckpoint() ?? new Promise(resolve => setTimeout(resolve, 15)))
  }
  const walBytes = statSync(`${filename}-wal`).size
  const rows = (db.prepare('SELECT COUNT(*) AS n FROM blobs').get() as { n: number }).n
  t.equal(rows, 4800, 'every row is there')
  await checkpointer?.close()
  db.close()
  return walBytes
}

t.test('the worker checkpoints the WAL, so it stays a fraction of what was written', { timeout: 60_000 }, async t => {
  const dir = t.testdir()
  const without = await writeLoad(t, dir, false)
  const withWorker = await writeLoad(t, dir, true)
  t.ok(without > 15_000_000, `without it, the WAL holds everything: ${without} bytes`)
  t.ok(withWorker < without / 3, `with it, the WAL is reused: ${withWorker} bytes`)
})

t.test('closing the checkpointer stops its worker: the WAL is no longer reused', async t => {
  const filename = join(t.testdir(), 'close.sqlite')
  const db = openSqlite({ filename, synchronous: 'normal' })
  const checkpointer = new WalCheckpointer(db, { intervalMs: 10 })
  await checkpointer.close()
  await checkpointer.close()
  db.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT NOT NULL)')
  const insert = db.prepare('INSERT INTO blobs (body) VALUES (?)')
  for (let commit = 0; commit < 200; commit++) {
    db.transaction(() => { for (let i = 0; i < 12; i++) insert.run('x'.repeat(4000)) })()
    if (commit % 20 === 0) await new Promise(resolve => setTimeout(resolve, 15))
  }
  t.ok(statSync(`${filename}-wal`).size > 8_000_000, 'nothing checkpoints after close (the backstop is at 20,000 pages)')
  db.close()
})
