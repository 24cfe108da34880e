// Mastery as learners and admins read it: per assigned profile, progress and
// mastered state — now (from the mastery projection) or as of any past instant
// (folded afresh from the learner's activity stream and the content history).
import type { LearnerDoc } from '../../projections/learners.ts'
import type { ModuleDoc, ProfileDoc } from '../../projections/catalog.ts'
import { emptyLedger, conceptStatesAt, foldAnswers, type MasteryLedger } from '../domain/mastery/ledger.ts'
import type { ConceptState } from '../domain/mastery/engine.ts'
import { profileProgress, type ConceptGoal } from '../domain/mastery/progress.ts'
import type { DataOf } from '../../schemas/events.ts'
import type { AppContext } from './context.ts'

/** The profile's concepts with their goal, as the content stood at `at` (undefined: now). */
/** What mastery views read: the log, the read models and the clock (a read-only CLI has only these). */
export type MasteryReads = Pick<AppContext, 'store' | 'runner' | 'now'>

export async function profileConceptGoals (ctx: MasteryReads, profile: ProfileDoc, at?: number): Promise<ConceptGoal[]> {
  const goals: ConceptGoal[] = []
  for (const [moduleId, goal] of Object.entries(at === undefined ? profile.modules : goalsAt(profile, at))) {
    const module = await ctx.runner.get<ModuleDoc>('catalog', `module:${moduleId}`)
    if (module === undefined || !liveAt(module.createdAt, module.removedAt, at)) continue
    for (const [conceptId, concept] of Object.entries(module.concepts)) {
      if (liveAt(concept.addedAt, concept.removedAt, at)) goals.push({ conceptId, goal })
    }
  }
  return goals
}

function goalsAt (profile: ProfileDoc, at: number): Record<string, number> {
  const goals: Record<string, number> = {}
  for (const [when, moduleId, goal] of profile.goalHistory) {
    if (when > at) break
    if (goal === null) delete goals[moduleId]
    else goals[moduleId] = goal
  }
  return goals
}

const liveAt = (from: number, until: number | undefined, at: number | undefined): boolean =>
  at === undefined ? until === undefined : from <= at && (until === undefined || until > at)

export function assignedAt (learner: LearnerDoc, at?: number): string[] {
  if (at === undefined) return Object.keys(learner.assigned)
  const assigned = new Set<string>()
  for (const [when, profileId, on] of learner.assignmentHistory) {
    if (when > at) break
    if (on) assigned.add(profileId)
    else assigned.delete(profileId)
  }
  return [...assigned]
}

/** Concept states now, from the projection. */
export async function currentStates (ctx: MasteryReads, learnerId: string, at: number): Promise<Record<string, ConceptState>> {
  const ledger = await ctx.runner.get<MasteryLedger>('mastery', `mastery:${learnerId}`)
  return conceptStatesAt(ledger ?? emptyLedger, at)
}

/** Concept states at a past instant: a pure fold of the learner's answers up to it. */
export async function statesAsOf (ctx: MasteryReads, learnerId: string, at: number): Promise<Record<string, ConceptState>> {
  const events = await ctx.store.readStream(`activity-${learnerId}`)
  const answers = events
    .filter(e => e.type === 'ActivityAnswered')
    .map(e => e.data as DataOf<'ActivityAnswered'>)
    .map(a => ({ conceptId: a.conceptId, occurredAt: Date.parse(a.occurredAt), correct: a.correct, responseMs: a.responseMs }))
  return foldAnswers(answers, at)
}

export async function learnerMastery (ctx: MasteryReads, learner: LearnerDoc, asOf?: number) {
  const now = ctx.now()
  const at = asOf ?? now
  const historic = asOf !== undefined && asOf < now
  const states = historic ? await statesAsOf(ctx, learner.learnerId, at) : await currentStates(ctx, learner.learnerId, at)
  const profiles = []
  for (const profileId of assignedAt(learner, historic ? at : undefined)) {
    const profile = await ctx.runner.get<ProfileDoc>('catalog', `profile:${profileId}`)
    if (profile === undefined || (historic && profile.createdAt > at)) continue
    const goals = await profileConceptGoals(ctx, profile, historic ? at : undefined)
    const progress = profileProgress(goals, states, at)
    const titles = await conceptTitles(ctx, profile)
    profiles.push({ profileId, name: profile.name, progress: round(progress.progress), mastered: progress.mastered, concepts: progress.concepts.map(c => ({ ...c, ...titleOf(titles, c.conceptId), level: round(c.level) })) })
  }
  return { learnerId: learner.learnerId, asOf: new Date(at).toISOString(), profiles }
}

const round = (x: number): number => Math.round(x * 10_000) / 10_000

/** Concept titles as they read now (a past view shows today's titles, so a reader knows them). */
async function conceptTitles (ctx: MasteryReads, profile: ProfileDoc): Promise<Map<string, string>> {
  const titles = new Map<string, string>()
  const moduleIds = new Set([...Object.keys(profile.modules), ...profile.goalHistory.map(([, moduleId]) => moduleId)])
  for (const moduleId of moduleIds) {
    const module = await ctx.runner.get<ModuleDoc>('catalog', `module:${moduleId}`)
    for (const [conceptId, concept] of Object.entries(module?.concepts ?? {})) titles.set(conceptId, concept.title)
  }
  return titles
}

const titleOf = (titles: ReadonlyMap<string, string>, conceptId: string): { title?: string } => {
  const title = titles.get(conceptId)
  return title === undefined ? {} : { title }
}
