import t from 'tap'
import fc from 'fast-check'
import type { ConceptState } from '../../../src/domain/mastery/engine.ts'
import { fnv1a, selectMomentActivities, type Candidate } from '../../../src/domain/mastery/moment-selection.ts'

const HOUR = 60 * 60 * 1000
const DAY = 24 * HOUR
const T0 = Date.UTC(2025, 2, 3, 9)

function practised (level: number, ago: number): ConceptState {
  return { level, practicedAt: T0 - ago, increasedAt: T0 - ago, answers: 3 }
}

// One learner, six concepts, each in a different situation as of T0.
const states: Record<string, ConceptState> = {
  dueLow: practised(1, 1.5 * DAY), //  Novice, wait over, goal 3: a correct answer raises it
  waiting: practised(2, HOUR), //      Aware, just raised, goal 3: inside its 2-day wait
  fading: practised(4, 5 * DAY), //    Proficient, idle 5 days, goal 3: forgetting has begun
  kept: practised(3.5, HOUR), //       above its goal 3 and fresh
  stray: practised(1, 3 * DAY) //      in no profile of this moment
}
const goals = new Map([['unknown', 2], ['dueLow', 3], ['waiting', 3], ['fading', 3], ['kept', 3]])
const oneEach: Candidate[] = ['stray', 'kept', 'waiting', 'fading', 'dueLow', 'unknown'].map((conceptId) => ({ activityId: `${conceptId}-1`, conceptId }))

function select (candidates: readonly Candidate[], size: number, extra: { seed?: string, recentlySeen?: ReadonlySet<string> } = {}): string[] {
  return selectMomentActivities({ candidates, goals, states, at: T0, size, seed: extra.seed ?? 'moment-1', recentlySeen: extra.recentlySeen })
}

function activities (conceptId: string, count: number): Candidate[] {
  return Array.from({ length: count }, (_, i) => ({ activityId: `${conceptId}-${i + 1}`, conceptId }))
}

t.test('concepts that a correct answer would raise come first, the furthest behind first', async (t) => {
  t.strictSame(select(oneEach, 2), ['unknown-1', 'dueLow-1'])
})

t.test('then fading concepts, then those waiting out their spacing, then those already at goal', async (t) => {
  t.strictSame(select(oneEach, 6), ['unknown-1', 'dueLow-1', 'fading-1', 'waiting-1', 'kept-1', 'stray-1'])
})

t.test('a moment spreads over concepts round-robin instead of drilling one', async (t) => {
  const candidates = [...activities('kept', 3), ...activities('dueLow', 3)]
  const picked = select(candidates, 5)
  t.strictSame(picked.map((id) => id.split('-')[0]), ['dueLow', 'kept', 'dueLow', 'kept', 'dueLow'])
  t.equal(new Set(picked).size, 5)
})

t.test('recently seen activities are avoided while others remain', async (t) => {
  const candidates = [...activities('dueLow', 2), ...activities('kept', 1)]
  const recentlySeen = new Set(['dueLow-1', 'dueLow-2'])
  t.strictSame(select(candidates, 1, { recentlySeen }), ['kept-1'], 'an unseen activity of a lower concept beats a repeat')
  t.strictSame(select(candidates, 3, { recentlySeen }).slice(0, 1), ['kept-1'])
  t.strictSame(new Set(select(candidates, 3, { recentlySeen })), new Set(['kept-1', 'dueLow-1', 'dueLow-2']), 'repeats fill up when nothing else is left')
})

t.test('the same seed gives the same moment; another seed may pick other activities', async (t) => {
  const candidates = activities('dueLow', 12)
  t.strictSame(select(candidates, 3, { seed: 'a' }), select(candidates, 3, { seed: 'a' }))
  const firstPicks = new Set(Array.from({ length: 20 }, (_, i) => select(candidates, 1, { seed: `seed-${i}` })[0]))
  t.ok(firstPicks.size > 1, `${firstPicks.size} different first activities over 20 seeds`)
})

t.test('the candidates\' order does not change the moment', async (t) => {
  const candidates = [...activities('dueLow', 4), ...activities('fading', 4), ...activities('kept', 4)]
  t.strictSame(select([...candidates].reverse(), 7), select(candidates, 7))
})

t.test('no candidates or no room gives an empty moment; never more than asked, never twice the same', async (t) => {
  t.strictSame(select([], 5), [])
  t.strictSame(select(oneEach, 0), [])
  t.strictSame(select(oneEach, -3), [])
  t.strictSame(select([...oneEach, ...oneEach], 20).length, 6)
})

t.test('FNV-1a matches its published test vectors', async (t) => {
  t.equal(fnv1a(''), 0x811c9dc5)
  t.equal(fnv1a('a'), 0xe40c292c)
  t.equal(fnv1a('foobar'), 0xbf9cf968)
})

const conceptIds = ['c1', 'c2', 'c3', 'c4']
const selectionInput = fc.record({
  candidates: fc.array(fc.record({ activityId: fc.constantFrom(...Array.from({ length: 15 }, (_, i) => `x${i}`)), conceptId: fc.constantFrom(...conceptIds) }), { maxLength: 25 }),
  goalList: fc.array(fc.tuple(fc.constantFrom(...conceptIds), fc.integer({ min: 1, max: 5 })), { maxLength: 4 }),
  states: fc.dictionary(fc.constantFrom(...conceptIds), fc.record({
    level: fc.double({ min: 0, max: 5, noNaN: true }),
    practicedAt: fc.integer({ min: T0 - 40 * DAY, max: T0 }),
    increasedAt: fc.option(fc.integer({ min: T0 - 40 * DAY, max: T0 }), { nil: null }),
    answers: fc.nat({ max: 50 })
  })),
  size: fc.integer({ min: -1, max: 12 }),
  seed: fc.string({ maxLength: 8 }),
  seen: fc.array(fc.constantFrom(...Array.from({ length: 15 }, (_, i) => `x${i}`)), { maxLength: 8 })
})

t.test('PROPERTY a moment is deterministic, distinct, drawn from the candidates and exactly as large as possible', async (t) => {
  fc.assert(fc.property(selectionInput, ({ candidates, goalList, states, size, seed, seen }) => {
    const input = { candidates, goals: new Map(goalList), states, at: T0, size, seed, recentlySeen: new Set(seen) }
    const picked = selectMomentActivities(input)
    const available = new Set(candidates.map((c) => c.activityId))
    const unseen = [...available].filter((id) => !seen.includes(id))
    const usedARepeat = picked.some((id) => seen.includes(id))
    return JSON.stringify(picked) === JSON.stringify(selectMomentActivities(input)) &&
      new Set(picked).size === picked.length &&
      picked.every((id) => available.has(id)) &&
      picked.length === Math.min(Math.max(0, size), available.size) &&
      (!usedARepeat || unseen.every((id) => picked.includes(id)))
  }), { numRuns: 400 })
  t.pass()
})
