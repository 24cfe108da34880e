import t from 'tap'
import fc from 'fast-check'
import {
  applyAnswer, correctGain, initialConceptState, isDue, levelAt, nextIncreaseAt,
  type Answer, type ConceptState
} from '../../../src/domain/mastery/engine.ts'
import { defaultMasteryParams } from '../../../src/domain/mastery/params.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const T0 = Date.UTC(2025, 2, 3, 9) // Monday 3 March 2025, 09:00 UTC
const EPSILON = 1e-9

function answer (occurredAt: number, correct = true, responseMs = 3_000, conceptId = 'fractions'): Answer {
  return { conceptId, occurredAt, correct, responseMs }
}

function state (level: number, practicedAt: number | null = T0, increasedAt: number | null = practicedAt): ConceptState {
  return { level, practicedAt, increasedAt, answers: 1 }
}

function replay (answers: readonly Answer[], from: ConceptState = initialConceptState): ConceptState {
  return answers.reduce((s, a) => applyAnswer(s, a), from)
}

/** Asserts two levels agree to a micro-level: real-valued arithmetic, exact intent. */
function near (t: { ok: (ok: boolean, message: string) => unknown }, actual: number, expected: number, message: string): void {
  t.ok(Math.abs(actual - expected) <= 1e-6, `${message} (expected ${expected}, got ${actual})`)
}

t.test('a concept never practised is Unknown', async (t) => {
  t.strictSame(initialConceptState, { level: 0, practicedAt: null, increasedAt: null, answers: 0 })
  t.equal(levelAt(initialConceptState, T0 + 100 * DAY), 0)
  t.equal(nextIncreaseAt(initialConceptState), null)
  t.ok(isDue(initialConceptState, T0))
})

t.test('a correct answer raises the level, more for quicker answers', async (t) => {
  t.equal(correctGain(0), 0.5, 'instant answer: full gain')
  t.equal(correctGain(4_000), 0.5, 'up to 4 s: full gain')
  near(t, correctGain(17_000), 0.375, 'half-way between 4 s and 30 s: three quarters of the gain')
  t.equal(correctGain(30_000), 0.25, 'at 30 s: the floor, half the gain')
  t.equal(correctGain(300_000), 0.25, 'slower still: never below the floor')
  t.equal(correctGain(Number.NaN), 0.25, 'no usable timing counts as slow')
  t.equal(applyAnswer(initialConceptState, answer(T0, true, 2_000)).level, 0.5)
  t.equal(applyAnswer(initialConceptState, answer(T0, true, 45_000)).level, 0.25)
})

t.test('a wrong answer lowers the level by a quarter, never below Unknown', async (t) => {
  t.equal(applyAnswer(state(1.5), answer(T0 + HOUR, false)).level, 1.25)
  t.equal(applyAnswer(state(0.1), answer(T0 + HOUR, false)).level, 0)
  t.equal(applyAnswer(initialConceptState, answer(T0, false)).level, 0)
})

t.test('every answer is counted and restarts the forgetting clock', async (t) => {
  const after = replay([answer(T0), answer(T0 + MINUTE, false), answer(T0 + 2 * MINUTE)])
  t.equal(after.answers, 3)
  t.equal(after.practicedAt, T0 + 2 * MINUTE)
  t.equal(after.increasedAt, T0 + 2 * MINUTE, 'the last answer raised 0.25 back to 0.75')
})

t.test('a first session can reach Novice but no further', async (t) => {
  const session = Array.from({ length: 10 }, (_, i) => answer(T0 + i * MINUTE))
  const after = replay(session)
  t.equal(after.level, 1, 'two quick answers reach Novice; the other eight earn nothing')
  t.equal(after.increasedAt, T0 + MINUTE)
  t.equal(nextIncreaseAt(after), T0 + MINUTE + DAY, 'the next step waits a day')
})

t.test('the spacing wait doubles per level: 1 d at Novice, 2 d at Aware, 4 d at Competent, 8 d at Proficient', async (t) => {
  // Each learner kept practising inside the wait, so nothing was forgotten meanwhile.
  t.equal(nextIncreaseAt(state(1, T0 + HOUR, T0)), T0 + DAY)
  t.equal(nextIncreaseAt(state(2, T0 + DAY, T0)), T0 + 2 * DAY)
  t.equal(nextIncreaseAt(state(3, T0 + 3 * DAY, T0)), T0 + 4 * DAY)
  t.equal(nextIncreaseAt(state(4, T0 + 7 * DAY, T0)), T0 + 8 * DAY)
  t.equal(nextIncreaseAt(state(1.5)), Math.ceil(T0 + Math.SQRT2 * DAY), 'real-valued levels wait in between')
  t.equal(nextIncreaseAt(state(0.9)), null, 'below Novice a gain is possible any time')
})

t.test('an idle learner\'s wait ends a little earlier, because the level it is measured at fades', async (t) => {
  const idle = state(3)
  const next = nextIncreaseAt(idle)
  t.ok(next !== null && next > T0 + 3 * DAY && next < T0 + 4 * DAY, `ends between day 3 and 4 (${next})`)
  t.ok(next !== null && isDue(idle, next) && !isDue(idle, next - 1))
})

t.test('a correct answer is due exactly when the wait is over', async (t) => {
  const novice = state(1)
  t.notOk(isDue(novice, T0 + DAY - 1))
  t.ok(isDue(novice, T0 + DAY))
  t.equal(applyAnswer(novice, answer(T0 + DAY - 1)).level, 1, 'one millisecond early: no gain')
  t.equal(applyAnswer(novice, answer(T0 + DAY)).level, 1.5, 'on time: the full gain')
})

t.test('a correct answer during the spacing wait gives no gain but stops forgetting', async (t) => {
  const competent = state(3)
  const practisedInWait = applyAnswer(competent, answer(T0 + 1.5 * DAY))
  t.equal(practisedInWait.level, 3, 'no gain inside the 4-day wait')
  t.equal(practisedInWait.increasedAt, T0, 'the wait still runs from the last increase')
  t.equal(practisedInWait.practicedAt, T0 + 1.5 * DAY, 'but the forgetting clock restarts')
  t.ok(levelAt(competent, T0 + 3 * DAY) < 3, 'left alone, the level fades after two days')
  t.equal(levelAt(practisedInWait, T0 + 3 * DAY), 3, 'practised, it is still intact')
})

t.test('a wrong answer during the wait shortens it to the wait of the lower level', async (t) => {
  const aware = state(2)
  const slipped = applyAnswer(aware, answer(T0 + HOUR, false))
  t.equal(slipped.level, 1.75)
  t.equal(nextIncreaseAt(slipped), Math.ceil(T0 + Math.pow(2, 0.75) * DAY))
})

t.test('idle concepts keep their level for two days, then halve on a weekly scale', async (t) => {
  t.equal(levelAt(state(1), T0 + 2 * DAY), 1, 'nothing lost within the grace period')
  near(t, levelAt(state(1), T0 + 9 * DAY), 0.5, 'Novice: half-life 7 days after the grace')
  near(t, levelAt(state(2), T0 + 12.5 * DAY), 1, 'Aware: half-life 10.5 days')
  near(t, levelAt(state(3), T0 + 17.75 * DAY), 1.5, 'Competent: half-life 15.75 days')
  near(t, levelAt(state(5), T0 + 2 * DAY + 35.4375 * DAY), 2.5, 'Expert: half-life about 35 days')
  t.equal(levelAt(state(3, T0 + DAY), T0), 3, 'before the last answer there is nothing to decay')
})

t.test('forgetting is applied before the next answer is scored', async (t) => {
  const aware = state(2)
  const late = applyAnswer(aware, answer(T0 + 12.5 * DAY, false))
  near(t, late.level, 0.75, 'decayed to 1, then the wrong answer takes a quarter')
  t.equal(late.practicedAt, T0 + 12.5 * DAY)
})

t.test('a concept forgotten below Novice is relearned without waiting', async (t) => {
  const faded = state(1.2, T0, T0)
  const at = T0 + 2 * DAY + 14 * DAY
  t.ok(levelAt(faded, at) < 1)
  t.ok(isDue(faded, at))
  t.ok(applyAnswer(faded, answer(at)).level > levelAt(faded, at))
})

t.test('inside the wait, a slip below Novice can be made good only up to Novice', async (t) => {
  const novice = state(1)
  const slipped = applyAnswer(novice, answer(T0 + HOUR, false))
  t.equal(slipped.level, 0.75)
  t.ok(isDue(slipped, T0 + 2 * HOUR), 'below Novice a correct answer always helps')
  t.equal(applyAnswer(slipped, answer(T0 + 2 * HOUR)).level, 1, 'capped at Novice, not 1.25')
})

t.test('levels never exceed Expert', async (t) => {
  const expert = applyAnswer(state(4.8, T0, T0 - 30 * DAY), answer(T0 + HOUR))
  t.equal(expert.level, 5)
  const still = applyAnswer(state(5, T0, T0 - 30 * DAY), answer(T0 + HOUR))
  t.equal(still.level, 5)
  t.equal(still.increasedAt, T0 - 30 * DAY, 'no increase, so the spacing clock does not restart')
})

// ----- properties -------------------------------------------------------------------------

const answerWithin = (spanMs: number, start = T0): fc.Arbitrary<Answer> => fc.record({
  conceptId: fc.constantFrom('a', 'b'),
  occurredAt: fc.integer({ min: start, max: start + spanMs - 1 }),
  correct: fc.boolean(),
  responseMs: fc.oneof(fc.integer({ min: 0, max: 60_000 }), fc.constantFrom(0, 4_000, 30_000))
})

const anyState: fc.Arbitrary<ConceptState> = fc.record({
  level: fc.double({ min: 0, max: 5, noNaN: true }),
  increasedAt: fc.option(fc.integer({ min: T0 - 60 * DAY, max: T0 }), { nil: null }),
  sincePractice: fc.integer({ min: 0, max: 30 * DAY }),
  answers: fc.nat({ max: 500 })
}).map(({ level, increasedAt, sincePractice, answers }) => ({
  level, increasedAt, answers, practicedAt: (increasedAt ?? T0 - 60 * DAY) + sincePractice
}))

const sortByTime = (answers: readonly Answer[]): Answer[] => [...answers].sort((a, b) => a.occurredAt - b.occurredAt)

/** Folds answers in time order, checking `ok` for every concept's level after every answer and at every instant. */
function levelsWithinDayHold (answers: readonly Answer[], instants: readonly number[], ok: (level: number) => boolean): boolean {
  const byConcept = new Map<string, ConceptState>()
  for (const a of sortByTime(answers)) {
    const next = applyAnswer(byConcept.get(a.conceptId) ?? initialConceptState, a)
    if (!ok(next.level)) return false
    byConcept.set(a.conceptId, next)
  }
  return [...byConcept.values()].every((s) => instants.every((at) => ok(levelAt(s, at))))
}

const oneDayOfAnswers = fc.array(answerWithin(DAY), { minLength: 1, maxLength: 60 })
const instantsWithinDay = fc.array(fc.integer({ min: T0, max: T0 + DAY - 1 }), { minLength: 1, maxLength: 10 })

t.test('PROPERTY no cramming: answers within one day never reach Aware (level 2)', async (t) => {
  fc.assert(fc.property(oneDayOfAnswers, instantsWithinDay, (answers, instants) =>
    levelsWithinDayHold(answers, instants, (level) => level < 2)
  ), { numRuns: 400 })
  t.pass('no sequence of answers within 24 h reached level 2')
})

t.test('PROPERTY stronger still: one day of answers gets a new concept no further than Novice', async (t) => {
  fc.assert(fc.property(oneDayOfAnswers, instantsWithinDay, (answers, instants) =>
    levelsWithinDayHold(answers, instants, (level) => level <= 1)
  ), { numRuns: 200 })
  t.pass()
})

t.test('PROPERTY no cramming at any level: within one day of an increase the level rises no further (beyond Novice)', async (t) => {
  fc.assert(fc.property(
    fc.double({ min: 0, max: 5, noNaN: true }),
    fc.array(answerWithin(DAY), { maxLength: 30 }),
    (level, answers) => {
      const start = state(level, T0, T0)
      return sortByTime(answers).reduce((s, a) => applyAnswer(s, a), start).level <= Math.max(level, 1)
    }
  ), { numRuns: 300 })
  t.pass()
})

t.test('PROPERTY forgetting never raises a level as time passes', async (t) => {
  fc.assert(fc.property(anyState, fc.nat({ max: 400 * DAY }), fc.nat({ max: 400 * DAY }), (s, d1, d2) => {
    const early = T0 + Math.min(d1, d2)
    const late = T0 + Math.max(d1, d2)
    return levelAt(s, late) <= levelAt(s, early)
  }), { numRuns: 500 })
  t.pass()
})

t.test('PROPERTY higher levels fade relatively slower', async (t) => {
  fc.assert(fc.property(
    fc.double({ min: 0.01, max: 5, noNaN: true }), fc.double({ min: 0.01, max: 5, noNaN: true }),
    fc.nat({ max: 200 * DAY }),
    (l1, l2, idle) => {
      const [low, high] = l1 <= l2 ? [l1, l2] : [l2, l1]
      const at = T0 + idle
      return levelAt(state(high), at) / high >= levelAt(state(low), at) / low - EPSILON
    }
  ), { numRuns: 500 })
  t.pass()
})

t.test('PROPERTY wrong answers never raise and correct answers never lower a level', async (t) => {
  fc.assert(fc.property(anyState, fc.nat({ max: 60 * DAY }), fc.nat({ max: 120_000 }), (s, delay, responseMs) => {
    const at = (s.practicedAt ?? T0) + delay
    const before = levelAt(s, at)
    const wrong = applyAnswer(s, answer(at, false, responseMs)).level
    const right = applyAnswer(s, answer(at, true, responseMs)).level
    return wrong <= before && wrong <= s.level && right >= before && wrong >= 0 && right <= defaultMasteryParams.maxLevel
  }), { numRuns: 500 })
  t.pass()
})

t.test('PROPERTY nextIncreaseAt is the first instant a correct answer is due', async (t) => {
  fc.assert(fc.property(anyState, fc.nat({ max: 60 * DAY }), (s, later) => {
    const next = nextIncreaseAt(s)
    const practicedAt = s.practicedAt ?? T0
    if (next === null) return isDue(s, practicedAt + later)
    return isDue(s, next) && isDue(s, next + later) && !isDue(s, next - 1)
  }), { numRuns: 500 })
  t.pass()
})

t.test('PROPERTY a slower correct answer never gains more than a quicker one', async (t) => {
  fc.assert(fc.property(fc.nat({ max: 120_000 }), fc.nat({ max: 120_000 }), (a, b) =>
    correctGain(Math.max(a, b)) <= correctGain(Math.min(a, b))
  ), { numRuns: 300 })
  t.pass()
})
