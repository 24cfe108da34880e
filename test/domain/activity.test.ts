import t from 'tap'
import fc from 'fast-check'
import {
  clockSkewToleranceMs, decideActivity, isCorrect, lateActivityLimitMs, momentLifetimeMs, momentState,
  type ActivityCommand, type ActivityEvent, type ActivityFacts
} from '../../src/domain/activity/activity.ts'
import type { CommandMetadata, Decider } from '../../src/domain/decider.ts'
import { metadata, specification } from './given-when-then.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const T0 = Date.UTC(2025, 2, 3, 9) // Monday 3 March 2025, 09:00 UTC
const iso = (ms: number): string => new Date(ms).toISOString()
const at = (now: number): CommandMetadata => metadata('acc-a', now, { kind: 'learner', id: 'lrn-1' })

/**
 * The activity stream as the application reads it to answer in a moment: newest
 * events first, folded into the moment the command names.
 */
const activityStream: Decider<readonly ActivityEvent[], ActivityCommand, ActivityEvent> = {
  initialState: [],
  evolve: (newestFirst, event) => [event, ...newestFirst],
  decide: (command, newestFirst) => decideActivity(command, command.type === 'AnswerInMoment' ? momentState(command.data.momentId, newestFirst) : undefined)
}
const stream = specification(activityStream)

/** Which equal one half? a) 1/2  b) 2/4  c) 1/3 — two correct options. */
const halves: ActivityFacts = { activityId: 'act-1', conceptId: 'con-1', moduleId: 'mod-1', optionIds: ['a', 'b', 'c'], correctOptionIds: ['a', 'b'] }
/** What is 1/4 + 1/4? x) 1/2  y) 2/8 — one correct option. */
const sum: ActivityFacts = { activityId: 'act-2', conceptId: 'con-2', moduleId: 'mod-1', optionIds: ['x', 'y'], correctOptionIds: ['x'] }

const started = (momentId = 'mom-1', startedAt = T0, learnerId = 'lrn-1'): ActivityEvent => ({
  type: 'MomentStarted', data: { momentId, learnerId, kind: 'mini', profileId: 'pro-1', activityIds: ['act-1', 'act-2'], occurredAt: iso(startedAt) }
})
const answer = (selected: readonly string[], now: number, activity = halves, momentId = 'mom-1', responseMs = 4_000): ActivityCommand => ({
  type: 'AnswerInMoment', data: { momentId, learnerId: 'lrn-1', activity, selected, responseMs }, metadata: at(now)
})
const answeredInMoment = (activity: ActivityFacts, selected: string[], correct: boolean, occurredAt: number, momentId = 'mom-1', responseMs = 4_000): ActivityEvent => ({
  type: 'ActivityAnswered',
  data: { learnerId: 'lrn-1', activityId: activity.activityId, conceptId: activity.conceptId, moduleId: activity.moduleId, selected, correct, responseMs, occurredAt: iso(occurredAt), momentId, source: 'moment' }
})
const appAnswer = (occurredAt: number, now = T0, selected: readonly string[] = ['a', 'b']): ActivityCommand => ({
  type: 'RecordAppAnswer', data: { learnerId: 'lrn-1', activity: halves, selected, responseMs: 2_500, occurredAt }, metadata: at(now)
})
const answeredInApp = (occurredAt: number): ActivityEvent => ({
  type: 'ActivityAnswered',
  data: { learnerId: 'lrn-1', activityId: 'act-1', conceptId: 'con-1', moduleId: 'mod-1', selected: ['a', 'b'], correct: true, responseMs: 2_500, occurredAt: iso(occurredAt), source: 'app' }
})
const cardView = (occurredAt: number, now = T0): ActivityCommand => ({
  type: 'RecordCardView', data: { learnerId: 'lrn-1', cardId: 'crd-1', conceptId: 'con-1', occurredAt }, metadata: at(now)
})
const cardViewed = (occurredAt: number): ActivityEvent => ({ type: 'CardViewed', data: { learnerId: 'lrn-1', cardId: 'crd-1', conceptId: 'con-1', occurredAt: iso(occurredAt) } })

t.test('the documented limits', async t => {
  t.equal(lateActivityLimitMs, 30 * DAY, 'activity synced up to 30 days late is accepted')
  t.equal(clockSkewToleranceMs, 5 * MINUTE, 'a device clock up to 5 minutes fast is tolerated')
  t.equal(momentLifetimeMs, 12 * HOUR, 'a moment can be answered for 12 hours')
})

t.test('starting a moment', async t => {
  const start = (activityIds: readonly string[], profileId?: string): ActivityCommand => ({
    type: 'StartMoment', data: { momentId: 'mom-1', learnerId: 'lrn-1', kind: profileId === undefined ? 'mastery' : 'mini', activityIds, ...(profileId === undefined ? {} : { profileId }) }, metadata: at(T0)
  })

  t.test('a Mini Moment records its profile, its activities and when it started', async t => {
    stream(t).given([]).when(start(['act-1', 'act-2'], 'pro-1')).then([started()])
  })

  t.test('a Mastery Moment spans every profile, so it names none', async t => {
    stream(t).given([]).when(start(['act-1'])).then([{
      type: 'MomentStarted', data: { momentId: 'mom-1', learnerId: 'lrn-1', kind: 'mastery', activityIds: ['act-1'], occurredAt: iso(T0) }
    }])
  })

  t.test('with no activities to practise is refused', async t => {
    stream(t).given([]).when(start([], 'pro-1')).thenThrows('MS_ERR_NOTHING_TO_PRACTISE')
  })
})

t.test('answering in a moment', async t => {
  t.test('a correct answer is recorded as correct, at the time it was given, with the moment', async t => {
    stream(t).given([started()]).when(answer(['a', 'b'], T0 + MINUTE)).then([answeredInMoment(halves, ['a', 'b'], true, T0 + MINUTE)])
  })

  t.test('a wrong answer is recorded as wrong', async t => {
    stream(t).given([started()]).when(answer(['a'], T0 + MINUTE)).then([answeredInMoment(halves, ['a'], false, T0 + MINUTE)], 'half the correct options')
    stream(t).given([started()]).when(answer(['a', 'b', 'c'], T0 + MINUTE)).then([answeredInMoment(halves, ['a', 'b', 'c'], false, T0 + MINUTE)], 'every option')
    stream(t).given([started()]).when(answer([], T0 + MINUTE)).then([answeredInMoment(halves, [], false, T0 + MINUTE)], 'no option')
  })

  t.test('records each selected option once and the response time in whole milliseconds', async t => {
    stream(t).given([started()]).when(answer(['b', 'a', 'b'], T0 + MINUTE, halves, 'mom-1', 4_000.6))
      .then([answeredInMoment(halves, ['b', 'a'], true, T0 + MINUTE, 'mom-1', 4_001)])
  })

  t.test('each activity of the moment can be answered once', async t => {
    const first = answeredInMoment(halves, ['a', 'b'], true, T0 + MINUTE)
    stream(t).given([started(), first]).when(answer(['x'], T0 + 2 * MINUTE, sum)).then([answeredInMoment(sum, ['x'], true, T0 + 2 * MINUTE)], 'the other activity')
    stream(t).given([started(), first]).when(answer(['a', 'b'], T0 + 2 * MINUTE)).thenThrows('MS_ERR_ALREADY_ANSWERED', 'the same activity again')
  })

  t.test('answers in another moment, or from the app, do not use up this moment\'s activities', async t => {
    const elsewhere = answeredInMoment(halves, ['a', 'b'], true, T0 + MINUTE, 'mom-2')
    const fromApp = answeredInApp(T0 + MINUTE)
    stream(t).given([started('mom-1'), started('mom-2', T0 + 30_000), elsewhere, fromApp])
      .when(answer(['a', 'b'], T0 + 2 * MINUTE)).then([answeredInMoment(halves, ['a', 'b'], true, T0 + 2 * MINUTE)])
  })

  t.test('an activity that is not part of the moment is refused', async t => {
    const other: ActivityFacts = { ...halves, activityId: 'act-9' }
    stream(t).given([started()]).when(answer(['a', 'b'], T0 + MINUTE, other)).thenThrows('MS_ERR_NOT_IN_MOMENT')
  })

  t.test('an option the activity does not have is refused', async t => {
    const error = stream(t).given([started()]).when(answer(['a', 'z'], T0 + MINUTE)).thenThrows('MS_ERR_UNKNOWN_OPTION')
    t.match(error?.message, /"z"/, 'the message names the unknown option')
  })

  t.test('a moment that was never started is refused as not found', async t => {
    stream(t).given([started('mom-2')]).when(answer(['a', 'b'], T0 + MINUTE)).thenThrows('MS_ERR_MOMENT_NOT_FOUND')
  })

  t.test('another learner\'s moment is refused as not found', async t => {
    stream(t).given([started('mom-1', T0, 'lrn-2')]).when(answer(['a', 'b'], T0 + MINUTE)).thenThrows('MS_ERR_MOMENT_NOT_FOUND')
  })

  t.test('a moment can be answered until exactly 12 hours after it started, not a millisecond later', async t => {
    stream(t).given([started()]).when(answer(['a', 'b'], T0 + 12 * HOUR)).then([answeredInMoment(halves, ['a', 'b'], true, T0 + 12 * HOUR)], 'at 12 hours')
    stream(t).given([started()]).when(answer(['a', 'b'], T0 + 12 * HOUR + 1)).thenThrows('MS_ERR_MOMENT_NOT_FOUND', 'at 12 hours and 1 ms')
  })
})

t.test('recording an answer given in the app', async t => {
  t.test('records it at the time the learner answered, outside any moment', async t => {
    stream(t).given([]).when(appAnswer(T0 - 3 * DAY)).then([answeredInApp(T0 - 3 * DAY)])
  })

  t.test('is judged against the activity\'s correct options', async t => {
    stream(t).given([]).when(appAnswer(T0, T0, ['a'])).then([{ type: 'ActivityAnswered', data: { ...answeredInApp(T0).data, selected: ['a'], correct: false } } as ActivityEvent])
  })

  t.test('an option the activity does not have is refused', async t => {
    stream(t).given([]).when(appAnswer(T0, T0, ['a', 'b', 'z'])).thenThrows('MS_ERR_UNKNOWN_OPTION')
  })

  t.test('accepts a device clock up to exactly 5 minutes fast, and refuses beyond', async t => {
    stream(t).given([]).when(appAnswer(T0 + 5 * MINUTE)).then([answeredInApp(T0 + 5 * MINUTE)], '5 minutes ahead')
    stream(t).given([]).when(appAnswer(T0 + 5 * MINUTE + 1)).thenThrows('MS_ERR_OCCURRED_AT_OUT_OF_RANGE', '5 minutes and 1 ms ahead')
    stream(t).given([]).when(appAnswer(T0 + DAY)).thenThrows('MS_ERR_OCCURRED_AT_OUT_OF_RANGE', 'a day ahead')
  })

  t.test('accepts activity synced up to exactly 30 days late, and refuses older', async t => {
    stream(t).given([]).when(appAnswer(T0 - 30 * DAY)).then([answeredInApp(T0 - 30 * DAY)], '30 days late')
    stream(t).given([]).when(appAnswer(T0 - 30 * DAY - 1)).thenThrows('MS_ERR_OCCURRED_AT_OUT_OF_RANGE', '30 days and 1 ms late')
  })

  t.test('a time that is not a number is refused as invalid', async t => {
    stream(t).given([]).when(appAnswer(Number.NaN)).thenThrows('MS_ERR_VALIDATION')
  })
})

t.test('recording a knowledge card viewed in the app', async t => {
  t.test('records it at the time the learner viewed it', async t => {
    stream(t).given([]).when(cardView(T0 - HOUR)).then([cardViewed(T0 - HOUR)])
  })

  t.test('accepts a device clock up to exactly 5 minutes fast, and refuses beyond', async t => {
    stream(t).given([]).when(cardView(T0 + 5 * MINUTE)).then([cardViewed(T0 + 5 * MINUTE)], '5 minutes ahead')
    stream(t).given([]).when(cardView(T0 + 5 * MINUTE + 1)).thenThrows('MS_ERR_OCCURRED_AT_OUT_OF_RANGE', '5 minutes and 1 ms ahead')
  })

  t.test('accepts views synced up to exactly 30 days late, and refuses older', async t => {
    stream(t).given([]).when(cardView(T0 - 30 * DAY)).then([cardViewed(T0 - 30 * DAY)], '30 days late')
    stream(t).given([]).when(cardView(T0 - 30 * DAY - 1)).thenThrows('MS_ERR_OCCURRED_AT_OUT_OF_RANGE', '30 days and 1 ms late')
  })

  t.test('a time that is not a number is refused as invalid', async t => {
    stream(t).given([]).when(cardView(Number.POSITIVE_INFINITY)).thenThrows('MS_ERR_VALIDATION')
  })
})

t.test('whether an answer is correct', async t => {
  t.test('with one correct option, exactly that option is correct', async t => {
    t.ok(isCorrect(sum, ['x']), 'the correct option')
    t.notOk(isCorrect(sum, ['y']), 'the wrong option')
    t.notOk(isCorrect(sum, ['x', 'y']), 'both options')
    t.notOk(isCorrect(sum, []), 'no option')
  })

  t.test('with several correct options, exactly the set of correct options is correct', async t => {
    t.ok(isCorrect(halves, ['a', 'b']), 'all correct options')
    t.notOk(isCorrect(halves, ['a']), 'only some correct options')
    t.notOk(isCorrect(halves, ['a', 'b', 'c']), 'all correct options and a wrong one')
    t.notOk(isCorrect(halves, ['a', 'c']), 'as many options as correct ones, but one wrong')
  })

  t.test('the order of the selection does not matter', async t => {
    t.ok(isCorrect(halves, ['b', 'a']))
  })

  t.test('selecting an option twice counts once', async t => {
    t.ok(isCorrect(halves, ['a', 'b', 'a', 'b']), 'all correct options, repeated')
    t.notOk(isCorrect(halves, ['a', 'a']), 'one correct option twice is still only one')
  })

  t.test('for any activity: any ordering and repetition of the correct options is correct; adding or leaving out one is not', async t => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']
    const activity = fc.subarray(ids, { minLength: 2 }).chain(optionIds =>
      fc.subarray(optionIds, { minLength: 1 }).map(correctOptionIds => ({ ...halves, optionIds, correctOptionIds })))
    fc.assert(fc.property(activity, fc.context(), (facts, ctx) => {
      const wrong = facts.optionIds.filter(id => !facts.correctOptionIds.includes(id))
      const repeated = [...facts.correctOptionIds, ...facts.correctOptionIds].reverse()
      ctx.log(JSON.stringify(facts))
      return isCorrect(facts, repeated) &&
        wrong.every(id => !isCorrect(facts, [...facts.correctOptionIds, id])) &&
        facts.correctOptionIds.every(id => !isCorrect(facts, facts.correctOptionIds.filter(c => c !== id)))
    }))
    t.pass('holds for every generated activity')
  })
})

t.test('the state of a moment, folded from the newest events first', async t => {
  t.test('is unknown when the moment is not among the events', async t => {
    t.equal(momentState('mom-1', []), undefined, 'no events')
    t.equal(momentState('mom-1', [answeredInMoment(halves, ['a'], false, T0, 'mom-2'), started('mom-2')]), undefined, 'only another moment')
  })

  t.test('knows the moment\'s learner, activities, start and the activities answered since', async t => {
    const newestFirst: readonly ActivityEvent[] = [
      answeredInMoment(sum, ['x'], true, T0 + 3 * MINUTE, 'mom-2'),
      answeredInMoment(halves, ['a', 'b'], true, T0 + 2 * MINUTE),
      answeredInApp(T0 + MINUTE),
      started('mom-2', T0 + 30_000),
      started('mom-1', T0),
      answeredInMoment(sum, ['x'], true, T0 - HOUR, 'mom-0')
    ]
    t.strictSame(momentState('mom-1', newestFirst), {
      momentId: 'mom-1', learnerId: 'lrn-1', activityIds: ['act-1', 'act-2'], answered: new Set(['act-1']), startedAt: T0
    })
  })

  t.test('counts an activity answered in the moment once, however often it appears', async t => {
    const twice = answeredInMoment(halves, ['a'], false, T0 + MINUTE)
    t.strictSame(momentState('mom-1', [twice, twice, started()])?.answered, new Set(['act-1']))
  })
})
