// cmi5 and Tin Can (xAPI) as data: the launch parameters an LMS hands the service, the
// LMS.LaunchData state document, and the statements the service sends when a session
// commits on exit (R15). Pure: ids and times come in as arguments; the HTTP side is
// src/lms/xapi-client.ts.
//
// cmi5 references are to cmi5_spec.md (AICC/CMI-5_Spec_Current, Quartz); xAPI to 1.0.3.
// Tin Can launch parameters follow Rustici's launch guidelines (not part of xAPI): endpoint,
// auth, actor (xAPI 1.0 or the 0.9 array form), registration (optional), activity_id.
import type { LmsValues } from './commit-values.ts'

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }

export interface XapiAccount { readonly homePage: string, readonly name: string }

/** An xAPI Agent with exactly one inverse functional identifier. */
export interface XapiAgent {
  readonly objectType?: 'Agent'
  readonly name?: string
  readonly mbox?: string
  readonly mbox_sha1sum?: string
  readonly openid?: string
  readonly account?: XapiAccount
}

export interface XapiScore { readonly scaled?: number, readonly raw?: number, readonly min?: number, readonly max?: number }

export interface XapiResult {
  readonly score?: XapiScore
  readonly success?: boolean
  readonly completion?: boolean
  readonly duration?: string
  readonly extensions?: JsonObject
}

export interface XapiStatement {
  readonly id: string
  readonly timestamp: string
  readonly actor: XapiAgent
  readonly verb: { readonly id: string, readonly display: Readonly<Record<string, string>> }
  readonly object: { readonly objectType: 'Activity', readonly id: string }
  readonly result?: XapiResult
  readonly context?: JsonObject
}

export type Parsed<T> =
  | { readonly ok: true, readonly value: T }
  | { readonly ok: false, readonly problems: readonly string[] }

/** A launch URL's query: URLSearchParams, or a parsed query object (repeated names as arrays). */
export type LaunchQuery = URLSearchParams | Readonly<Record<string, string | readonly string[] | undefined>>

export const verbs = {
  initialized: 'http://adlnet.gov/expapi/verbs/initialized',
  completed: 'http://adlnet.gov/expapi/verbs/completed',
  passed: 'http://adlnet.gov/expapi/verbs/passed',
  terminated: 'http://adlnet.gov/expapi/verbs/terminated',
  progressed: 'http://adlnet.gov/expapi/verbs/progressed',
  mastered: 'http://adlnet.gov/expapi/verbs/mastered'
} as const

export const cmi5Iris = {
  cmi5Category: 'https://w3id.org/xapi/cmi5/context/categories/cmi5',
  moveOnCategory: 'https://w3id.org/xapi/cmi5/context/categories/moveon',
  sessionIdExtension: 'https://w3id.org/xapi/cmi5/context/extensions/sessionid',
  masteryScoreExtension: 'https://w3id.org/xapi/cmi5/context/extensions/masteryscore',
  progressExtension: 'https://w3id.org/xapi/cmi5/result/extensions/progress'
} as const

export const cmi5LaunchDataStateId = 'LMS.LaunchData'
export const cmi5LearnerPreferencesProfileId = 'cmi5LearnerPreferences'

// ---- Launch parameters ---------------------------------------------------------------------

/** The five launch parameters of cmi5 8.1. */
export interface Cmi5LaunchParams {
  readonly endpoint: string
  readonly fetch: string
  /** The learner, reduced to what xAPI allows (objectType, name, account). */
  readonly actor: XapiAgent
  readonly registration: string
  readonly activityId: string
}

export interface TincanLaunchParams {
  readonly endpoint: string
  /** The `auth` parameter: the whole Authorization header value. */
  readonly authorization: string
  /** The learner as an xAPI 1.0 Agent, whichever form the LMS sent. */
  readonly actor: XapiAgent
  readonly registration: string | undefined
  readonly activityId: string
}

const launchHint = 'launch the course from the LMS, which adds it to the launch URL'

/** cmi5 8.1: the parameters in any order; other parameters (the AU URL's own) are ignored. */
export function parseCmi5LaunchParams (query: LaunchQuery): Parsed<Cmi5LaunchParams> {
  const problems: string[] = []
  const endpoint = httpUrlParam(query, 'endpoint', problems, 'cmi5 8.1')
  const fetch = httpUrlParam(query, 'fetch', problems, 'cmi5 8.1')
  const registration = uuidParam(query, 'registration', true, problems)
  const activityId = iriParam(query, 'activityId', problems)
  let actor: XapiAgent | undefined
  const actorText = param(query, 'actor', problems)
  if (actorText === undefined) problems.push(`the launch URL has no "actor" parameter (cmi5 8.1): ${launchHint}`)
  else {
    const parsed = parseJson(actorText, '"actor"', problems)
    if (parsed !== undefined) actor = cmi5Actor(parsed, problems)
  }
  if (problems.length > 0 || endpoint === undefined || fetch === undefined || registration === undefined || activityId === undefined || actor === undefined) {
    return { ok: false, problems }
  }
  return { ok: true, value: { endpoint, fetch, actor, registration, activityId } }
}

/** Tin Can launch (Rustici's guidelines): registration is optional; other parameters are ignored. */
export function parseTincanLaunchParams (query: LaunchQuery): Parsed<TincanLaunchParams> {
  const problems: string[] = []
  const endpoint = httpUrlParam(query, 'endpoint', problems, 'Tin Can launch')
  const activityId = iriParam(query, 'activity_id', problems)
  const registration = uuidParam(query, 'registration', false, problems)
  const auth = param(query, 'auth', problems)?.trim()
  // The value is a credential: it never goes into a message.
  if (auth === undefined || auth === '') problems.push(`the launch URL has no "auth" parameter (the LRS credentials): ${launchHint}`)
  let actor: XapiAgent | undefined
  const actorText = param(query, 'actor', problems)
  if (actorText === undefined) problems.push(`the launch URL has no "actor" parameter: ${launchHint}`)
  else {
    const parsed = parseJson(actorText, '"actor"', problems)
    if (parsed !== undefined) actor = tincanActor(parsed, problems)
  }
  if (problems.length > 0 || endpoint === undefined || activityId === undefined || auth === undefined || actor === undefined) {
    return { ok: false, problems }
  }
  return { ok: true, value: { endpoint, authorization: auth, actor, registration, activityId } }
}

function param (query: LaunchQuery, name: string, problems: string[]): string | undefined {
  const values = query instanceof URLSearchParams ? query.getAll(name) : [query[name] ?? []].flat()
  const distinct = [...new Set(values)]
  if (distinct.length > 1) {
    problems.push(`the launch URL gives "${name}" ${values.length} times with different values; it must appear once`)
    return undefined
  }
  return distinct[0]
}

function httpUrlParam (query: LaunchQuery, name: string, problems: string[], source: string): string | undefined {
  const value = param(query, name, problems)?.trim()
  if (value === undefined || value === '') {
    problems.push(`the launch URL has no "${name}" parameter (${source}): ${launchHint}`)
    return undefined
  }
  if (!isHttpUrl(value)) {
    problems.push(`"${name}" must be an absolute http or https URL, got ${quote(value)}`)
    return undefined
  }
  return value
}

function iriParam (query: LaunchQuery, name: string, problems: string[]): string | undefined {
  const value = param(query, name, problems)?.trim()
  if (value === undefined || value === '') {
    problems.push(`the launch URL has no "${name}" parameter (the activity the LMS records): ${launchHint}`)
    return undefined
  }
  if (!isIri(value)) {
    problems.push(`"${name}" must be an absolute IRI such as https://lms.example.com/activities/1, got ${quote(value)}`)
    return undefined
  }
  return value
}

function uuidParam (query: LaunchQuery, name: string, required: boolean, problems: string[]): string | undefined {
  const value = param(query, name, problems)?.trim()
  if (value === undefined || value === '') {
    if (required) problems.push(`the launch URL has no "${name}" parameter (the learner's enrolment): ${launchHint}`)
    return undefined
  }
  if (!isUuid(value)) {
    problems.push(`"${name}" must be a UUID such as 760e3480-ba55-4991-94b0-01820dbd23a2, got ${quote(value)}`)
    return undefined
  }
  return value
}

function parseJson (text: string, what: string, problems: string[]): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue
  } catch {
    problems.push(`${what} must be a JSON object, got ${quote(text)}`)
    return undefined
  }
}

const identifierKeys = ['account', 'mbox', 'mbox_sha1sum', 'openid'] as const

/** cmi5 9.2: an Agent identified by an account. */
function cmi5Actor (value: JsonValue, problems: string[]): XapiAgent | undefined {
  if (!isObject(value)) {
    problems.push(`"actor" must be a JSON Agent object, got ${quote(JSON.stringify(value))}`)
    return undefined
  }
  const before = problems.length
  if (value.objectType !== undefined && value.objectType !== 'Agent') problems.push(`"actor" must be an Agent (objectType "Agent"), got objectType ${quote(String(value.objectType))}`)
  const others = identifierKeys.filter(k => k !== 'account' && value[k] !== undefined)
  if (others.length > 0) problems.push(`"actor" must identify the learner by an account only (cmi5 9.2, xAPI: one identifier), it also has ${others.join(', ')}: check the LMS's cmi5 settings`)
  const account = accountOf(value.account, '"actor".account', problems)
  if (value.account === undefined) problems.push('"actor" must identify the learner by an account {homePage, name} (cmi5 9.2): check the LMS\'s cmi5 settings')
  if (problems.length > before || account === undefined) return undefined
  const name = nameOf(value.name)
  return { objectType: 'Agent', ...(name === undefined ? {} : { name }), account }
}

/** Tin Can actor: an xAPI 1.0 Agent, or the 0.9 form whose properties are arrays. */
function tincanActor (value: JsonValue, problems: string[]): XapiAgent | undefined {
  if (!isObject(value)) {
    problems.push(`"actor" must be a JSON Agent object, got ${quote(JSON.stringify(value))}`)
    return undefined
  }
  const legacy = Object.values(value).some(Array.isArray)
  if (!legacy) {
    const present = identifierKeys.filter(k => value[k] !== undefined)
    if (present.length !== 1) {
      problems.push(present.length === 0
        ? '"actor" names no learner: it needs one of account, mbox, mbox_sha1sum or openid'
        : `"actor" must have exactly one identifier (xAPI), it has ${present.join(', ')}`)
      return undefined
    }
    if (value.objectType !== undefined && value.objectType !== 'Agent') {
      problems.push(`"actor" must be an Agent (objectType "Agent"), got objectType ${quote(String(value.objectType))}`)
      return undefined
    }
    return agentWith(present[0]!, value[present[0]!], nameOf(value.name), problems)
  }
  // 0.9: {"name": ["Ann"], "mbox": ["mailto:a@x"]} or {"account": [{"accountServiceHomePage", "accountName"}]}.
  const first = (v: JsonValue | undefined): JsonValue | undefined => Array.isArray(v) ? v[0] : v
  const key = identifierKeys.find(k => first(value[k]) !== undefined && first(value[k]) !== null)
  if (key === undefined) {
    problems.push('"actor" names no learner: it needs one of account, mbox, mbox_sha1sum or openid')
    return undefined
  }
  return agentWith(key, first(value[key]), nameOf(first(value.name)), problems)
}

function agentWith (key: typeof identifierKeys[number], raw: JsonValue | undefined, name: string | undefined, problems: string[]): XapiAgent | undefined {
  const named = name === undefined ? {} : { name }
  switch (key) {
    case 'account': {
      const account = accountOf(raw, '"actor".account', problems)
      return account === undefined ? undefined : { objectType: 'Agent', ...named, account }
    }
    case 'mbox': {
      if (typeof raw !== 'string' || !raw.includes('@')) {
        problems.push(`"actor".mbox must be an email address (mailto:…), got ${quote(JSON.stringify(raw))}`)
        return undefined
      }
      // Some 0.9-era LMSs send the bare address.
      const mbox = /^mailto:/i.test(raw) ? `mailto:${raw.slice(7)}` : `mailto:${raw}`
      return { objectType: 'Agent', ...named, mbox }
    }
    case 'mbox_sha1sum': {
      if (typeof raw !== 'string' || !/^[0-9a-f]{40}$/i.test(raw)) {
        problems.push(`"actor".mbox_sha1sum must be 40 hex digits, got ${quote(JSON.stringify(raw))}`)
        return undefined
      }
      return { objectType: 'Agent', ...named, mbox_sha1sum: raw.toLowerCase() }
    }
    case 'openid': {
      if (!isIri(raw)) {
        problems.push(`"actor".openid must be a URI, got ${quote(JSON.stringify(raw))}`)
        return undefined
      }
      return { objectType: 'Agent', ...named, openid: raw }
    }
  }
}

/** An account, in the 1.0 ({homePage, name}) or the 0.9 ({accountServiceHomePage, accountName}) spelling. */
function accountOf (value: JsonValue | undefined, path: string, problems: string[]): XapiAccount | undefined {
  if (value === undefined) return undefined
  if (!isObject(value)) {
    problems.push(`${path} must be an object {homePage, name}, got ${quote(JSON.stringify(value))}`)
    return undefined
  }
  const homePage = value.homePage ?? value.accountServiceHomePage
  const name = value.name ?? value.accountName
  const before = problems.length
  if (!isIri(homePage) || !isHttpUrl(homePage)) problems.push(`${path}.homePage must be the LMS's http(s) address, got ${quote(JSON.stringify(homePage ?? null))}`)
  if (typeof name !== 'string' || name.trim() === '') problems.push(`${path}.name must be the learner's id at the LMS (a non-empty string), got ${quote(JSON.stringify(name ?? null))}`)
  if (problems.length > before) return undefined
  return { homePage: homePage as string, name: name as string }
}

function nameOf (value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

/**
 * A stable LMS user id for a learner (R2), from the Agent's identifier: `<homePage>|<name>`
 * for an account ("|" cannot occur in a URL, so the split is unambiguous), the mbox IRI
 * (lower case), `mbox_sha1sum:<hex>`, or the openid URI. undefined for an Agent without one.
 */
export function lmsUserIdOf (agent: XapiAgent): string | undefined {
  if (agent.account !== undefined) return `${agent.account.homePage}|${agent.account.name}`
  if (agent.mbox !== undefined) return agent.mbox.toLowerCase()
  if (agent.mbox_sha1sum !== undefined) return `mbox_sha1sum:${agent.mbox_sha1sum.toLowerCase()}`
  return agent.openid
}

/** A name to show: the Agent's name, else the account name, else the email address. */
export function displayNameOf (agent: XapiAgent): string | undefined {
  return nameOf(agent.name) ?? nameOf(agent.account?.name) ?? nameOf(agent.mbox?.replace(/^mailto:/i, ''))
}

// ---- LMS.LaunchData ------------------------------------------------------------------------

export type Cmi5LaunchMode = 'Normal' | 'Browse' | 'Review'
export type Cmi5MoveOn = 'Passed' | 'Completed' | 'CompletedAndPassed' | 'CompletedOrPassed' | 'NotApplicable'

const launchModes: readonly Cmi5LaunchMode[] = ['Normal', 'Browse', 'Review']
const moveOns: readonly Cmi5MoveOn[] = ['Passed', 'Completed', 'CompletedAndPassed', 'CompletedOrPassed', 'NotApplicable']

/** cmi5 10.0: what the LMS wrote for this launch. */
export interface Cmi5LaunchData {
  /** To be used as every statement's context, never overwritten. */
  readonly contextTemplate: JsonObject
  /** The session id extension of the contextTemplate (9.6.3.1). */
  readonly sessionId: string
  readonly launchMode: Cmi5LaunchMode
  readonly moveOn: Cmi5MoveOn | undefined
  readonly masteryScore: number | undefined
  /** Where the learner goes when the AU ends (http or https only). */
  readonly returnURL: string | undefined
  readonly launchParameters: string | undefined
}

/** Reads LMS.LaunchData; unknown keys (entitlementKey, vendor ones) are ignored. */
export function parseCmi5LaunchData (document: unknown): Parsed<Cmi5LaunchData> {
  const where = `the ${cmi5LaunchDataStateId} document`
  if (!isObject(document)) return { ok: false, problems: [`${where} must be a JSON object; the LMS wrote ${quote(JSON.stringify(document) ?? 'nothing')}`] }
  const problems: string[] = []
  const template = document.contextTemplate
  let sessionId: string | undefined
  if (!isObject(template)) problems.push(`${where} has no contextTemplate object (cmi5 10.0): the LMS must write one before the launch`)
  else {
    const extensions = template.extensions
    const id = isObject(extensions) ? extensions[cmi5Iris.sessionIdExtension] : undefined
    if (typeof id === 'string' && id !== '') sessionId = id
    else problems.push(`${where}'s contextTemplate has no session id extension ${cmi5Iris.sessionIdExtension} (cmi5 10.0)`)
    if (template.contextActivities !== undefined && !isObject(template.contextActivities)) problems.push(`${where}'s contextTemplate.contextActivities must be an object`)
  }
  const launchMode = document.launchMode
  if (!launchModes.includes(launchMode as Cmi5LaunchMode)) problems.push(`${where}'s launchMode must be Normal, Browse or Review, got ${quote(JSON.stringify(launchMode ?? null))}`)
  const moveOn = document.moveOn
  if (moveOn !== undefined && !moveOns.includes(moveOn as Cmi5MoveOn)) problems.push(`${where}'s moveOn must be one of ${moveOns.join(', ')}, got ${quote(JSON.stringify(moveOn))}`)
  const rawScore = document.masteryScore
  const masteryScore = typeof rawScore === 'string' && rawScore.trim() !== '' ? Number(rawScore) : rawScore
  if (masteryScore !== undefined && (typeof masteryScore !== 'number' || !(masteryScore >= 0 && masteryScore <= 1))) {
    problems.push(`${where}'s masteryScore must be a number from 0 to 1, got ${quote(JSON.stringify(rawScore))}`)
  }
  // The spec's table says returnURL, its JSON samples returnUrl.
  const returnURL = document.returnURL ?? document.returnUrl
  if (returnURL !== undefined && (typeof returnURL !== 'string' || !isHttpUrl(returnURL))) problems.push(`${where}'s returnURL must be an http or https URL, got ${quote(JSON.stringify(returnURL))}`)
  const launchParameters = document.launchParameters
  if (launchParameters !== undefined && typeof launchParameters !== 'string') problems.push(`${where}'s launchParameters must be a string`)
  if (problems.length > 0 || sessionId === undefined) return { ok: false, problems }
  return {
    ok: true,
    value: {
      contextTemplate: structuredClone(template as JsonObject),
      sessionId,
      launchMode: launchMode as Cmi5LaunchMode,
      moveOn: moveOn as Cmi5MoveOn | undefined,
      masteryScore: masteryScore as number | undefined,
      returnURL: returnURL as string | undefined,
      launchParameters: launchParameters as string | undefined
    }
  }
}

// ---- cmi5 statements -----------------------------------------------------------------------

/** One cmi5 launch session: the launch parameters and the LaunchData read for it. */
export interface Cmi5Session {
  readonly actor: XapiAgent
  readonly activityId: string
  readonly registration: string
  readonly launchData: Cmi5LaunchData
}

export interface Stamp {
  /** The statement id (a UUID; deterministic, so a retried statement is the same one). */
  readonly id: string
  /** When, in epoch ms. */
  readonly at: number
}

/** 9.3.2: the first statement of a session. */
export function cmi5Initialized (session: Cmi5Session, stamp: Stamp): XapiStatement {
  return cmi5Statement(session, stamp, 'initialized', undefined, {})
}

/** 9.3.3: completion true, a duration, the moveOn category; no score (9.5.1), no progress (9.5.5.1). */
export function cmi5Completed (session: Cmi5Session, stamp: Stamp & { readonly durationMs: number }): XapiStatement {
  return cmi5Statement(session, stamp, 'completed', { completion: true, duration: isoDuration(stamp.durationMs) }, { moveOn: true })
}

/** 9.3.4: success true, a scaled score at least the masteryScore, which goes in the context (9.6.3.2). */
export function cmi5Passed (session: Cmi5Session, stamp: Stamp & { readonly durationMs: number, readonly scoreScaled: number }): XapiStatement {
  const masteryScore = session.launchData.masteryScore
  if (!(stamp.scoreScaled >= 0 && stamp.scoreScaled <= 1)) throw new RangeError(`a scaled score is from 0 to 1, got ${stamp.scoreScaled}`)
  if (masteryScore !== undefined && stamp.scoreScaled < masteryScore) throw new RangeError(`Passed needs a score of at least the masteryScore ${masteryScore} (cmi5 9.3.4), got ${stamp.scoreScaled}`)
  return cmi5Statement(session, stamp, 'passed', { success: true, score: { scaled: stamp.scoreScaled }, duration: isoDuration(stamp.durationMs) }, { moveOn: true, masteryScore })
}

/** 9.3.8: the last statement, with the session's duration and, optionally, progress 0–100 (9.5.5.1). */
export function cmi5Terminated (session: Cmi5Session, stamp: Stamp & { readonly durationMs: number, readonly progress?: number }): XapiStatement {
  const progress = stamp.progress === undefined ? undefined : Math.min(100, Math.max(0, Math.floor(stamp.progress)))
  return cmi5Statement(session, stamp, 'terminated', {
    duration: isoDuration(stamp.durationMs),
    ...(progress === undefined ? {} : { extensions: { [cmi5Iris.progressExtension]: progress } })
  }, {})
}

export type Cmi5ExitVerb = 'completed' | 'passed' | 'terminated'

export interface Cmi5ExitInput {
  readonly session: Cmi5Session
  readonly values: LmsValues
  /** Accepted by the LRS earlier in this registration. */
  readonly alreadySent: { readonly completed: boolean, readonly passed: boolean }
  /** The exit, epoch ms; statements are 1 ms apart so their order by timestamp (9.3) is unambiguous. */
  readonly at: number
  readonly statementId: (verb: Cmi5ExitVerb) => string
}

/**
 * What a commit on exit sends (R15), in order: Completed and Passed at mastery, each at most
 * once per registration (9.3.3, 9.3.4), only in Normal mode (10.0: Browse and Review send
 * nothing but Initialized and Terminated); never Failed; always Terminated last. Completed and
 * Passed carry the registration's LMS time, Terminated the session's, and, short of completion,
 * the progress (level ÷ goal) as a percentage.
 */
export function cmi5ExitStatements (input: Cmi5ExitInput): XapiStatement[] {
  const { session, values, alreadySent } = input
  const normal = session.launchData.launchMode === 'Normal'
  const mastered = values.successStatus === 'passed' && values.completionStatus === 'completed'
  const masteryScore = session.launchData.masteryScore
  const statements: XapiStatement[] = []
  const next = (verb: Cmi5ExitVerb): Stamp => ({ id: input.statementId(verb), at: input.at + statements.length })
  const sendCompleted = normal && mastered && !alreadySent.completed
  if (sendCompleted) statements.push(cmi5Completed(session, { ...next('completed'), durationMs: values.totalLmsMs }))
  if (normal && mastered && !alreadySent.passed && (masteryScore === undefined || values.scoreScaled >= masteryScore)) {
    statements.push(cmi5Passed(session, { ...next('passed'), durationMs: values.totalLmsMs, scoreScaled: values.scoreScaled }))
  }
  // 9.5.5.1: no progress once completed in the registration.
  const withProgress = normal && !alreadySent.completed && !sendCompleted
  statements.push(cmi5Terminated(session, { ...next('terminated'), durationMs: values.sessionMs, ...(withProgress ? { progress: values.scoreRaw } : {}) }))
  return statements
}

function cmi5Statement (session: Cmi5Session, stamp: Stamp, verb: keyof typeof verbs, result: XapiResult | undefined, options: { moveOn?: boolean, masteryScore?: number | undefined }): XapiStatement {
  return {
    id: stamp.id,
    timestamp: utcTimestamp(stamp.at),
    actor: session.actor,
    verb: { id: verbs[verb], display: { 'en-US': verb } },
    object: { objectType: 'Activity', id: session.activityId },
    ...(result === undefined ? {} : { result }),
    context: cmi5Context(session, options.moveOn === true, options.masteryScore)
  }
}

/**
 * The contextTemplate with what cmi5 adds (9.6): the registration, the cmi5 category (and moveOn
 * where required), the masteryScore extension. The template's values are kept, never overwritten.
 */
function cmi5Context (session: Cmi5Session, moveOn: boolean, masteryScore: number | undefined): JsonObject {
  const template = structuredClone(session.launchData.contextTemplate)
  const activities = isObject(template.contextActivities) ? template.contextActivities : {}
  const category = asList(activities.category)
  const wanted = [cmi5Iris.cmi5Category, ...(moveOn ? [cmi5Iris.moveOnCategory] : [])]
  const added = wanted.filter(id => !category.some(a => isObject(a) && a.id === id)).map(id => ({ objectType: 'Activity', id }))
  const extensions = isObject(template.extensions) ? template.extensions : {}
  return {
    registration: session.registration,
    ...template,
    contextActivities: { ...activities, category: [...category, ...added] },
    extensions: { ...(masteryScore === undefined ? {} : { [cmi5Iris.masteryScoreExtension]: masteryScore }), ...extensions }
  }
}

// ---- Tin Can statements --------------------------------------------------------------------

export interface TincanSession {
  readonly actor: XapiAgent
  /** The launch's activity_id. */
  readonly activityId: string
  readonly registration: string | undefined
}

/** The result extension that carries progress (0–1) in Tin Can statements: an IRI the service owns. */
export function xapiProgressExtension (serviceUrl: string): string {
  return `${serviceUrl.replace(/\/+$/, '')}/xapi/extensions/progress`
}

/** Progress while learning: the scaled score and the progress extension, completion as it stands. */
export function tincanProgressed (session: TincanSession, stamp: Stamp & { readonly values: LmsValues, readonly progressExtension: string }): XapiStatement {
  const { values } = stamp
  return tincanStatement(session, stamp, 'progressed', {
    score: { scaled: values.scoreScaled, raw: values.scoreRaw, min: 0, max: 100 },
    completion: values.completionStatus === 'completed',
    duration: isoDuration(values.totalLmsMs),
    extensions: { [stamp.progressExtension]: values.progressMeasure }
  })
}

export function tincanCompleted (session: TincanSession, stamp: Stamp & { readonly durationMs: number }): XapiStatement {
  return tincanStatement(session, stamp, 'completed', { completion: true, duration: isoDuration(stamp.durationMs) })
}

export function tincanPassed (session: TincanSession, stamp: Stamp & { readonly durationMs: number, readonly scoreScaled: number }): XapiStatement {
  return tincanStatement(session, stamp, 'passed', { success: true, score: { scaled: stamp.scoreScaled }, duration: isoDuration(stamp.durationMs) })
}

export function tincanMastered (session: TincanSession, stamp: Stamp & { readonly durationMs: number }): XapiStatement {
  return tincanStatement(session, stamp, 'mastered', { success: true, completion: true, score: { scaled: 1 }, duration: isoDuration(stamp.durationMs) })
}

export function tincanTerminated (session: TincanSession, stamp: Stamp & { readonly durationMs: number }): XapiStatement {
  return tincanStatement(session, stamp, 'terminated', { duration: isoDuration(stamp.durationMs) })
}

export type TincanExitVerb = 'progressed' | 'completed' | 'passed' | 'mastered' | 'terminated'

export interface TincanExitInput {
  readonly session: TincanSession
  readonly values: LmsValues
  /** Accepted by the LRS earlier for this learner and activity (registration, when there is one). */
  readonly alreadySent: { readonly completed: boolean, readonly passed: boolean, readonly mastered: boolean }
  readonly at: number
  readonly statementId: (verb: TincanExitVerb) => string
  /** The service's base URL, for the progress extension's IRI. */
  readonly serviceUrl: string
}

/**
 * What a commit on exit sends to a Tin Can LRS (R15), in order: progress; at mastery Completed,
 * Passed and Mastered, each once; Terminated with the session's duration.
 */
export function tincanExitStatements (input: TincanExitInput): XapiStatement[] {
  const { session, values, alreadySent } = input
  const mastered = values.successStatus === 'passed' && values.completionStatus === 'completed'
  const statements: XapiStatement[] = []
  const next = (verb: TincanExitVerb): Stamp => ({ id: input.statementId(verb), at: input.at + statements.length })
  statements.push(tincanProgressed(session, { ...next('progressed'), values, progressExtension: xapiProgressExtension(input.serviceUrl) }))
  if (mastered && !alreadySent.completed) statements.push(tincanCompleted(session, { ...next('completed'), durationMs: values.totalLmsMs }))
  if (mastered && !alreadySent.passed) statements.push(tincanPassed(session, { ...next('passed'), durationMs: values.totalLmsMs, scoreScaled: values.scoreScaled }))
  if (mastered && !alreadySent.mastered) statements.push(tincanMastered(session, { ...next('mastered'), durationMs: values.totalLmsMs }))
  statements.push(tincanTerminated(session, { ...next('terminated'), durationMs: values.sessionMs }))
  return statements
}

function tincanStatement (session: TincanSession, stamp: Stamp, verb: keyof typeof verbs, result: XapiResult): XapiStatement {
  return {
    id: stamp.id,
    timestamp: utcTimestamp(stamp.at),
    actor: session.actor,
    verb: { id: verbs[verb], display: { 'en-US': verb } },
    object: { objectType: 'Activity', id: session.activityId },
    result,
    ...(session.registration === undefined ? {} : { context: { registration: session.registration } })
  }
}

// ---- Values --------------------------------------------------------------------------------

/** An ISO 8601 duration (xAPI 4.6) to the hundredth of a second, e.g. PT1H2M5.4S. */
export function isoDuration (ms: number): string {
  const centis = Number.isFinite(ms) ? Math.max(0, Math.round(ms / 10)) : 0
  const hours = Math.floor(centis / 360_000)
  const minutes = Math.floor(centis / 6000) % 60
  const seconds = (centis % 6000) / 100
  const parts = `${hours > 0 ? `${hours}H` : ''}${minutes > 0 ? `${minutes}M` : ''}${seconds > 0 || (hours === 0 && minutes === 0) ? `${seconds}S` : ''}`
  return `PT${parts}`
}

/** cmi5 9.7: UTC with milliseconds. */
export function utcTimestamp (at: number): string {
  return new Date(at).toISOString()
}

/**
 * Whether the LRS's copy of a statement is the one sent (xAPI 2.1.1: an LRS may answer 409 to
 * a resend of the same statement). Ignores what an LRS assigns (stored, authority, version),
 * the activity definition, a timestamp's spelling, the case of UUIDs and key order.
 */
export function sameStatement (sent: unknown, stored: unknown): boolean {
  if (!isObject(sent) || !isObject(stored)) return false
  return JSON.stringify(comparable(sent)) === JSON.stringify(comparable(stored))
}

function comparable (statement: JsonObject): JsonValue {
  const { stored: _stored, authority: _authority, version: _version, id, timestamp, actor, object, context, ...rest } = statement
  const instant = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN
  const activity = isObject(object) && (object.objectType ?? 'Activity') === 'Activity' ? { objectType: 'Activity', id: object.id ?? null } : object
  return canonical({
    ...rest,
    id: typeof id === 'string' ? id.toLowerCase() : id ?? null,
    timestamp: Number.isFinite(instant) ? instant : timestamp ?? null,
    actor: isObject(actor) ? { objectType: 'Agent', ...actor } : actor ?? null,
    object: activity ?? null,
    ...(isObject(context) ? { context: { ...context, ...(typeof context.registration === 'string' ? { registration: context.registration.toLowerCase() } : {}) } } : {})
  })
}

function canonical (value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(canonical)
  if (!isObject(value)) return value
  return Object.fromEntries(Object.keys(value).sort().map(k => [k, canonical(value[k]!)]))
}

// ---- Helpers -------------------------------------------------------------------------------

export function isObject (value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A UUID in its standard text form (xAPI 4.4). */
export function isUuid (value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
}

/** An absolute IRI: a scheme and no whitespace (best effort, as xAPI allows). */
export function isIri (value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(value)
}

export function isHttpUrl (value: unknown): value is string {
  if (typeof value !== 'string') return false
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
  } catch {
    return false
  }
}

function asList (value: JsonValue | undefined): JsonValue[] {
  if (value === undefined || value === null) return []
  return Array.isArray(value) ? [...value] : [value]
}

function quote (text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 117)}...` : text)
}
