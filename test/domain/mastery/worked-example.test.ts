// The worked example of docs/mastery.md, replayed: if the model changes, the docs must too.
import t from 'tap'
import { applyAnswer, initialConceptState, levelAt, nextIncreaseAt, type ConceptState } from '../../../src/domain/mastery/engine.ts'
import { profileProgress } from '../../../src/domain/mastery/progress.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const MONDAY = Date.UTC(2025, 2, 3) // Monday 3 March 2025, 00:00 UTC
const at = (day: number, hour: number, minute = 0): number => MONDAY + day * DAY + hour * HOUR + minute * MINUTE

interface Step { readonly when: number, readonly correct: boolean, readonly responseMs: number, readonly level: number, readonly progress: number }

// Ana learns "equivalent fractions"; her profile's goal for it is 3 (Competent).
const timeline: readonly Step[] = [
  { when: at(0, 9), correct: true, responseMs: 3_000, level: 0.5, progress: 0.5 / 3 },
  { when: at(0, 9, 1), correct: true, responseMs: 3_000, level: 1, progress: 1 / 3 },
  { when: at(0, 9, 2), correct: true, responseMs: 3_000, level: 1, progress: 1 / 3 },
  { when: at(1, 8), correct: true, responseMs: 3_000, level: 1, progress: 1 / 3 },
  { when: at(1, 19), correct: true, responseMs: 3_000, level: 1.5, progress: 0.5 },
  { when: at(3, 19), correct: true, responseMs: 17_000, level: 1.875, progress: 0.625 },
  { when: at(3, 19, 1), correct: false, responseMs: 9_000, level: 1.625, progress: 1.625 / 3 },
  { when: at(5, 18), correct: true, responseMs: 3_000, level: 2.125, progress: 2.125 / 3 },
  { when: at(7, 18), correct: true, responseMs: 3_000, level: 2.125, progress: 2.125 / 3 },
  { when: at(8, 19), correct: true, responseMs: 3_000, level: 2.625, progress: 0.875 },
  { when: at(10, 19), correct: true, responseMs: 3_000, level: 2.625, progress: 0.875 },
  { when: at(12, 10), correct: true, responseMs: 3_000, level: 3.125, progress: 1 }
]
const goals = [{ conceptId: 'fractions', goal: 3 }]

function replay (steps: readonly Step[]): ConceptState {
  return steps.reduce<ConceptState>((s, step) =>
    applyAnswer(s, { conceptId: 'fractions', occurredAt: step.when, correct: step.correct, responseMs: step.responseMs }), initialConceptState)
}

t.test('Ana reaches Competent in twelve days, one spaced step at a time', async (t) => {
  let state = initialConceptState
  for (const [i, step] of timeline.entries()) {
    state = applyAnswer(state, { conceptId: 'fractions', occurredAt: step.when, correct: step.correct, responseMs: step.responseMs })
    t.ok(Math.abs(state.level - step.level) < 1e-9, `step ${i + 1}: level ${step.level} (got ${state.level})`)
    t.ok(Math.abs(profileProgress(goals, { fractions: state }, step.when).progress - step.progress) < 1e-9, `step ${i + 1}: progress`)
  }
  t.equal(profileProgress(goals, { fractions: state }, at(12, 10)).mastered, true)
})

t.test('the waits the example quotes', async (t) => {
  t.equal(nextIncreaseAt(replay(timeline.slice(0, 2))), at(1, 9, 1), 'Novice on Monday: next step from Tuesday 09:01')
  t.equal(nextIncreaseAt(replay(timeline.slice(0, 5))), Math.ceil(at(1, 19) + Math.SQRT2 * DAY), 'from 1.5: 1.41 days, Thursday 04:56')
  t.equal(new Date(nextIncreaseAt(replay(timeline.slice(0, 7))) ?? 0).toISOString().slice(0, 16), '2025-03-08T08:00', 'after the slip: Saturday 08:00')
  t.equal(new Date(nextIncreaseAt(replay(timeline.slice(0, 11))) ?? 0).toISOString().slice(0, 16), '2025-03-14T21:01', 'from 2.625, kept fresh: Friday 21:01')
})

t.test('left alone after reaching the goal, Ana slips below it within three days', async (t) => {
  const competent = replay(timeline)
  t.equal(levelAt(competent, at(14, 9)), 3.125, 'Monday: still within the two-day grace period')
  t.ok(levelAt(competent, at(15, 9, 24)) >= 3, 'Tuesday 09:24: still Competent')
  t.ok(levelAt(competent, at(15, 9, 26)) < 3, 'Tuesday 09:26: below the goal')
  t.ok(Math.abs(profileProgress(goals, { fractions: competent }, at(19, 9)).progress - 0.847) < 0.001, 'a week after: 85 %')
  t.ok(Math.abs(levelAt(competent, at(40, 9)) - 1.055) < 0.001, 'four weeks after: about Novice again')
})
