// Appends on a synchronous=FULL connection are acknowledged once a pool thread has synced the
// WAL, not by the commit itself. A lost power supply cannot be staged here, so these tests
// check the order of things instead: the real fdatasync, held back or made to fail by the test,
// must come before any acknowledgement and before any subscriber sees the events.
import t from 'tap'
import { fdatasync } from 'node:fs'
import { join } from 'node:path'
import { openSqlite } from '../../src/store/sqlite/database.ts'
import { SqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts'
import type { RecordedEvent } from '../../src/store/event-store.ts'

/** The real fdatasync, each call held until the test releases it (or fails it). */
function heldSync () {
  const held: { fd: number, callback: (error: NodeJS.ErrnoException | null) => void }[] = []
  let calls = 0
  const sync = ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    calls++
    held.push({ fd, callback })
  }) as typeof fdatasync
  return {
    sync,
    get calls () { return calls },
    get held () { return held.length },
    release () { for (const { fd, callback } of held.splice(0)) fdatasync(fd, callback) },
    fail () { for (const { callback } of held.splice(0)) callback(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })) }
  }
}

const turn = async (ms = 20) => new Promise(resolve => setTimeout(resolve, ms))

t.test('an append is acknowledged, and shown to subscribers, only after the WAL is synced', async t => {
  const db = openSqlite({ filename: join(t.testdir(), 'held.sqlite') })
  const sync = heldSync()
  const store = new SqliteEventStore(db, { fdatasync: sync.sync, pollIntervalMs: 5 })
  t.equal(db.pragma('synchronous', { simple: true }), 1, 'the commit itself no longer syncs (NORMAL)')
  const seen: RecordedEvent[] = []
  const abort = new AbortController()
  const following = (async () => { for await (const batch of store.subscribe({ signal: abort.signal })) seen.push(...batch) })()
  let acknowledged = false
  const append = store.append('s-1', [{ id: 'e-1', type: 'Happened', data: {} }]).then(result => { acknowledged = true; return result })
  await turn(50)
  t.equal(sync.held, 1, 'a sync was asked for')
  t.equal((await store.readStream('s-1')).length, 1, 'the event is committed')
  t.notOk(acknowledged, 'but not acknowledged')
  t.same(seen, [], 'and no subscriber has it, though it polls the file')
  sync.release()
  t.equal((await append).position, 1)
  await turn()
  t.same(seen.map(e => e.id), ['e-1'], 'synced: the subscriber has it')
  abort.abort()
  await following
  await store.close()
  db.close()
})

t.test('groups committed while a sync is in flight share the next sync', async t => {
  const db = openSqlite({ filename: join(t.testdir(), 'groups.sqlite') })
  const sync = heldSync()
  const store = new SqliteEventStore(db, { fdatasync: sync.sync })
  const first = store.append('s', [{ id: 'a', type: 'A', data: {} }])
  await turn()
  const later = [store.append('s', [{ id: 'b', type: 'B', data: {} }])]
  await turn()
  later.push(store.append('s', [{ id: 'c', type: 'C', data: {} }]))
  await turn()
  t.equal(sync.calls, 1, 'one sync in flight, two more groups committed meanwhile')
  sync.release()
  await first
  await turn()
  t.equal(sync.calls, 2, 'the two later groups are synced together')
  sync.release()
  t.same((await Promise.all(later)).map(r => r.revision), [1, 2])
  await store.close()
  db.close()
})

t.test('a failed sync acknowledges nothing, and the store takes no more appends', async t => {
  const db = openSqlite({ filename: join(t.testdir(), 'failed.sqlite') })
  const sync = heldSync()
  const store = new SqliteEventStore(db, { fdatasync: sync.sync })
  const append = store.append('s', [{ id: 'a', type: 'A', data: {} }])
  await turn()
  sync.fail()
  await t.rejects(append, /could not be synced to disk: EIO/)
  await t.rejects(store.append('s', [{ id: 'b', type: 'B', data: {} }]), /could not be synced to disk/)
  await store.close()
  db.close()
})

t.test('close waits for the sync of what it commits', async t => {
  const db = openSqlite({ filename: join(t.testdir(), 'close.sqlite') })
  const sync = heldSync()
  const store = new SqliteEventStore(db, { fdatasync: sync.sync })
  const append = store.append('s', [{ id: 'a', type: 'A', data: {} }])
  let closed = false
  const closing = store.close().then(() => { closed = true })
  await turn()
  t.notOk(closed, 'still syncing')
  sync.release()
  await closing
  t.equal((await append).revision, 0)
  db.close()
})

t.test('a NORMAL connection is left alone: no extra sync', async t => {
  const db = openSqlite({ filename: join(t.testdir(), 'normal.sqlite'), synchronous: 'normal' })
  const sync = heldSync()
  const store = new SqliteEventStore(db, { fdatasync: sync.sync })
  await store.append('s', [{ id: 'a', type: 'A', data: {} }])
  t.equal(sync.calls, 0)
  t.equal(db.pragma('synchronous', { simple: true }), 1)
  await store.close()
  db.close()
})
