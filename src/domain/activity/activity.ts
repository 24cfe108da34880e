// activity-{learnerId}: what a learner did — moments started, activities answered,
// cards viewed. Each event carries occurredAt, the learner's own time, because apps
// sync offline activity late and mastery follows when things happened.
import type { EventOf } from '../../../schemas/events.ts'
import type { Command } from '../decider.ts'
import { unreachable } from '../decider.ts'
import { fail } from '../../errors.ts'

export type ActivityEvent = EventOf<'MomentStarted' | 'ActivityAnswered' | 'CardViewed'>

/** What the content says about an activity right now (live content, R6). */
export interface ActivityFacts {
  readonly activityId: string
  readonly conceptId: string
  readonly moduleId: string
  readonly optionIds: readonly string[]
  readonly correctOptionIds: readonly string[]
}

export const lateActivityLimitMs = 30 * 24 * 3600_000
/** Clocks of phones and browsers drift; a little future is tolerated. */
export const clockSkewToleranceMs = 5 * 60_000
export const momentLifetimeMs = 12 * 3600_000

export type ActivityCommand =
  | Command<'StartMoment', { momentId: string, learnerId: string, kind: 'mini' | 'mastery', profileId?: string, activityIds: readonly string[] }>
  | Command<'AnswerInMoment', { momentId: string, learnerId: string, activity: ActivityFacts, selected: readonly string[], responseMs: number }>
  | Command<'RecordAppAnswer', { learnerId: string, activity: ActivityFacts, selected: readonly string[], responseMs: number, occurredAt: number }>
  | Command<'RecordCardView', { learnerId: string, cardId: string, conceptId: string, occurredAt: number }>

/** The part of the activity stream a moment answer depends on. */
export interface MomentState {
  readonly momentId: string
  readonly learnerId: string
  readonly activityIds: readonly string[]
  readonly answered: ReadonlySet<string>
  readonly startedAt: number
}

/**
 * Folds the stream's newest events (newest first) into the state of one moment;
 * undefined when the moment is not among them.
 */
export function momentState (momentId: string, newestFirst: readonly ActivityEvent[]): MomentState | undefined {
  const answered = new Set<string>()
  for (const event of newestFirst) {
    if (event.type === 'ActivityAnswered' && event.data.momentId === momentId) answered.add(event.data.activityId)
    if (event.type === 'MomentStarted' && event.data.momentId === momentId) {
      return { momentId, learnerId: event.data.learnerId, activityIds: event.data.activityIds, answered, startedAt: Date.parse(event.data.occurredAt) }
    }
  }
  return undefined
}

export function decideActivity (command: ActivityCommand, moment: MomentState | undefined): readonly ActivityEvent[] {
  const now = command.metadata.now
  switch (command.type) {
    case 'StartMoment': {
      if (command.data.activityIds.length === 0) return fail('MS_ERR_NOTHING_TO_PRACTISE', 'There is nothing to practise yet: the profiles in scope have no activities.')
      const { profileId, ...rest } = command.data
      return [{ type: 'MomentStarted', data: { ...rest, activityIds: [...rest.activityIds], ...(profileId === undefined ? {} : { profileId }), occurredAt: iso(now) } }]
    }
    case 'AnswerInMoment': {
      const { activity, momentId } = command.data
      if (moment === undefined || moment.learnerId !== command.data.learnerId || now - moment.startedAt > momentLifetimeMs) {
        return fail('MS_ERR_MOMENT_NOT_FOUND', 'No such moment, or it has expired: start a new one.')
      }
      if (!moment.activityIds.includes(activity.activityId)) return fail('MS_ERR_NOT_IN_MOMENT', 'This activity is not part of the moment.')
      if (moment.answered.has(activity.activityId)) return fail('MS_ERR_ALREADY_ANSWERED', 'This activity was already answered in this moment.')
      return [answered(command.data.learnerId, activity, command.data.selected, command.data.responseMs, now, 'moment', momentId)]
    }
    case 'RecordAppAnswer': {
      checkOccurredAt(command.data.occurredAt, now)
      const { learnerId, activity, selected, responseMs, occurredAt } = command.data
      return [answered(learnerId, activity, selected, responseMs, occurredAt, 'app')]
    }
    case 'RecordCardView': {
      checkOccurredAt(command.data.occurredAt, now)
      const { learnerId, cardId, conceptId, occurredAt } = command.data
      return [{ type: 'CardViewed', data: { learnerId, cardId, conceptId, occurredAt: iso(occurredAt) } }]
    }
    default: return unreachable(command)
  }
}

/** A multiple-choice answer is correct when exactly the correct options are selected. */
export function isCorrect (activity: ActivityFacts, selected: readonly string[]): boolean {
  const chosen = new Set(selected)
  return chosen.size === activity.correctOptionIds.length && activity.correctOptionIds.every(id => chosen.has(id))
}

function answered (learnerId: string, activity: ActivityFacts, selected: readonly string[], responseMs: number, at: number, source: 'moment' | 'app', momentId?: string): ActivityEvent {
  for (const id of selected) {
    if (!activity.optionIds.includes(id)) fail('MS_ERR_UNKNOWN_OPTION', `Option "${id}" is not an option of activity ${activity.activityId}.`)
  }
  return {
    type: 'ActivityAnswered',
    data: {
      learnerId, activityId: activity.activityId, conceptId: activity.conceptId, moduleId: activity.moduleId,
      selected: [...new Set(selected)], correct: isCorrect(activity, selected), responseMs: Math.round(responseMs),
      occurredAt: iso(at), source, ...(momentId === undefined ? {} : { momentId })
    }
  }
}

function checkOccurredAt (occurredAt: number, now: number): void {
  if (!Number.isFinite(occurredAt)) fail('MS_ERR_VALIDATION', 'occurredAt is not a valid time.')
  if (occurredAt > now + clockSkewToleranceMs) fail('MS_ERR_OCCURRED_AT_OUT_OF_RANGE', 'occurredAt is in the future; check the device clock.')
  if (occurredAt < now - lateActivityLimitMs) fail('MS_ERR_OCCURRED_AT_OUT_OF_RANGE', 'occurredAt is more than 30 days in the past; such late activity is not accepted.')
}

const iso = (ms: number): string => new Date(ms).toISOString()
