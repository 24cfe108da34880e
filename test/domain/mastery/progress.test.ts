import t from 'tap'
import fc from 'fast-check'
import type { ConceptState } from '../../../src/domain/mastery/engine.ts'
import { profileProgress, type ConceptGoal } from '../../../src/domain/mastery/progress.ts'

const DAY = 24 * 60 * 60 * 1000
const T0 = Date.UTC(2025, 2, 3, 9)

function state (level: number, practicedAt: number = T0): ConceptState {
  return { level, practicedAt, increasedAt: practicedAt, answers: 1 }
}

t.test('a profile with no concepts has no progress and is not mastered', async (t) => {
  t.strictSame(profileProgress([], { a: state(5) }, T0), { progress: 0, mastered: false, concepts: [] })
})

t.test('progress is the mean over concepts of min(level, goal) ÷ goal', async (t) => {
  const result = profileProgress(
    [{ conceptId: 'a', goal: 2 }, { conceptId: 'b', goal: 4 }, { conceptId: 'c', goal: 3 }],
    { a: state(3), b: state(1) },
    T0
  )
  // a: above its goal counts as 1 (no credit beyond the goal); b: 1/4; c: never practised, 0.
  t.equal(result.progress, (1 + 0.25 + 0) / 3)
  t.equal(result.mastered, false)
  t.strictSame(result.concepts, [
    { conceptId: 'a', level: 3, goal: 2, mastered: true },
    { conceptId: 'b', level: 1, goal: 4, mastered: false },
    { conceptId: 'c', level: 0, goal: 3, mastered: false }
  ])
})

t.test('a profile is mastered when every concept is at or above its goal', async (t) => {
  const result = profileProgress([{ conceptId: 'a', goal: 2 }, { conceptId: 'b', goal: 3 }], { a: state(2), b: state(4.5) }, T0)
  t.equal(result.mastered, true)
  t.equal(result.progress, 1)
})

t.test('progress is measured with the levels forgetting has left as of the instant asked', async (t) => {
  const goals: ConceptGoal[] = [{ conceptId: 'a', goal: 3 }]
  const states = { a: state(3) }
  t.equal(profileProgress(goals, states, T0 + 2 * DAY).mastered, true, 'within the grace period')
  const later = profileProgress(goals, states, T0 + 2 * DAY + 15.75 * DAY)
  t.equal(later.mastered, false, 'a Competent concept left alone for two and a half weeks')
  t.ok(Math.abs(later.progress - 0.5) < 1e-9, 'has halved')
})

t.test('a level a rounding error short of the goal still counts as reaching it', async (t) => {
  const result = profileProgress([{ conceptId: 'a', goal: 3 }], { a: state(3 - 1e-12) }, T0)
  t.equal(result.mastered, true)
  t.equal(result.progress, 1)
})

t.test('goals outside 1..5 are clamped rather than dividing by zero', async (t) => {
  const result = profileProgress([{ conceptId: 'a', goal: 0 }, { conceptId: 'b', goal: 9 }], { a: state(0.5), b: state(5) }, T0)
  t.strictSame(result.concepts.map((c) => c.goal), [1, 5])
  t.equal(result.progress, (0.5 + 1) / 2)
})

t.test('a concept id like "constructor" is not found on Object.prototype', async (t) => {
  t.equal(profileProgress([{ conceptId: 'constructor', goal: 1 }], {}, T0).progress, 0)
})

const goalsAndStates = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { maxLength: 6 }).chain((ids) => fc.record({
  goals: fc.tuple(...ids.map((conceptId) => fc.record({ conceptId: fc.constant(conceptId), goal: fc.integer({ min: 1, max: 5 }) }))),
  states: fc.dictionary(fc.constantFrom(...ids, 'unrelated'), fc.record({
    level: fc.double({ min: 0, max: 5, noNaN: true }),
    practicedAt: fc.integer({ min: T0 - 90 * DAY, max: T0 }),
    increasedAt: fc.constant(null),
    answers: fc.nat({ max: 99 })
  }))
}))

t.test('PROPERTY progress lies in 0..1 and a profile is mastered exactly when every concept reached its goal', async (t) => {
  fc.assert(fc.property(goalsAndStates, fc.nat({ max: 90 * DAY }), ({ goals, states }, later) => {
    const result = profileProgress(goals, states, T0 + later)
    const allReached = result.concepts.length > 0 && result.concepts.every((c) => c.level >= c.goal - 1e-9)
    return result.progress >= 0 && result.progress <= 1 &&
      result.mastered === allReached &&
      result.concepts.every((c) => c.mastered === (c.level >= c.goal - 1e-9)) &&
      (!result.mastered || result.progress === 1)
  }), { numRuns: 400 })
  t.pass()
})

t.test('PROPERTY without practice, progress never grows', async (t) => {
  fc.assert(fc.property(goalsAndStates, fc.nat({ max: 90 * DAY }), fc.nat({ max: 90 * DAY }), ({ goals, states }, d1, d2) =>
    profileProgress(goals, states, T0 + Math.max(d1, d2)).progress <= profileProgress(goals, states, T0 + Math.min(d1, d2)).progress + 1e-12
  ), { numRuns: 300 })
  t.pass()
})
