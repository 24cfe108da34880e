import t from 'tap'
import { join } from 'node:path'
import { pino } from 'pino'
import { openSqlite } from '../../src/store/sqlite/database.ts'
import { SqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts'
import { SqliteReadModels } from '../../src/store/sqlite/sqlite-read-models.ts'
import { ProjectionRunner, ReadTimeoutError } from '../../src/projections/runner.ts'
import type { ProjectionDefinition } from '../../src/projections/projection.ts'

const silent = pino({ level: 'silent' })

// Counts events per stream: any double-processing or loss shows in the totals.
const counter = (options: { version?: number, failOnce?: { at: number } } = {}): ProjectionDefinition<{ n: number }> => {
  let failed = false
  return {
    name: 'counter',
    version: options.version ?? 1,
    eventTypes: new Set(['Tick']),
    keys: e => [`count:${e.streamId}`],
    evolve (doc, e) {
      if (options.failOnce !== undefined && !failed && e.position === options.failOnce.at) {
        failed = true
        throw new Error('evolve failed once')
      }
      return { n: (doc?.n ?? 0) + 1 }
    }
  }
}

function open (dir: string) {
  const db = openSqlite({ filename: join(dir, 'runner.sqlite'), synchronous: 'normal' })
  const store = new SqliteEventStore(db, { pollIntervalMs: 10 })
  const readModels = new SqliteReadModels(db)
  return { db, store, readModels, async close () { await store.close(); db.close() } }
}

async function ticks (store: SqliteEventStore, streams: number, each: number) {
  let last = 0
  for (let i = 0; i < each; i++) {
    for (let s = 0; s < streams; s++) last = (await store.append(`s-${s}`, [{ id: `t-${s}-${i}-${Math.random()}`, type: 'Tick', data: {} }])).position
  }
  return last
}

t.test('a live runner follows the log and a read can wait for a position', async t => {
  const { store, readModels, close } = open(t.testdir())
  const runner = new ProjectionRunner(store, readModels, [counter()], silent, { batchSize: 7 })
  await runner.start()
  const last = await ticks(store, 3, 10)
  await runner.waitFor(last)
  t.same(await runner.get('counter', 'count:s-1'), { n: 10 })
  t.same(await readModels.checkpoint('counter'), { position: last, version: 1 }, 'checkpoint stored with the documents')
  await t.rejects(runner.waitFor(last + 1000, { timeoutMs: 50 }), ReadTimeoutError)
  await runner.stop()
  await close()
})

t.test('a failing batch commits nothing and is retried: each event counts exactly once', async t => {
  const { store, readModels, close } = open(t.testdir())
  const last = await ticks(store, 2, 10)
  const runner = new ProjectionRunner(store, readModels, [counter({ failOnce: { at: 13 } })], silent, { batchSize: 5, retryDelayMs: 10 })
  await runner.start()
  await runner.waitFor(last, { timeoutMs: 5000 })
  t.same(await runner.get('counter', 'count:s-0'), { n: 10 })
  t.same(await runner.get('counter', 'count:s-1'), { n: 10 })
  t.equal(runner.status()[0]?.failure, undefined, 'recovered')
  await runner.stop()
  await close()
})

t.test('a restarted runner resumes from its checkpoint without double counting', async t => {
  const dir = t.testdir()
  let s = open(dir)
  const first = await ticks(s.store, 2, 5)
  let runner = new ProjectionRunner(s.store, s.readModels, [counter()], silent)
  await runner.start()
  await runner.waitFor(first)
  await runner.stop()
  await s.close()

  s = open(dir)
  const second = await ticks(s.store, 2, 5)
  runner = new ProjectionRunner(s.store, s.readModels, [counter()], silent)
  await runner.start()
  await runner.waitFor(second)
  t.same(await runner.get('counter', 'count:s-0'), { n: 10 })
  await runner.stop()
  await s.close()
})

t.test('a new projection version rebuilds from zero; rebuild() gives the same documents', async t => {
  const dir = t.testdir()
  let s = open(dir)
  const last = await ticks(s.store, 3, 4)
  let runner = new ProjectionRunner(s.store, s.readModels, [counter()], silent)
  await runner.start()
  await runner.waitFor(last)
  await runner.rebuild('counter')
  t.same(await runner.get('counter', 'count:s-2'), { n: 4 }, 'rebuilt from zero, not added on top')
  await runner.stop()
  await s.close()

  s = open(dir)
  runner = new ProjectionRunner(s.store, s.readModels, [counter({ version: 2 })], silent)
  await runner.start()
  await runner.waitFor(last)
  t.same(await runner.get('counter', 'count:s-0'), { n: 4 })
  t.equal((await s.readModels.checkpoint('counter'))?.version, 2)
  await runner.stop()
  await s.close()
})

t.test('catching up far behind commits in large steps; caught up, every batch commits at once', async t => {
  const { store, readModels, close } = open(t.testdir())
  const last = await ticks(store, 4, 50)
  let commits = 0
  const counting = Object.assign(Object.create(Object.getPrototypeOf(readModels)), readModels, {
    commit: async (...args: Parameters<typeof readModels.commit>) => { commits++; return readModels.commit(...args) }
  }) as typeof readModels
  const runner = new ProjectionRunner(store, counting, [counter()], silent, { batchSize: 10, catchUpLimits: { events: 100, documents: 1000, ms: 60_000 } })
  await runner.start()
  await runner.waitFor(last)
  t.ok(commits <= 3, `200 events in batches of 10 committed ${commits} times`)
  t.same(await runner.get('counter', 'count:s-3'), { n: 50 })
  const before = commits
  const next = (await store.append('s-0', [{ id: 'live-1', type: 'Tick', data: {} }])).position
  await runner.waitFor(next)
  t.equal(commits, before + 1, 'a live event is committed by itself, at once')
  t.same(await runner.get('counter', 'count:s-0'), { n: 51 })
  await runner.stop()
  await close()
})
