// cmi5 and xAPI (Tin Can) launches. The LMS opens the AU's URL (our launch URL, with the
// package, revision and launch key) with its own parameters added: the LRS endpoint, the
// learner as an xAPI Agent, the registration, the activity id, and either a one-time URL to
// fetch an auth token (cmi5) or the LRS credentials themselves (Tin Can). The service is the
// AU: it talks to the LRS server to server, so the credential never reaches a page. It is
// kept sealed outside the log (ctx.lmsCredentials) until the session's delivery is settled.
import type { DataOf } from '../../schemas/events.ts'
import { AppError } from '../errors.ts'
import {
  cmi5Initialized, cmi5LaunchDataStateId, cmi5LearnerPreferencesProfileId, displayNameOf, lmsUserIdOf,
  parseCmi5LaunchData, parseCmi5LaunchParams, parseTincanLaunchParams,
  type Cmi5LaunchData, type LaunchQuery, type XapiAgent
} from '../domain/lms/xapi.ts'
import { addressRefused, LmsAddressRefusedError, LmsUnreachableError } from '../lms/aicc-hacp.ts'
import { LrsError, XapiClient, deterministicUuid, type XapiConnection } from '../lms/xapi-client.ts'
import type { AppContext } from './context.ts'
import { launch, verifiedPackage } from './lms-sessions.ts'

export interface XapiLaunchInput {
  readonly packageId: string
  readonly revision: number
  readonly launchKey: string
  /** The whole launch query, the LMS's parameters included. */
  readonly query: LaunchQuery
}

export type XapiClientFactory = (connection: XapiConnection) => Pick<XapiClient, 'getState' | 'getAgentProfile' | 'putStatement'>
export type Cmi5TokenFetcher = (fetchUrl: string) => Promise<{ authorization: string }>

export interface XapiLaunchDeps {
  readonly client?: XapiClientFactory
  readonly fetchToken?: Cmi5TokenFetcher
}

/** Where a Tin Can session keeps what the learner's progress was, for the next launch (State API). */
export function resumeStateId (publicUrl: string): string {
  return `${publicUrl}/xapi/state/resume`
}

/**
 * The id of a statement the service sends for a session: the same on every retry, on every
 * instance (whatever address it was started with).
 */
export function statementId (sessionId: string, verb: string): string {
  return deterministicUuid(`urn:mastery-sync:lms-session:${sessionId}:statement:${verb}`)
}

export async function launchCmi5 (ctx: AppContext, input: XapiLaunchInput, deps: XapiLaunchDeps = {}) {
  // Verify the link before contacting anyone: a made-up launch URL never makes the service call out.
  const pkg = await verifiedPackage(ctx, input.packageId, input.revision, input.launchKey)
  if (pkg.format !== 'cmi5') throw new AppError('MS_ERR_XAPI_LAUNCH_INVALID', 'This course package is not a cmi5 package. Ask your administrator to upload the cmi5 package to the LMS.')
  const params = parseCmi5LaunchParams(input.query)
  if (!params.ok) throw invalidLaunch('cmi5', params.problems)
  const { endpoint, actor, registration, activityId } = params.value
  const fetchToken = deps.fetchToken ?? (async (url: string) => XapiClient.fetchCmi5Token(url, { fetch: ctx.outboundFetch }))
  const { authorization } = await fromLms(ctx.log, 'hand out a session token', () => fetchToken(params.value.fetch))
  const client = (deps.client ?? (connection => new XapiClient(connection, { fetch: ctx.outboundFetch })))({ endpoint, authorization })
  const stateDoc = await fromLms(ctx.log, 'give the launch data', () => client.getState({ activityId, agent: actor, registration, stateId: cmi5LaunchDataStateId }))
  const launchData = parseCmi5LaunchData(stateDoc?.json)
  if (!launchData.ok) {
    ctx.log.warn({ problems: launchData.problems }, 'unusable cmi5 launch data')
    throw new AppError('MS_ERR_LMS_REFUSED', 'Your LMS did not give this course usable launch data. Please launch the course from your LMS again; if it keeps happening, tell your administrator.')
  }
  // cmi5 11.0: an AU reads the learner's preferences. The service has no language or audio
  // settings to apply yet, so reading them is all it does.
  await fromLms(ctx.log, 'give the learner preferences', () => client.getAgentProfile({ agent: actor, profileId: cmi5LearnerPreferencesProfileId }))

  const sessionId = ctx.newId('lms')
  const opened = await withCredential(ctx, sessionId, authorization, () => launch(ctx, {
    packageId: pkg.packageId,
    revision: input.revision,
    launchKey: input.launchKey,
    standard: 'cmi5',
    sessionId,
    lmsRegistration: registration,
    ...identity(actor),
    xapi: { kind: 'cmi5', endpoint, actor: actor as Record<string, unknown>, activityId, registration, launchData: storable(launchData.value) }
  }))
  // 9.3.2: Initialized first, at launch; the rest goes at exit, through the delivery outbox.
  const session = { actor, activityId, registration, launchData: launchData.value }
  try {
    await fromLms(ctx.log, 'record the start of the session', () => client.putStatement(cmi5Initialized(session, { id: statementId(sessionId, 'initialized'), at: ctx.now() })))
  } catch (error) {
    // The learner never gets this session's token: nothing will ever be delivered for it.
    await ctx.lmsCredentials.delete(sessionId)
    throw error
  }
  return opened
}

export async function launchTincan (ctx: AppContext, input: XapiLaunchInput, deps: XapiLaunchDeps = {}) {
  const pkg = await verifiedPackage(ctx, input.packageId, input.revision, input.launchKey)
  if (pkg.format !== 'xapi') throw new AppError('MS_ERR_XAPI_LAUNCH_INVALID', 'This course package is not an xAPI (Tin Can) package. Ask your administrator to upload the xAPI package to the LMS.')
  const params = parseTincanLaunchParams(input.query)
  if (!params.ok) throw invalidLaunch('xAPI', params.problems)
  const { endpoint, authorization, actor, registration, activityId } = params.value
  const client = (deps.client ?? (connection => new XapiClient(connection, { fetch: ctx.outboundFetch })))({ endpoint, authorization })
  // What an earlier session left (State API): a pass the LRS has is never taken back.
  const resume = await fromLms(ctx.log, 'give the saved progress', () => client.getState({ activityId, agent: actor, ...(registration === undefined ? {} : { registration }), stateId: resumeStateId(ctx.publicUrl) }))
  const passedBefore = (resume?.json as { mastered?: unknown } | undefined)?.mastered === true
  const sessionId = ctx.newId('lms')
  return withCredential(ctx, sessionId, authorization, () => launch(ctx, {
    packageId: pkg.packageId,
    revision: input.revision,
    launchKey: input.launchKey,
    standard: 'xapi',
    sessionId,
    ...(registration === undefined ? {} : { lmsRegistration: registration }),
    ...identity(actor),
    ...(passedBefore ? { lmsState: { completionStatus: 'completed', successStatus: 'passed' } } : {}),
    xapi: { kind: 'tincan', endpoint, actor: actor as Record<string, unknown>, activityId, ...(registration === undefined ? {} : { registration }) }
  }))
}

/** The learner as the LMS knows them: the account name (the LMS's user id), else the Agent's other identifier. */
function identity (actor: XapiAgent): { lmsUserId: string, lmsUserName?: string } {
  const lmsUserId = actor.account?.name ?? lmsUserIdOf(actor)
  if (lmsUserId === undefined || lmsUserId.trim() === '') {
    throw new AppError('MS_ERR_XAPI_LAUNCH_INVALID', 'Your LMS did not say who you are (the launch\'s actor has no identifier). Please launch the course from your LMS again.')
  }
  const name = displayNameOf(actor)
  return { lmsUserId: lmsUserId.trim(), ...(name === undefined ? {} : { lmsUserName: name }) }
}

/** The credential is stored before the session exists, and removed again if the launch is refused. */
async function withCredential<T> (ctx: AppContext, sessionId: string, authorization: string, open: () => Promise<T>): Promise<T> {
  await ctx.lmsCredentials.put(sessionId, { authorization })
  try {
    return await open()
  } catch (error) {
    await ctx.lmsCredentials.delete(sessionId)
    throw error
  }
}

function storable (data: Cmi5LaunchData): Record<string, unknown> {
  return JSON.parse(JSON.stringify(data)) as Record<string, unknown>
}

function invalidLaunch (standard: string, problems: readonly string[]): AppError {
  return new AppError('MS_ERR_XAPI_LAUNCH_INVALID', `This course was opened without the ${standard} launch details the LMS adds (${problems.join('; ')}). Please launch it from your LMS.`)
}

/** An LMS/LRS call during a launch; its failures in words a learner can act on. */
async function fromLms<T> (log: AppContext['log'], what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    if (error instanceof LrsError) {
      // What the LMS answered stays in the log: it is for administrators, and an LRS a launch
      // link points at is not trusted to write on the learner's page.
      log.warn({ err: error }, `the LMS refused to ${what}`)
      throw new AppError('MS_ERR_LMS_REFUSED', `Your LMS did not ${what}. Please launch the course from your LMS again; if it keeps happening, tell your administrator.`)
    }
    if (error instanceof LmsAddressRefusedError) {
      throw addressRefused(error)
    }
    if (error instanceof LmsUnreachableError) {
      throw new AppError('MS_ERR_LMS_UNREACHABLE', `The course could not reach your LMS to ${what}. Please try again in a moment; if it keeps happening, tell your administrator.`)
    }
    throw error
  }
}

export type XapiLaunchData = NonNullable<DataOf<'LmsSessionLaunched'>['xapi']>
