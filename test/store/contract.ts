// The event-store contract. Every adapter runs this very suite:
//   eventStoreContract(t, () => openMyStore())
// A factory returns a fresh, empty store each time it is called.
import type { Test } from 'tap'
import { randomUUID } from 'node:crypto'
import {
  EventIdConflictError, WrongExpectedRevisionError,
  type EventStore, type EventToAppend, type RecordedEvent
} from '../../src/store/event-store.ts'

export type StoreFactory = () => Promise<{ store: EventStore, cleanup?: () => Promise<void> }>

const ev = (type = 'Thing', data: unknown = {}, metadata: Record<string, unknown> = {}): EventToAppend =>
  ({ id: randomUUID(), type, data, metadata })

export function eventStoreContract (t: Test, factory: StoreFactory): void {
  const withStore = (name: string, fn: (t: Test, store: EventStore) => Promise<void>): void => {
    t.test(name, async t => {
      const { store, cleanup } = await factory()
      try { await fn(t, store) } finally { await store.close(); await cleanup?.() }
    })
  }

  withStore('the first event of a stream has revision 0, and revisions count up by one', async (t, store) => {
    const a = await store.append('s-1', [ev()], { expectedRevision: 'no-stream' })
    t.equal(a.revision, 0)
    const b = await store.append('s-1', [ev(), ev()], { expectedRevision: 0 })
    t.equal(b.revision, 2)
    t.ok(b.position > a.position, 'global position grows')
    const events = await store.readStream('s-1')
    t.same(events.map(e => e.revision), [0, 1, 2])
    t.equal(await store.streamRevision('s-1'), 2)
    t.equal(await store.streamRevision('missing'), -1)
  })

  withStore('data, metadata, type and id come back as they were written', async (t, store) => {
    const e = ev('LearnerRegistered', { name: 'Zoë « » 😀', n: 1.5, list: [1, null, 'x'] }, { accountId: 'acc_1', occurredAt: '2026-01-02T03:04:05.000Z' })
    await store.append('learner-1', [e])
    const [read] = await store.readStream('learner-1')
    t.equal(read?.id, e.id)
    t.equal(read?.type, 'LearnerRegistered')
    t.same(read?.data, e.data)
    t.same(read?.metadata, e.metadata)
    t.equal(read?.streamId, 'learner-1')
    t.type(read?.recordedAt, 'number')
  })

  withStore('expected revision: a mismatch is a conflict and writes nothing', async (t, store) => {
    await t.rejects(store.append('s', [ev()], { expectedRevision: 'exists' }), WrongExpectedRevisionError)
    await t.rejects(store.append('s', [ev()], { expectedRevision: 0 }), WrongExpectedRevisionError)
    await store.append('s', [ev()], { expectedRevision: 'no-stream' })
    await t.rejects(store.append('s', [ev()], { expectedRevision: 'no-stream' }), WrongExpectedRevisionError)
    await t.rejects(store.append('s', [ev()], { expectedRevision: 5 }), WrongExpectedRevisionError)
    await store.append('s', [ev()], { expectedRevision: 'exists' })
    await store.append('s', [ev()], { expectedRevision: 'any' })
    await store.append('s', [ev()], { expectedRevision: 2 })
    t.equal((await store.readStream('s')).length, 4)
    const conflict = await store.append('s', [ev()], { expectedRevision: 1 }).catch(e => e)
    t.ok(conflict instanceof WrongExpectedRevisionError)
    t.equal(conflict.actual, 3)
  })

  withStore('appending the same event id again is a no-op that returns the original position', async (t, store) => {
    const e1 = ev(); const e2 = ev()
    const first = await store.append('s', [e1, e2], { expectedRevision: 'no-stream' })
    const again = await store.append('s', [e1, e2], { expectedRevision: 'no-stream' })
    t.equal(again.position, first.position)
    t.equal(again.revision, first.revision)
    t.equal(again.duplicate, true)
    t.equal(first.duplicate, false)
    t.equal((await store.readAll()).length, 2)
  })

  withStore('a retried batch with some new ids appends only the new ones', async (t, store) => {
    const e1 = ev(); const e2 = ev()
    await store.append('s', [e1], { expectedRevision: 'any' })
    const r = await store.append('s', [e1, e2], { expectedRevision: 'any' })
    t.equal(r.revision, 1)
    t.same((await store.readStream('s')).map(e => e.id), [e1.id, e2.id])
  })

  withStore('a repeat found late in a batch undoes only that batch\'s first try, not its neighbours\'', async (t, store) => {
    const old = ev('Old')
    await store.append('s', [old])
    const [a, b, c] = await Promise.all([
      store.append('x', [ev('X')]),
      store.append('s', [ev('New1'), ev('New2'), old]),
      store.append('y', [ev('Y1'), ev('Y2')])
    ])
    t.equal(a?.duplicate, false)
    t.equal(b?.revision, 2, 'the two new events follow the old one')
    t.equal(c?.revision, 1)
    t.same((await store.readStream('s')).map(e => e.type), ['Old', 'New1', 'New2'])
    t.same((await store.readAll()).map(e => e.type).sort(), ['New1', 'New2', 'Old', 'X', 'Y1', 'Y2'])
    const repeated = ev('Twice')
    await store.append('z', [repeated, repeated])
    t.same((await store.readStream('z')).map(e => e.type), ['Twice'], 'an id repeated within one append is written once')
  })

  withStore('an event id already used in another stream is refused', async (t, store) => {
    const e = ev()
    await store.append('a', [e])
    await t.rejects(store.append('b', [e]), EventIdConflictError)
    t.equal(await store.streamRevision('b'), -1)
  })

  withStore('readStream reads forwards, backwards, from a revision, up to a count', async (t, store) => {
    await store.append('s', [ev(), ev(), ev(), ev(), ev()])
    await store.append('other', [ev()])
    t.same((await store.readStream('s', { fromRevision: 2 })).map(e => e.revision), [2, 3, 4])
    t.same((await store.readStream('s', { maxCount: 2 })).map(e => e.revision), [0, 1])
    t.same((await store.readStream('s', { direction: 'backwards', maxCount: 2 })).map(e => e.revision), [4, 3])
    t.same((await store.readStream('s', { direction: 'backwards', fromRevision: 1 })).map(e => e.revision), [1, 0])
    t.same(await store.readStream('nothing-here'), [])
  })

  withStore('readAll returns every stream in global order after an exclusive position', async (t, store) => {
    await store.append('a', [ev('A1')])
    await store.append('b', [ev('B1')])
    await store.append('a', [ev('A2')])
    const all = await store.readAll()
    t.same(all.map(e => e.type), ['A1', 'B1', 'A2'])
    const positions = all.map(e => e.position)
    t.same([...positions].sort((x, y) => x - y), positions, 'ascending')
    const rest = await store.readAll({ after: positions[0] })
    t.same(rest.map(e => e.type), ['B1', 'A2'])
    t.same((await store.readAll({ after: 0, maxCount: 1 })).map(e => e.type), ['A1'])
    t.equal(await store.headPosition(), positions[2])
  })

  withStore('readByStream: matching events up to a position, each stream together and in order, page by page', async (t, store) => {
    for (let i = 0; i < 6; i++) {
      for (const s of ['b', 'a-long', 'c', 'a']) await store.append(s, [ev(i % 3 === 2 ? 'Other' : 'Wanted', { s, i })])
    }
    const upTo = (await store.readAll({ maxCount: 20 }))[19]?.position ?? 0
    const expected = (await store.readAll({ maxCount: 1000 })).filter(e => e.type === 'Wanted' && e.position <= upTo)
    const read: RecordedEvent[] = []
    let after: { streamId: string, revision: number } | undefined
    for (;;) {
      const page = await store.readByStream({ types: ['Wanted'], upTo, maxCount: 3, ...(after === undefined ? {} : { after }) })
      if (page.length === 0) break
      read.push(...page)
      const last = page[page.length - 1] as RecordedEvent
      after = { streamId: last.streamId, revision: last.revision }
    }
    t.same(read.map(e => e.id).sort(), expected.map(e => e.id).sort(), 'every matching event up to the position, once')
    const streams = read.map(e => e.streamId).filter((s, i, all) => i === 0 || all[i - 1] !== s)
    t.equal(new Set(streams).size, streams.length, 'each stream\'s events come together')
    for (const s of new Set(streams)) {
      const revisions = read.filter(e => e.streamId === s).map(e => e.revision)
      t.same(revisions, [...revisions].sort((x, y) => x - y), `stream ${s} in revision order`)
    }
    const [first] = await store.readByStream({ types: ['Wanted'], upTo, maxCount: 1 })
    const original = expected.find(e => e.id === first?.id)
    t.same(first?.metadata, original?.metadata, 'metadata as written')
    t.same(first?.data, original?.data, 'data as written')
    t.same(await store.readByStream({ types: ['Nothing'], upTo }), [], 'no type matches: nothing')
    const bounded = await store.readByStream({ types: ['Wanted'], upTo, beforeStream: 'b' })
    t.same([...new Set(bounded.map(e => e.streamId))].sort(), ['a', 'a-long'], 'beforeStream: only streams sorting before it')
    const from = await store.readByStream({ types: ['Wanted'], upTo, after: { streamId: 'b', revision: -1 } })
    t.same([...new Set(from.map(e => e.streamId))].sort(), ['b', 'c'], 'after a stream at revision -1: that stream and those after it')
  })

  withStore('an empty log has head position 0 and reads as empty', async (t, store) => {
    t.equal(await store.headPosition(), 0)
    t.same(await store.readAll(), [])
  })

  withStore('concurrent appends with the same expected revision: exactly one wins', async (t, store) => {
    await store.append('s', [ev()])
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => store.append('s', [ev()], { expectedRevision: 0 })))
    t.equal(results.filter(r => r.status === 'fulfilled').length, 1)
    for (const r of results) if (r.status === 'rejected') t.ok(r.reason instanceof WrongExpectedRevisionError)
    t.equal(await store.streamRevision('s'), 1)
  })

  withStore('many concurrent appends to different streams all land, with distinct ordered positions', async (t, store) => {
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => store.append(`s-${i % 20}`, [ev('X', { i })])))
    const positions = results.map(r => r.position)
    t.equal(new Set(positions).size, 200)
    const all = await store.readAll({ maxCount: 1000 })
    t.equal(all.length, 200)
    for (let i = 0; i < 20; i++) {
      t.same((await store.readStream(`s-${i}`)).map(e => e.revision), Array.from({ length: 10 }, (_, k) => k))
    }
  })

  withStore('recorded times never go backwards in log order', async (t, store) => {
    for (let i = 0; i < 20; i++) await store.append(`s-${i % 3}`, [ev()])
    const all = await store.readAll()
    for (let i = 1; i < all.length; i++) t.ok((all[i]?.recordedAt ?? 0) >= (all[i - 1]?.recordedAt ?? 0))
  })

  withStore('a subscription catches up, then delivers live appends in order, until aborted', async (t, store) => {
    await store.append('a', [ev('E0'), ev('E1')])
    const abort = new AbortController()
    const seen: RecordedEvent[] = []
    const done = (async () => {
      for await (const batch of store.subscribe({ after: 0, signal: abort.signal, maxCount: 2 })) {
        seen.push(...batch)
        if (seen.length >= 5) abort.abort()
      }
    })()
    await store.append('b', [ev('E2')])
    await new Promise(resolve => setTimeout(resolve, 20))
    await store.append('a', [ev('E3'), ev('E4')])
    await done
    t.same(seen.map(e => e.type), ['E0', 'E1', 'E2', 'E3', 'E4'])
  })

  withStore('a subscription from a position skips what came before', async (t, store) => {
    const first = await store.append('a', [ev('Old')])
    await store.append('a', [ev('New')])
    const abort = new AbortController()
    const seen: string[] = []
    for await (const batch of store.subscribe({ after: first.position, signal: abort.signal })) {
      seen.push(...batch.map(e => e.type))
      abort.abort()
    }
    t.same(seen, ['New'])
  })

  withStore('an idle subscription yields an empty batch after idleMs, and only when caught up', async (t, store) => {
    await store.append('a', [ev('E0'), ev('E1'), ev('E2')])
    const abort = new AbortController()
    const batches: string[][] = []
    for await (const batch of store.subscribe({ after: 0, signal: abort.signal, maxCount: 2, idleMs: 20 })) {
      batches.push(batch.map(e => e.type))
      if (batch.length === 0) abort.abort()
    }
    t.same(batches, [['E0', 'E1'], ['E2'], []], 'the empty batch comes after the backlog')
  })

  withStore('many subscriptions at once each see every event exactly once, in order', async (t, store) => {
    const abort = new AbortController()
    const total = 60
    const follow = async (): Promise<number[]> => {
      const seen: number[] = []
      for await (const batch of store.subscribe({ after: 0, signal: abort.signal, maxCount: 7, lingerMs: 1 })) {
        seen.push(...batch.map(e => e.position))
        if (seen.length >= total) break
      }
      return seen
    }
    const followers = Array.from({ length: 4 }, follow)
    const positions: number[] = []
    for (let i = 0; i < total; i += 3) {
      const appended = await Promise.all([0, 1, 2].map(k => store.append(`s-${k}`, [ev('E', { i: i + k })])))
      positions.push(...appended.map(a => a.position))
      if (i % 9 === 0) await new Promise(resolve => setTimeout(resolve, 2))
    }
    const seen = await Promise.all(followers)
    abort.abort()
    positions.sort((a, b) => a - b)
    for (const [i, s] of seen.entries()) t.same(s, positions, `subscriber ${i}`)
  })
}
