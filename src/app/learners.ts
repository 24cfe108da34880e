// Learners: registration (one email per account), sign-in sessions, passwords and
// profile assignments.
import { learnerDecider, type LearnerCommand } from '../domain/learner/learner.ts'
import type { LearnerDoc } from '../../projections/learners.ts'
import { WrongExpectedRevisionError } from '../store/event-store.ts'
import { AppError } from '../errors.ts'
import type { AppContext } from './context.ts'
import type { AdminPrincipal } from './accounts.ts'
import { getProfileDoc } from './profiles.ts'
import { handleAndProject } from './handle-command.ts'
import { hashPassword, readLearnerToken, sha256, signLearnerToken, verifyPassword } from './credentials.ts'
import { randomUUID } from 'node:crypto'

export interface LearnerPrincipal {
  readonly kind: 'learner'
  readonly learnerId: string
  readonly accountId: string
  readonly sessionId: string
  /** Present in an LMS launch: the learner is locked into this profile (R11). */
  readonly lock?: { readonly lmsSessionId: string, readonly profileId: string }
}

export const sessionLifetimeMs = 12 * 3600_000

type Data<T extends LearnerCommand['type']> = Extract<LearnerCommand, { type: T }>['data']
type Actor = { kind: 'admin' | 'learner' | 'system', id: string }

async function run<T extends LearnerCommand['type']> (ctx: AppContext, accountId: string, actor: Actor, learnerId: string, type: T, data: Data<T>): Promise<number> {
  const command = { type, data, metadata: { now: ctx.now(), accountId, actor } } as LearnerCommand
  return handleAndProject(ctx, `learner-${learnerId}`, learnerDecider, command, ['learners'])
}

export const emailStream = (accountId: string, email: string): string => `learner-email-${accountId}-${sha256(email.trim().toLowerCase()).slice(0, 40)}`

export async function getLearner (ctx: AppContext, accountId: string, learnerId: string): Promise<LearnerDoc> {
  const doc = await ctx.runner.get<LearnerDoc>('learners', `learner:${learnerId}`)
  if (doc === undefined || doc.accountId !== accountId) throw new AppError('MS_ERR_NOT_FOUND', 'No such learner in your account.')
  return doc
}

export function publicLearner (doc: LearnerDoc) {
  return {
    learnerId: doc.learnerId,
    name: doc.name,
    email: doc.email,
    attributes: doc.attributes,
    assignedProfiles: Object.entries(doc.assigned).map(([profileId, a]) => ({ profileId, assignedAt: new Date(a.at).toISOString(), reason: a.reason })),
    registeredAt: new Date(doc.registeredAt).toISOString()
  }
}

export async function registerLearner (ctx: AppContext, admin: AdminPrincipal, input: { name: string, email: string, password: string, attributes?: Record<string, string> }) {
  const email = input.email.trim().toLowerCase()
  const stream = emailStream(admin.accountId, email)
  // The email claim is its own stream, appended only if absent: two concurrent
  // registrations of one address cannot both win.
  const [claim] = await ctx.store.readStream(stream, { maxCount: 1 })
  let learnerId: string
  if (claim !== undefined) {
    learnerId = (claim.data as { learnerId: string }).learnerId
    if (await ctx.store.streamRevision(`learner-${learnerId}`) >= 0) throw taken()
    // A claim without its learner is what a crash between the two appends leaves: finish it.
  } else {
    learnerId = ctx.newId('lrn')
    try {
      await ctx.store.append(stream, [{ id: randomUUID(), type: 'LearnerEmailClaimed', data: { learnerId, accountId: admin.accountId }, metadata: { accountId: admin.accountId, actor: { kind: 'admin', id: admin.keyId } } }], { expectedRevision: 'no-stream' })
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) throw taken()
      throw error
    }
  }
  const passwordHash = await hashPassword(input.password)
  const position = await run(ctx, admin.accountId, { kind: 'admin', id: admin.keyId }, learnerId, 'RegisterLearner', {
    learnerId, name: input.name, email, passwordHash, attributes: input.attributes ?? {}
  })
  return { learnerId, position }
}

const taken = (): AppError => new AppError('MS_ERR_EMAIL_TAKEN', 'Another learner in this account already uses this email address.')

export async function setAssignment (ctx: AppContext, admin: AdminPrincipal, learnerId: string, profileId: string, assigned: boolean, reason: string): Promise<number> {
  await getLearner(ctx, admin.accountId, learnerId)
  await getProfileDoc(ctx, admin.accountId, profileId)
  return run(ctx, admin.accountId, { kind: 'admin', id: admin.keyId }, learnerId, assigned ? 'AssignProfile' : 'UnassignProfile', { profileId, reason })
}

export async function login (ctx: AppContext, input: { email: string, password: string, accountId?: string }) {
  const failed = new AppError('MS_ERR_LOGIN_FAILED', 'Email or password is not correct.')
  const learnerId = await findLearnerByEmail(ctx, input.email, input.accountId)
  const doc = learnerId === undefined ? undefined : await ctx.runner.get<LearnerDoc>('learners', `learner:${learnerId}`)
  if (doc === undefined) {
    await hashPassword(input.password) // same cost either way: timing does not reveal which emails exist
    throw failed
  }
  if (!await verifyPassword(input.password, doc.passwordHash)) throw failed
  return openSession(ctx, doc, { kind: 'learner', id: doc.learnerId })
}

/** Opens a session for a learner (after a password check, or an LMS launch later). */
export async function openSession (ctx: AppContext, doc: LearnerDoc, actor: Actor, lms?: { sid: string, pid: string }) {
  const sessionId = ctx.newId('ses')
  const expiresAt = ctx.now() + sessionLifetimeMs
  await run(ctx, doc.accountId, actor, doc.learnerId, 'SignIn', { sessionId, expiresAt: new Date(expiresAt).toISOString() })
  const fresh = await getLearner(ctx, doc.accountId, doc.learnerId)
  const token = signLearnerToken({ lid: doc.learnerId, aid: doc.accountId, sid: sessionId, pwv: fresh.passwordVersion, exp: Math.floor(expiresAt / 1000), ...(lms === undefined ? {} : { lms }) }, ctx.tokenSecret)
  return { token, learnerId: doc.learnerId, sessionId, expiresAt: new Date(expiresAt).toISOString() }
}

// Emails are unique per account; a login without an account id searches all
// accounts for the address and accepts it only when exactly one learner has it.
async function findLearnerByEmail (ctx: AppContext, email: string, accountId?: string): Promise<string | undefined> {
  const normalized = email.trim().toLowerCase()
  if (accountId !== undefined) {
    const [claim] = await ctx.store.readStream(emailStream(accountId, normalized), { maxCount: 1 })
    return (claim?.data as { learnerId?: string } | undefined)?.learnerId
  }
  const matches = await ctx.runner.list<{ learnerId: string }>('learners', `email:${normalized}:`, 2)
  return matches.length === 1 ? matches[0]?.doc.learnerId : undefined
}

export async function authenticateLearner (ctx: AppContext, token: string): Promise<LearnerPrincipal> {
  const invalid = (): AppError => new AppError('MS_ERR_UNAUTHENTICATED', 'Your session is not valid or has ended: sign in again.')
  const claims = readLearnerToken(token, ctx.tokenSecret)
  if (claims === undefined) throw invalid()
  if (claims.exp * 1000 <= ctx.now()) {
    // A course left open in an LMS past the session's lifetime: its exit still commits what
    // the learner did (POST /v1/lms/sessions/{id}/exit checks the token's signature, not its age).
    if (claims.lms !== undefined) throw new AppError('MS_ERR_LMS_SESSION_ENDED', `This course was open for more than ${sessionLifetimeMs / 3600_000} hours, so its session timed out. Choose Exit to send your progress to your LMS, then launch the course from your LMS again.`)
    throw invalid()
  }
  let doc = await ctx.runner.get<LearnerDoc>('learners', `learner:${claims.lid}`)
  if (doc?.sessions[claims.sid] === undefined) {
    // Signed by us, but unknown here: the session may have been opened through another instance
    // a moment ago. Let the read model reach the log's head before saying no.
    await ctx.runner.waitFor(await ctx.store.headPosition(), { projections: ['learners'], timeoutMs: 2000 }).catch(() => {})
    doc = await ctx.runner.get<LearnerDoc>('learners', `learner:${claims.lid}`)
  }
  const expiry = doc?.sessions[claims.sid]
  if (doc !== undefined && expiry === undefined && claims.lms !== undefined) {
    throw new AppError('MS_ERR_LMS_SESSION_ENDED', 'This LMS session has ended; launch the course from your LMS again.')
  }
  if (doc === undefined || expiry === undefined || expiry <= ctx.now() || doc.passwordVersion !== claims.pwv) throw invalid()
  return {
    kind: 'learner',
    learnerId: claims.lid,
    accountId: claims.aid,
    sessionId: claims.sid,
    ...(claims.lms === undefined ? {} : { lock: { lmsSessionId: claims.lms.sid, profileId: claims.lms.pid } })
  }
}

export async function logout (ctx: AppContext, learner: LearnerPrincipal): Promise<void> {
  await run(ctx, learner.accountId, { kind: 'learner', id: learner.learnerId }, learner.learnerId, 'SignOut', { sessionId: learner.sessionId })
}

export async function changePassword (ctx: AppContext, learner: LearnerPrincipal, input: { currentPassword: string, newPassword: string }) {
  if (learner.lock !== undefined) throw new AppError('MS_ERR_PASSWORD_CHANGE_LOCKED', 'Passwords cannot be changed in a course launched from an LMS.')
  const doc = await getLearner(ctx, learner.accountId, learner.learnerId)
  if (!await verifyPassword(input.currentPassword, doc.passwordHash)) throw new AppError('MS_ERR_WRONG_PASSWORD', 'The current password is not correct.')
  await run(ctx, learner.accountId, { kind: 'learner', id: learner.learnerId }, learner.learnerId, 'ChangePassword', { passwordHash: await hashPassword(input.newPassword) })
  // Every session ends with a password change; the learner gets a fresh one.
  return openSession(ctx, await getLearner(ctx, learner.accountId, learner.learnerId), { kind: 'learner', id: learner.learnerId })
}
