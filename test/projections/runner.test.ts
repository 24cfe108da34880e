import t from 'tap'
import { threadId } from 'node:worker_threads'
import { join } from 'node:path'
import { pino } from 'pino'
import { openSqlite } from '../../src/store/sqlite/database.ts'
import { SqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts'
import { SqliteReadModels } from '../../src/store/sqlite/sqlite-read-models.ts'
import { ProjectionRunner, ReadTimeoutError } from '../../src/projections/runner.ts'
import type { ProjectionDefinition } from '../../src/projections/projection.ts'
import { SqliteParallelReplay } from '../../src/projections/parallel-replay.ts'
import { trail } from './fixtures/trail-projection.ts'

const silent = pino({ level: 'silent' })
const fixtures = new URL('./fixtures/trail-projection.ts', import.meta.url).href

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

/** The same object with some methods replaced (to count or slow down calls). */
function wrap<T extends object> (target: T, overrides: Partial<T>): T {
  return Object.assign(Object.create(Object.getPrototypeOf(target) as object), target, overrides) as T
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

async function eventually<T> (read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value) || Date.now() > deadline) return value
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

t.test('a live runner follows the log, a read can wait for a position, and a quiet log gets stored', async t => {
  const { store, readModels, close } = open(t.testdir())
  const runner = new ProjectionRunner(store, readModels, [counter()], silent, { batchSize: 7, commitIntervalMs: 30 })
  await runner.start()
  const last = await ticks(store, 3, 10)
  await runner.waitFor(last)
  t.same(await runner.get('counter', 'count:s-1'), { n: 10 }, 'reads see every evolved event')
  const stored = await eventually(() => readModels.checkpoint('counter'), c => c?.position === last)
  t.same(stored, { position: last, version: 1 }, 'once the log is quiet, the checkpoint is stored')
  t.same(await readModels.get('counter', 'count:s-1'), { n: 10 }, 'with the documents')
  t.equal(runner.status()[0]?.committed, last)
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

t.test('catching up far behind commits in large steps; caught up, a busy log commits at most once per interval', async t => {
  const { store, readModels, close } = open(t.testdir())
  const last = await ticks(store, 4, 50)
  let commits = 0
  const counting = wrap(readModels, {
    commit: async (...args: Parameters<typeof readModels.commit>) => { commits++; return readModels.commit(...args) }
  })
  const runner = new ProjectionRunner(store, counting, [counter()], silent, { batchSize: 10, catchUpLimits: { events: 100, documents: 1000, ms: 60_000 } })
  await runner.start()
  await runner.waitFor(last)
  t.ok(commits <= 3, `200 events in batches of 10 committed ${commits} times`)
  t.same(await runner.get('counter', 'count:s-3'), { n: 50 })
  const before = commits
  let next = 0
  for (let i = 0; i < 20; i++) {
    next = (await store.append('s-0', [{ id: `live-${i}`, type: 'Tick', data: {} }])).position
    await runner.waitFor(next)
  }
  t.same(await runner.get('counter', 'count:s-0'), { n: 70 }, 'each live event is readable as soon as it is evolved')
  t.ok(commits - before <= 3, `20 live batches within the 1 s interval committed ${commits - before} times`)
  await runner.stop()
  t.same(await readModels.checkpoint('counter'), { position: next, version: 1 }, 'stop() stores what was evolved')
  t.same(await readModels.get('counter', 'count:s-0'), { n: 70 })
  await close()
})

t.test('a list read sees documents evolved but not yet stored, deletions too, within its limit', async t => {
  const { store, readModels, close } = open(t.testdir())
  const items: ProjectionDefinition<{ v: number }> = {
    name: 'items',
    version: 1,
    eventTypes: new Set(['Put', 'Drop']),
    keys: e => [`item:${(e.data as { k: string }).k}`],
    evolve: (_doc, e) => (e.type === 'Drop' ? undefined : { v: (e.data as { v: number }).v })
  }
  const put = (k: string, v: number) => store.append(`i-${k}`, [{ id: `put-${k}-${v}`, type: 'Put', data: { k, v } }])
  for (const k of ['a', 'b', 'c', 'd']) await put(k, 1)
  const runner = new ProjectionRunner(store, readModels, [items], silent, { commitIntervalMs: 60_000 })
  await runner.catchUpAll()
  t.same((await runner.list('items', 'item:')).map(r => r.key), ['item:a', 'item:b', 'item:c', 'item:d'], 'stored by catch-up')
  await runner.start()
  // The interval is long: every change below stays pending while it is read.
  await put('a', 2)
  await store.append('i-b', [{ id: 'drop-b', type: 'Drop', data: { k: 'b' } }])
  await put('bb', 1)
  const last = (await store.append('i-c', [{ id: 'drop-c', type: 'Drop', data: { k: 'c' } }])).position
  await runner.waitFor(last)
  t.same(await runner.list('items', 'item:'), [
    { key: 'item:a', doc: { v: 2 } }, { key: 'item:bb', doc: { v: 1 } }, { key: 'item:d', doc: { v: 1 } }
  ], 'changed, deleted and added documents, in key order')
  t.same((await runner.list('items', 'item:', 2)).map(r => r.key), ['item:a', 'item:bb'], 'the limit counts after merging')
  t.same((await runner.list('items', 'item:b')).map(r => r.key), ['item:bb'], 'the prefix applies to pending documents too')
  t.equal(await runner.get('items', 'item:c'), undefined, 'a pending deletion reads as absent')
  t.same(await readModels.get('items', 'item:c'), { v: 1 }, 'while the store still has it')
  await runner.stop()
  t.same((await readModels.list('items', 'item:')).map(r => r.key), ['item:a', 'item:bb', 'item:d'], 'stop() stores it all')
  await close()
})

t.test('a projection whose documents follow streams is rebuilt stream by stream, to the same documents', async t => {
  const { store, readModels, close } = open(t.testdir())
  await ticks(store, 5, 12)
  await store.append('s-1', [{ id: 'ignored', type: 'Tock', data: {} }])
  const live = new ProjectionRunner(store, readModels, [trail()], silent, { batchSize: 7 })
  await live.catchUpAll()
  const before = await readModels.list('trail', 'trail:')
  let pages = 0
  const counting = wrap(store, {
    readByStream: async (...args: Parameters<typeof store.readByStream>) => { pages++; return store.readByStream(...args) }
  })
  const runner = new ProjectionRunner(counting, readModels, [trail()], silent, { batchSize: 7 })
  await runner.rebuild('trail')
  t.ok(pages > 1, `read by stream, ${pages} pages`)
  t.same(await readModels.list('trail', 'trail:'), before, 'the same documents as replaying in log order')
  t.same(await readModels.checkpoint('trail'), { position: await store.headPosition(), version: 1 })
  await close()
})

t.test('a rebuild by stream that stops part-way is started again from zero, never added to', async t => {
  const dir = t.testdir()
  let s = open(dir)
  const last = await ticks(s.store, 6, 5)
  const crashAt = (await s.store.readStream('s-4'))[2]?.position
  // Watches what the replay stores on the way; a process that died here would leave exactly that.
  const checkpoints: { position: number, version: number }[] = []
  const watching = wrap(s.readModels, {
    commitSerialised: async (...args: Parameters<typeof s.readModels.commitSerialised>) => { checkpoints.push(args[1]); return s.readModels.commitSerialised(...args) }
  })
  const failing = new ProjectionRunner(s.store, watching, [trail({ failAtPosition: crashAt })], silent, { batchSize: 4, catchUpLimits: { events: 1000, documents: 2, ms: 60_000 } })
  await t.rejects(failing.rebuild('trail'), /crash part-way/)
  t.ok(checkpoints.length > 0 && checkpoints.every(c => c.version === -1 && c.position === 0), 'documents stored on the way were marked unfinished')
  t.same(await s.readModels.checkpoint('trail'), { position: 0, version: 1 }, 'the failure itself resets the projection')
  t.same(await s.readModels.list('trail', 'trail:'), [], 'no half-built document is left')
  // A process that dies part-way leaves the unfinished marker: the next start rebuilds from zero.
  await watching.commit('trail', { position: 0, version: -1 }, new Map([['trail:s-4', { seen: [1] }]]))
  await s.close()

  s = open(dir)
  const runner = new ProjectionRunner(s.store, s.readModels, [trail()], silent)
  await runner.start()
  await runner.waitFor(last)
  const positions = (await s.store.readStream('s-4')).map(e => e.position)
  t.same(await runner.get('trail', 'trail:s-4'), { seen: positions }, 'each event exactly once, in order')
  await runner.stop()
  t.same(await s.readModels.checkpoint('trail'), { position: last, version: 1 })
  await s.close()
})

t.test('a parallel replay gives the same documents, on several threads', async t => {
  const dir = t.testdir()
  const { store, readModels, close } = open(dir)
  await ticks(store, 9, 15)
  const inOrder = new ProjectionRunner(store, readModels, [trail()], silent, { batchSize: 7 })
  await inOrder.catchUpAll()
  const before = await readModels.list('trail', 'trail:')
  const replay = new SqliteParallelReplay(join(dir, 'runner.sqlite'), store, { url: fixtures, exportName: 'projections' }, 3)
  const runner = new ProjectionRunner(store, readModels, [trail()], silent, { parallelReplay: replay })
  await runner.rebuild('trail')
  t.same(await readModels.list('trail', 'trail:'), before, 'the same documents as replaying in log order')
  t.same(await readModels.checkpoint('trail'), { position: await store.headPosition(), version: 1 })
  const folded: string[] = []
  await replay.replay('threads', ['Tick'], await store.headPosition(), async documents => { for (const doc of documents.values()) folded.push(doc ?? '') })
  const ids = new Set(folded.map(doc => (JSON.parse(doc) as { thread: number }).thread))
  t.equal(folded.length, 9, 'every stream folded once')
  t.equal(ids.size, 3, 'on three threads')
  t.notOk(ids.has(threadId), 'none of them this one')
  await close()
})

t.test('when the parallel replay fails, the rebuild runs on this thread instead', async t => {
  const dir = t.testdir()
  const { store, readModels, close } = open(dir)
  await ticks(store, 4, 6)
  const inOrder = new ProjectionRunner(store, readModels, [trail()], silent)
  await inOrder.catchUpAll()
  const before = await readModels.list('trail', 'trail:')
  const broken = new SqliteParallelReplay(join(dir, 'runner.sqlite'), store, { url: fixtures, exportName: 'noSuchExport' })
  const warnings: string[] = []
  const log = pino({ level: 'warn' }, { write: (line: string) => { warnings.push(line) } })
  const runner = new ProjectionRunner(store, readModels, [trail()], log, { parallelReplay: broken })
  await runner.rebuild('trail')
  t.match(warnings.join(''), /parallel replay failed/, 'says so in the log')
  t.same(await readModels.list('trail', 'trail:'), before)
  await close()
})

t.test('starting from nothing on a long log, a projection that follows streams replays by stream first', async t => {
  const { store, readModels, close } = open(t.testdir())
  const last = await ticks(store, 5, 8)
  let pages = 0
  const counting = wrap(store, {
    readByStream: async (...args: Parameters<typeof store.readByStream>) => { pages++; return store.readByStream(...args) }
  })
  const runner = new ProjectionRunner(counting, readModels, [trail()], silent, { replayFrom: 10, batchSize: 7 })
  await runner.start()
  await runner.waitFor(last)
  t.ok(pages > 0, `replayed by stream (${pages} pages)`)
  const positions = (await store.readStream('s-2')).map(e => e.position)
  t.same(await runner.get('trail', 'trail:s-2'), { seen: positions })
  const next = (await store.append('s-2', [{ id: 'after-replay', type: 'Tick', data: {} }])).position
  await runner.waitFor(next)
  t.same(await runner.get('trail', 'trail:s-2'), { seen: [...positions, next] }, 'then it follows the log')
  await runner.stop()
  await close()
})

t.test('a read during a replay by stream does not leave a stale document behind', async t => {
  const { store, readModels, close } = open(t.testdir())
  const last = await ticks(store, 3, 6)
  let release: () => void = () => {}
  const gate = new Promise<void>(resolve => { release = resolve })
  let first = true
  const slow = wrap(store, {
    readByStream: async (...args: Parameters<typeof store.readByStream>) => {
      if (first) { first = false; await gate }
      return store.readByStream(...args)
    }
  })
  const runner = new ProjectionRunner(slow, readModels, [trail()], silent, { replayFrom: 1 })
  await runner.start()
  t.equal(await runner.get('trail', 'trail:s-1'), undefined, 'read while the replay has not got to it')
  release()
  await runner.waitFor(last)
  const next = (await store.append('s-1', [{ id: 'after-read', type: 'Tick', data: {} }])).position
  await runner.waitFor(next)
  const positions = (await store.readStream('s-1')).map(e => e.position)
  t.same(await runner.get('trail', 'trail:s-1'), { seen: positions }, 'the live event evolved the replayed document')
  await runner.stop()
  await close()
})

t.test('a follower reads what the leader stored, follows its checkpoints, and takes over when started', async t => {
  const { store, readModels, close } = open(t.testdir())
  t.teardown(close)
  const leader = new ProjectionRunner(store, readModels, [counter()], silent, { commitIntervalMs: 20 })
  const follower = new ProjectionRunner(store, readModels, [counter()], silent)
  await leader.start()
  await follower.follow(10)
  t.equal(follower.role, 'follower')
  t.equal(leader.role, 'leader')
  const position = await ticks(store, 2, 3)
  await follower.waitFor(position, { timeoutMs: 5000 })
  t.same(await follower.get('counter', 'count:s-0'), { n: 3 }, 'what the leader stored')
  t.same((await follower.list('counter', 'count:')).map(r => r.key), ['count:s-0', 'count:s-1'])
  // The follower never caches: the next stored change is what it reads.
  const next = await ticks(store, 1, 1)
  await follower.waitFor(next, { timeoutMs: 5000 })
  t.same(await follower.get('counter', 'count:s-0'), { n: 4 }, 'no stale copy')

  await leader.stop()
  await follower.start()
  t.equal(follower.role, 'leader', 'started: it runs the projection itself')
  const after = await ticks(store, 2, 1)
  await follower.waitFor(after, { timeoutMs: 5000 })
  t.same(await follower.get('counter', 'count:s-1'), { n: 4 }, 'from where the stored checkpoint was, nothing twice')
  await follower.stop()
})
