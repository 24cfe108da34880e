import t from 'tap'
import { join } from 'node:path'
import { openSqlite } from '../../src/store/sqlite/database.ts'
import { SqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts'
import { eventStoreContract } from './contract.ts'

t.test('embedded SQLite store meets the event-store contract', async t => {
  const dir = t.testdir()
  let n = 0
  eventStoreContract(t, async () => {
    const db = openSqlite({ filename: join(dir, `store-${n++}.sqlite`) })
    const store = new SqliteEventStore(db, { pollIntervalMs: 20 })
    return { store, cleanup: async () => { await store.close(); db.close() } }
  })
})

t.test('a subscription sees events appended by another connection (another process) by polling', async t => {
  const file = join(t.testdir(), 'shared.sqlite')
  const reader = new SqliteEventStore(openSqlite({ filename: file }), { pollIntervalMs: 20 })
  const writerDb = openSqlite({ filename: file })
  const writer = new SqliteEventStore(writerDb)
  const abort = new AbortController()
  const got: string[] = []
  const done = (async () => {
    for await (const batch of reader.subscribe({ signal: abort.signal })) {
      got.push(...batch.map(e => e.type))
      abort.abort()
    }
  })()
  await new Promise(resolve => setTimeout(resolve, 30))
  await writer.append('x', [{ id: 'e-1', type: 'FromElsewhere', data: {} }])
  await done
  t.same(got, ['FromElsewhere'])
  await writer.close(); writerDb.close(); await reader.close()
})

t.test('appends queued when the store closes are still committed', async t => {
  const file = join(t.testdir(), 'close.sqlite')
  const db = openSqlite({ filename: file })
  const store = new SqliteEventStore(db)
  const pending = store.append('s', [{ id: 'late', type: 'Late', data: {} }])
  await store.close()
  const result = await pending
  t.equal(result.revision, 0)
  db.close()
  const reopened = new SqliteEventStore(openSqlite({ filename: file }))
  t.equal((await reopened.readStream('s')).length, 1)
})
