// What the admin page reads about learners: the account's learners, the learners of one profile
// with their progress now, and a learner's LMS commit history. Reads only: the learners, mastery
// and lms-adapter read models, through the same folds as GET /v1/learners/{id}/mastery.
import type { LearnerDoc } from '../../projections/learners.ts'
import type { CommitDoc } from '../../projections/lms-adapter.ts'
import { profileProgress } from '../domain/mastery/progress.ts'
import type { PackageFormat } from '../domain/packaging/package.ts'
import type { AppContext } from './context.ts'
import type { AdminPrincipal } from './accounts.ts'
import { getLearner } from './learners.ts'
import { getProfileDoc } from './profiles.ts'
import { currentStates, profileConceptGoals } from './mastery-view.ts'

const iso = (at: number): string => new Date(at).toISOString()
const round = (x: number): number => Math.round(x * 10_000) / 10_000

/** The account's learners, by name. The learners projection keeps an index per account. */
async function accountLearners (ctx: AppContext, accountId: string): Promise<LearnerDoc[]> {
  const index = await ctx.runner.list<{ learnerId: string }>('learners', `account-learner:${accountId}:`)
  const docs = await Promise.all(index.map(({ doc }) => ctx.runner.get<LearnerDoc>('learners', `learner:${doc.learnerId}`)))
  return docs
    .filter((d): d is LearnerDoc => d !== undefined && d.accountId === accountId)
    .sort((a, b) => a.name.localeCompare(b.name) || a.learnerId.localeCompare(b.learnerId))
}

export async function listLearners (ctx: AppContext, admin: AdminPrincipal) {
  const learners = await accountLearners(ctx, admin.accountId)
  return {
    learners: learners.map(l => ({ learnerId: l.learnerId, name: l.name, email: l.email, assignedProfileIds: Object.keys(l.assigned), registeredAt: iso(l.registeredAt) }))
  }
}

/** The learners assigned the profile, with progress and mastered state now (as the learner sees them). */
export async function profileLearnersProgress (ctx: AppContext, admin: AdminPrincipal, profileId: string) {
  const profile = await getProfileDoc(ctx, admin.accountId, profileId)
  const at = ctx.now()
  // The goals are the profile's, the same for every learner: read the content once.
  const goals = await profileConceptGoals(ctx, profile)
  const learners = []
  for (const learner of await accountLearners(ctx, admin.accountId)) {
    const assigned = learner.assigned[profileId]
    if (assigned === undefined) continue
    const progress = profileProgress(goals, await currentStates(ctx, learner.learnerId, at), at)
    learners.push({ learnerId: learner.learnerId, name: learner.name, email: learner.email, assignedAt: iso(assigned.at), progress: round(progress.progress), mastered: progress.mastered })
  }
  return { profileId, asOf: iso(at), learners }
}

/** Every LMS commit of the learner (what each LMS was told on exit), oldest first; optionally one profile's. */
export async function learnerLmsCommits (ctx: AppContext, admin: AdminPrincipal, learnerId: string, filter: { profileId?: string } = {}) {
  await getLearner(ctx, admin.accountId, learnerId)
  // Keys end in the zero-padded log position, so key order is commit order.
  const rows = await ctx.runner.list<CommitDoc>('lms-adapter', `learner-commit:${learnerId}:`, Number.MAX_SAFE_INTEGER)
  const commits = rows
    .map(r => r.doc)
    .filter(c => filter.profileId === undefined || c.profileId === filter.profileId)
    .map(c => ({
      sessionId: c.sessionId,
      packageId: c.packageId,
      profileId: c.profileId,
      format: c.format as PackageFormat,
      registration: c.registration,
      committedAt: iso(c.committedAt),
      mastered: c.mastered,
      completionStatus: c.values.completionStatus,
      successStatus: c.values.successStatus,
      scoreRaw: c.values.scoreRaw,
      progressMeasure: c.values.progressMeasure,
      sessionMs: c.values.sessionMs,
      totalLmsMs: c.values.totalLmsMs
    }))
  return { learnerId, commits }
}
