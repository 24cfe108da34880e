import t from 'tap'
import { DocumentCache } from '../../src/projections/document-cache.ts'

t.test('keeps at most its capacity, drops the least recently used first', async t => {
  const cache = new DocumentCache(4)
  for (const key of ['a', 'b', 'c', 'd']) cache.set(key, key.toUpperCase())
  t.same(cache.get('a'), { doc: 'A' }, 'read again: a is recent now')
  for (const key of ['e', 'f']) cache.set(key, key.toUpperCase())
  const kept = ['a', 'b', 'c', 'd', 'e', 'f'].filter(key => cache.get(key) !== undefined)
  t.ok(kept.length <= 4, `kept ${kept.join(',')}`)
  t.ok(kept.includes('a') && kept.includes('f'), 'the recently used stay')
  t.notOk(kept.includes('b'), 'the least recently used went')
})

t.test('a newer document replaces the one kept, in either generation', async t => {
  const cache = new DocumentCache(4)
  cache.set('a', 1)
  cache.set('b', 1)
  cache.set('c', 1) // rotates: a and b are old now
  cache.set('a', 2)
  t.same(cache.get('a'), { doc: 2 })
  cache.set('d', 1)
  cache.set('e', 1)
  t.same(cache.get('a'), { doc: 2 }, 'never the stale version')
  cache.set('gone', undefined)
  t.same(cache.get('gone'), { doc: undefined }, 'known absent is remembered')
  cache.clear()
  t.equal(cache.get('a'), undefined)
})
