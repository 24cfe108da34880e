// Sessions launched from an LMS: the launch checks (package, key, plan, toggle,
// link), auto-assignment (R12), a learner session locked to the profile (R11), and
// commit on exit (R14, R15) — exactly once, whether the learner pressed Exit, the
// window closed (beacon) or the LMS terminated.
import { randomUUID } from 'node:crypto'
import type { PackageDoc } from '../../projections/packages.ts'
import type { DeliveryDoc, RegistrationDoc } from '../../projections/lms-adapter.ts'
import type { AccountDoc } from '../../projections/accounts.ts'
import type { ProfileDoc } from '../../projections/catalog.ts'
import type { DataOf } from '../../schemas/events.ts'
import { learnerDecider } from '../domain/learner/learner.ts'
import { commitValues, type LmsValues } from '../domain/lms/commit-values.ts'
import { isHttpUrl } from '../domain/lms/xapi.ts'
import { profileProgress } from '../domain/mastery/progress.ts'
import { WrongExpectedRevisionError } from '../store/event-store.ts'
import { AppError } from '../errors.ts'
import type { AppContext } from './context.ts'
import { isLaunchKey, readLearnerToken } from './credentials.ts'
import { getLearner, openSession } from './learners.ts'
import { handleCommand } from './handle-command.ts'
import { provisionLmsUser, resolveLmsUser } from './lms-links.ts'
import { currentStates, profileConceptGoals } from './mastery-view.ts'

export interface LaunchInput {
  packageId: string
  revision: number
  launchKey: string
  standard: 'scorm12' | 'scorm2004' | 'aicc' | 'cmi5' | 'xapi'
  /** Chosen by the caller when it must store something under the session id first (LRS credentials). */
  sessionId?: string
  /** What the LMS calls this attempt (cmi5, xAPI): "never downgraded" is scoped to it. */
  lmsRegistration?: string
  lmsUserId: string
  lmsUserName?: string
  lmsState?: { completionStatus?: string, successStatus?: string }
  /** AICC: the HACP session the service reports to. */
  aicc?: { url: string, sessionId: string }
  /** cmi5, xAPI: the LRS the service reports to. */
  xapi?: DataOf<'LmsSessionLaunched'>['xapi']
}

export const streamOf = (sessionId: string): string => `lms-session-${sessionId}`

/** The package a launch names, if the launch key proves the link came from one of its zips. */
export async function verifiedPackage (ctx: AppContext, packageId: string, revision: number, launchKey: string): Promise<PackageDoc> {
  const pkg = await ctx.runner.get<PackageDoc>('packages', `package:${packageId}`)
  if (pkg === undefined) throw new AppError('MS_ERR_NOT_FOUND', 'This course package is not known to the service. Ask your administrator to upload a current package.')
  if (!Number.isSafeInteger(revision) || revision < (pkg.earliestLaunchRevision ?? 1) || revision > pkg.revision || !isLaunchKey(ctx.tokenSecret, pkg.packageId, revision, launchKey)) {
    throw new AppError('MS_ERR_LAUNCH_KEY_INVALID', 'This course package could not be verified. Ask your administrator to download the package again and re-upload it to the LMS.')
  }
  return pkg
}

/** Checks a launch and opens the session. Every refusal is a message a learner can act on. */
export async function launch (ctx: AppContext, input: LaunchInput) {
  const pkg = await verifiedPackage(ctx, input.packageId, input.revision, input.launchKey)
  if (pkg.status === 'retired') throw new AppError('MS_ERR_PACKAGE_RETIRED', 'This course has been retired by your administrator and can no longer be launched.')
  const account = await ctx.runner.get<AccountDoc>('accounts', `account:${pkg.accountId}`)
  if (account === undefined || account.plan === 'starter') throw new AppError('MS_ERR_PLAN_REQUIRED', 'This course is not available on your organisation\'s current plan. Please contact your administrator.')
  const profile = await ctx.runner.get<ProfileDoc>('catalog', `profile:${pkg.profileId}`)
  if (profile === undefined) throw new AppError('MS_ERR_NOT_FOUND', 'The training behind this course no longer exists. Please contact your administrator.')
  if (!profile.lmsIntegration) throw new AppError('MS_ERR_LMS_INTEGRATION_OFF', 'This course is currently turned off by your administrator. Please try again later, or contact them.')

  const lmsUserId = input.lmsUserId.trim()
  let learnerId = await resolveLmsUser(ctx, account.accountId, lmsUserId)
  if (learnerId === undefined) {
    if (account.settings.unknownLmsUsers !== 'provision') {
      throw new AppError('MS_ERR_LMS_USER_NOT_LINKED', `Your LMS account (user id "${lmsUserId}") is not linked to a learner yet. Please ask your administrator to link it, then launch the course again.`)
    }
    learnerId = await provisionLmsUser(ctx, account.accountId, lmsUserId, input.lmsUserName)
  }
  // A learner provisioned just now may not be in the read model yet.
  if (await ctx.runner.get('learners', `learner:${learnerId}`) === undefined) {
    await ctx.runner.waitFor(await ctx.store.headPosition(), { projections: ['learners'] })
  }
  let learner = await getLearner(ctx, account.accountId, learnerId)

  // Launching a profile the learner is not assigned assigns it, and says why (R12).
  if (learner.assigned[profile.profileId] === undefined) {
    const assigned = await handleCommand(ctx, `learner-${learnerId}`, learnerDecider, {
      type: 'AssignProfile',
      data: { profileId: profile.profileId, reason: `launched from an LMS (package ${pkg.packageId})` },
      metadata: { now: ctx.now(), accountId: account.accountId, actor: { kind: 'system', id: 'lms-launch' } }
    })
    await ctx.runner.waitFor(assigned.position, { projections: ['learners'] })
    learner = await getLearner(ctx, account.accountId, learnerId)
  }

  const sessionId = input.sessionId ?? ctx.newId('lms')
  const registration = `${pkg.packageId}:${lmsUserId}${input.lmsRegistration === undefined ? '' : `:${input.lmsRegistration}`}`
  const lmsReported = input.lmsState === undefined ? undefined : defined(input.lmsState)
  const launched: DataOf<'LmsSessionLaunched'> = {
    sessionId, accountId: account.accountId, packageId: pkg.packageId, packageRevision: input.revision, profileId: profile.profileId,
    format: pkg.format, lmsUserId, learnerId, registration, ...(lmsReported === undefined ? {} : { lmsReported }),
    ...(input.aicc === undefined ? {} : { aicc: input.aicc }),
    ...(input.xapi === undefined ? {} : { xapi: input.xapi })
  }
  const result = await ctx.store.append(streamOf(sessionId), [{
    id: randomUUID(), type: 'LmsSessionLaunched', data: launched, metadata: { accountId: account.accountId, actor: { kind: 'system', id: 'lms-launch' } }
  }], { expectedRevision: 'no-stream' })
  const session = await openSession(ctx, learner, { kind: 'system', id: 'lms-launch' }, { sid: sessionId, pid: profile.profileId })
  const values = await deriveValues(ctx, launched, result.position, ctx.now(), ctx.now())
  const fragment = new URLSearchParams({ token: session.token, session: sessionId, profile: profile.profileId, mode: 'lms' })
  return {
    sessionId,
    token: session.token,
    // The session in the query (not secret) lets the player's page say which origins may frame
    // it; the token stays in the fragment, which never reaches a server or a log.
    playerUrl: `${ctx.publicUrl}/player/?session=${encodeURIComponent(sessionId)}#${fragment.toString()}`,
    title: pkg.title,
    values,
    position: result.position
  }
}

/** The values a commit would send now (the launcher keeps them for an unexpected unload). */
export async function currentValues (ctx: AppContext, sessionId: string, token: string): Promise<LmsValues> {
  const { launched, launchedAt, launchPosition, committed } = await sessionFor(ctx, sessionId, token)
  if (committed !== undefined) return committed
  return deriveValues(ctx, launched, launchPosition, launchedAt, ctx.now())
}

/**
 * Commit on exit. Idempotent: a retried exit, a beacon after the Exit button, or two
 * racing exits all get the values of the one commit that was recorded.
 */
export async function exit (ctx: AppContext, sessionId: string, token: string, how: 'exit' | 'unload' | 'terminate'): Promise<{ values: LmsValues, committed: boolean, format: DataOf<'LmsSessionLaunched'>['format'], returnUrl?: string }> {
  for (let attempt = 1; ; attempt++) {
    const { launched, launchedAt, launchPosition, committed, revision } = await sessionFor(ctx, sessionId, token)
    const back = returnUrlOf(launched)
    if (committed !== undefined) return { values: committed, committed: true, format: launched.format, ...back }
    const now = ctx.now()
    const values = await deriveValues(ctx, launched, launchPosition, launchedAt, now)
    const metadata = { accountId: launched.accountId, actor: { kind: 'learner', id: launched.learnerId } }
    try {
      await ctx.store.append(streamOf(sessionId), [
        { id: randomUUID(), type: 'LmsSessionExited', data: { how, sessionMs: values.sessionMs }, metadata },
        {
          id: randomUUID(),
          type: 'LmsProgressCommitted',
          data: {
            sessionId, registration: launched.registration, packageId: launched.packageId, profileId: launched.profileId,
            learnerId: launched.learnerId, lmsUserId: launched.lmsUserId, format: launched.format, values, mastered: values.successStatus === 'passed'
          },
          metadata
        }
      ], { expectedRevision: revision })
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError && attempt < 5) continue
      throw error
    }
    // The learner's session ends with the LMS session: the token no longer works.
    const signOut = await handleCommand(ctx, `learner-${launched.learnerId}`, learnerDecider, {
      type: 'SignOut', data: { sessionId: tokenSession(ctx, token) }, metadata: { now, accountId: launched.accountId, actor: { kind: 'system', id: 'lms-exit' } }
    })
    await ctx.runner.waitFor(signOut.position, { projections: ['learners'] })
    return { values, committed: true, format: launched.format, ...back }
  }
}

/**
 * For the formats the service reports to itself (AICC, cmi5, xAPI): waits a little for the
 * delivery of a session's commit, so a learner returning to the LMS finds it up to date (and a
 * cmi5 LMS gets Terminated before the learner is sent back to it). The delivery goes on
 * regardless; this only says how it stands.
 */
export async function awaitDelivery (ctx: AppContext, sessionId: string, timeoutMs: number): Promise<DeliveryDoc['state'] | undefined> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const doc = await ctx.runner.get<DeliveryDoc>('lms-adapter', `delivery:${sessionId}`)
    // Settled, or a first attempt failed (retries take minutes: nobody waits for them).
    if (doc !== undefined && (doc.state !== 'pending' || doc.lastError !== undefined)) return doc.state
    if (performance.now() >= deadline) return doc?.state
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

/** cmi5: where the LMS wants the learner sent after exit (LMS.LaunchData returnURL), if it is a web address. */
function returnUrlOf (launched: DataOf<'LmsSessionLaunched'>): { returnUrl?: string } {
  const url = launched.xapi?.launchData?.returnURL
  return isHttpUrl(url) ? { returnUrl: url } : {}
}

async function sessionFor (ctx: AppContext, sessionId: string, token: string) {
  const claims = readLearnerToken(token, ctx.tokenSecret)
  if (claims?.lms?.sid !== sessionId) throw new AppError('MS_ERR_UNAUTHENTICATED', 'This LMS session token is not valid for this session.')
  const events = await ctx.store.readStream(streamOf(sessionId))
  const first = events[0]
  if (first === undefined || first.type !== 'LmsSessionLaunched') throw new AppError('MS_ERR_NOT_FOUND', 'No such LMS session.')
  const launched = first.data as DataOf<'LmsSessionLaunched'>
  const commit = events.find(e => e.type === 'LmsProgressCommitted')?.data as DataOf<'LmsProgressCommitted'> | undefined
  const last = events[events.length - 1] ?? first
  return { launched, launchedAt: first.recordedAt, launchPosition: first.position, committed: commit?.values, revision: last.revision }
}

function tokenSession (ctx: AppContext, token: string): string {
  return readLearnerToken(token, ctx.tokenSecret)?.sid ?? ''
}

async function deriveValues (ctx: AppContext, launched: DataOf<'LmsSessionLaunched'>, launchPosition: number, launchedAt: number, now: number): Promise<LmsValues> {
  // Every answer of the learner must count, this session's included: wait for the mastery
  // projection to reach the learner's last activity. Earlier commits of this registration
  // were made before this launch: the adapter projection must have reached what preceded it.
  const [lastActivity] = await ctx.store.readStream(`activity-${launched.learnerId}`, { direction: 'backwards', maxCount: 1 })
  await ctx.runner.waitFor(lastActivity?.position ?? 0, { projections: ['mastery'] })
  await ctx.runner.waitFor(launchPosition - 1, { projections: ['lms-adapter'] })
  const profile = await ctx.runner.get<ProfileDoc>('catalog', `profile:${launched.profileId}`)
  const goals = profile === undefined ? [] : await profileConceptGoals(ctx, profile)
  const progress = profileProgress(goals, await currentStates(ctx, launched.learnerId, now), now)
  const registration = await ctx.runner.get<RegistrationDoc>('lms-adapter', `registration:${launched.registration}`)
  const reportedPassed = launched.lmsReported?.successStatus === 'passed'
  return commitValues({
    progress: progress.progress,
    mastered: progress.mastered,
    previouslyPassed: (registration?.passed ?? false) || reportedPassed,
    sessionMs: now - launchedAt,
    previousLmsMs: registration?.totalLmsMs ?? 0
  })
}

function defined<T extends Record<string, unknown>> (value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as T
}
