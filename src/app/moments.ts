// Moments: a Mini Moment practises one profile, a Mastery Moment all assigned
// profiles. The engine picks the activities that raise mastery most.
import { randomUUID } from 'node:crypto'
import type { ModuleDoc, ProfileDoc } from '../../projections/catalog.ts'
import { decideActivity, momentState, type ActivityEvent, type ActivityCommand } from '../domain/activity/activity.ts'
import { selectMomentActivities, type Candidate } from '../domain/mastery/moment-selection.ts'
import { levelAt, conceptStateOf } from '../domain/mastery/engine.ts'
import { WrongExpectedRevisionError } from '../store/event-store.ts'
import { AppError } from '../errors.ts'
import type { AppContext } from './context.ts'
import type { LearnerPrincipal } from './learners.ts'
import { getLearner } from './learners.ts'
import { activityFacts } from './content.ts'
import { currentStates, learnerMastery } from './mastery-view.ts'

export const momentSize = { mini: 5, mastery: 10 } as const
const answerLookback = 500

export async function startMoment (ctx: AppContext, learner: LearnerPrincipal, requested: { profileId?: string }) {
  // In an LMS launch the learner is locked into one profile, and play is a Mini Moment (R11).
  if (learner.lock !== undefined && requested.profileId !== undefined && requested.profileId !== learner.lock.profileId) {
    throw new AppError('MS_ERR_LOCKED_TO_PROFILE', 'This course is locked to the Mastery Profile it was launched for.')
  }
  const input = learner.lock === undefined ? requested : { profileId: learner.lock.profileId }
  const doc = await getLearner(ctx, learner.accountId, learner.learnerId)
  const assigned = Object.keys(doc.assigned)
  if (input.profileId !== undefined && !assigned.includes(input.profileId)) {
    throw new AppError('MS_ERR_NOT_ASSIGNED', 'You are not assigned this Mastery Profile.')
  }
  const scope = input.profileId === undefined ? assigned : [input.profileId]
  const kind: 'mini' | 'mastery' = input.profileId === undefined ? 'mastery' : 'mini'
  const now = ctx.now()

  // A module in several assigned profiles is practised towards the higher goal.
  const goals = new Map<string, number>()
  const candidates: Candidate[] = []
  const prompts = new Map<string, { prompt: string, options: { id: string, text: string }[], conceptId: string }>()
  for (const profileId of assigned) {
    const profile = await ctx.runner.get<ProfileDoc>('catalog', `profile:${profileId}`)
    if (profile === undefined) continue
    for (const [moduleId, goal] of Object.entries(profile.modules)) {
      const module = await ctx.runner.get<ModuleDoc>('catalog', `module:${moduleId}`)
      if (module === undefined || module.removedAt !== undefined) continue
      const inScope = scope.includes(profileId)
      for (const [conceptId, concept] of Object.entries(module.concepts)) {
        if (concept.removedAt !== undefined) continue
        goals.set(conceptId, Math.max(goals.get(conceptId) ?? 0, goal))
      }
      if (!inScope) continue
      for (const [activityId, activity] of Object.entries(module.activities)) {
        if (activity.removedAt !== undefined || module.concepts[activity.conceptId]?.removedAt !== undefined) continue
        if (prompts.has(activityId)) continue
        candidates.push({ activityId, conceptId: activity.conceptId })
        prompts.set(activityId, { prompt: activity.prompt, options: activity.options.map(o => ({ id: o.id, text: o.text })), conceptId: activity.conceptId })
      }
    }
  }
  const momentId = ctx.newId('mom')
  const states = await currentStates(ctx, learner.learnerId, now)
  const activityIds = selectMomentActivities({ candidates, goals, states, at: now, size: momentSize[kind], seed: momentId })
  const command: ActivityCommand = {
    type: 'StartMoment',
    data: { momentId, learnerId: learner.learnerId, kind, ...(input.profileId === undefined ? {} : { profileId: input.profileId }), activityIds },
    metadata: { now, accountId: learner.accountId, actor: { kind: 'learner', id: learner.learnerId } }
  }
  const events = decideActivity(command, undefined)
  const result = await ctx.store.append(`activity-${learner.learnerId}`, toAppend(events, learner), { expectedRevision: 'any' })
  return {
    momentId,
    kind,
    ...(input.profileId === undefined ? {} : { profileId: input.profileId }),
    activities: activityIds.map(activityId => ({ activityId, ...(prompts.get(activityId) as { prompt: string, options: { id: string, text: string }[], conceptId: string }) })),
    position: result.position
  }
}

export async function answerInMoment (ctx: AppContext, learner: LearnerPrincipal, momentId: string, input: { activityId: string, selected: readonly string[], responseMs: number }) {
  const stream = `activity-${learner.learnerId}`
  const activity = await activityFacts(ctx, learner.accountId, input.activityId)
  for (let attempt = 1; ; attempt++) {
    const newestFirst = await ctx.store.readStream(stream, { direction: 'backwards', maxCount: answerLookback })
    const moment = momentState(momentId, newestFirst.map(e => ({ type: e.type, data: e.data }) as ActivityEvent))
    const now = ctx.now()
    const events = decideActivity({
      type: 'AnswerInMoment',
      data: { momentId, learnerId: learner.learnerId, activity, selected: input.selected, responseMs: input.responseMs },
      metadata: { now, accountId: learner.accountId, actor: { kind: 'learner', id: learner.learnerId } }
    }, moment)
    try {
      const newest = newestFirst[0]
      const result = await ctx.store.append(stream, toAppend(events, learner), { expectedRevision: newest === undefined ? 'no-stream' : newest.revision })
      await ctx.runner.waitFor(result.position, { projections: ['mastery'] })
      const answered = events[0] as Extract<ActivityEvent, { type: 'ActivityAnswered' }>
      const states = await currentStates(ctx, learner.learnerId, now)
      const doc = await getLearner(ctx, learner.accountId, learner.learnerId)
      const mastery = await learnerMastery(ctx, doc)
      return {
        correct: answered.data.correct,
        correctOptionIds: activity.correctOptionIds,
        conceptId: activity.conceptId,
        level: Math.round(levelAt(conceptStateOf(states, activity.conceptId), now) * 10_000) / 10_000,
        profiles: mastery.profiles.map(p => ({ profileId: p.profileId, progress: p.progress, mastered: p.mastered })),
        position: result.position
      }
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError) || attempt >= 5) throw error
    }
  }
}

function toAppend (events: readonly ActivityEvent[], learner: LearnerPrincipal) {
  return events.map(e => ({ id: randomUUID(), type: e.type, data: e.data, metadata: { accountId: learner.accountId, actor: { kind: 'learner', id: learner.learnerId } } }))
}
