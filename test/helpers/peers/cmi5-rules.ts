// The cmi5 ("Quartz", 1st edition) requirements on an AU's statements that an LMS can observe,
// checked one statement at a time as they arrive for a launch session. Section numbers are those
// of cmi5_spec.md in AICC/CMI-5_Spec_Current (quartz).
//
// Checked (rule id → section):
//  statement-id 9.1 · timestamp-utc 9.7 · actor-from-launch 8.1 · actor-agent-account 9.2 ·
//  registration 9.6.1 · session-id 9.6.3.1 · context-template 10.0 · cmi5-category 9.6.2.1 ·
//  cmi5-verb 7.1.3/9.3 · lms-only-verb 9.3.1/9.3.6/9.3.7/9.3.9 · object-activity-id 9.4 ·
//  initialized-first 7.1.1/9.3.2 · allowed-between 7.1.3 · terminated-last 7.1.2/9.3.8 ·
//  duplicate-verb 9.3 · passed-or-failed-once 9.3 · completed-once-per-registration 9.3.3 ·
//  passed-once-per-registration 9.3.4 · failed-after-passed 9.3 · score-verbs 9.5.1 ·
//  score-scaled-range 9.5.1 · score-raw 9.5.1 · mastery-score 9.3.4/9.3.5 ·
//  mastery-score-extension 9.6.3.2 · success 9.5.2 · completion 9.5.3 · duration 9.5.4.1 ·
//  progress 9.5.5.1 · moveon-category 9.6.2.2 · launch-mode 10.0 · launch-data-read 10.0 ·
//  learner-preferences-read 11.0
// Order ("first", "last") is judged by timestamp as 9.3 says, and also by arrival for
// "nothing after Terminated" (the LMS must stop accepting the session's statements, 9.3.8).
// A statement with a cmi5 verb whose object is the AU but without the cmi5 category is treated as a
// cmi5 defined statement missing its category (strictly it would be "cmi5 allowed" and silently not
// count for completion — for a sender that is always a bug).
// Not checked here (the LRS checks them, see lrs.ts): fetch-URL use, voiding, writes to
// LMS.LaunchData, sessions never terminated.
import { agentKey, isObject, isUtcTimestamp, isUuid, type JsonObject, type JsonValue } from './xapi-statement.ts'

export const cmi5 = {
  categories: {
    cmi5: 'https://w3id.org/xapi/cmi5/context/categories/cmi5',
    moveOn: 'https://w3id.org/xapi/cmi5/context/categories/moveon'
  },
  contextExtensions: {
    sessionId: 'https://w3id.org/xapi/cmi5/context/extensions/sessionid',
    masteryScore: 'https://w3id.org/xapi/cmi5/context/extensions/masteryscore',
    launchMode: 'https://w3id.org/xapi/cmi5/context/extensions/launchmode',
    launchUrl: 'https://w3id.org/xapi/cmi5/context/extensions/launchurl',
    moveOn: 'https://w3id.org/xapi/cmi5/context/extensions/moveon',
    launchParameters: 'https://w3id.org/xapi/cmi5/context/extensions/launchparameters'
  },
  resultExtensions: {
    progress: 'https://w3id.org/xapi/cmi5/result/extensions/progress',
    reason: 'https://w3id.org/xapi/cmi5/result/extensions/reason'
  },
  verbs: {
    launched: 'http://adlnet.gov/expapi/verbs/launched',
    initialized: 'http://adlnet.gov/expapi/verbs/initialized',
    completed: 'http://adlnet.gov/expapi/verbs/completed',
    passed: 'http://adlnet.gov/expapi/verbs/passed',
    failed: 'http://adlnet.gov/expapi/verbs/failed',
    abandoned: 'https://w3id.org/xapi/adl/verbs/abandoned',
    waived: 'https://w3id.org/xapi/adl/verbs/waived',
    terminated: 'http://adlnet.gov/expapi/verbs/terminated',
    satisfied: 'https://w3id.org/xapi/adl/verbs/satisfied'
  },
  launchDataStateId: 'LMS.LaunchData',
  learnerPreferencesProfileId: 'cmi5LearnerPreferences'
} as const

export type LaunchMode = 'Normal' | 'Browse' | 'Review'
export type MoveOn = 'Passed' | 'Completed' | 'CompletedAndPassed' | 'CompletedOrPassed' | 'NotApplicable'
export type Cmi5Verb = keyof typeof cmi5.verbs

export interface Cmi5Violation {
  /** A stable short id, e.g. "passed-once-per-registration". */
  readonly rule: string
  /** The cmi5 section the rule comes from. */
  readonly section: string
  /** MUST for requirements; SHOULD for recommendations the peer still reports. */
  readonly level: 'MUST' | 'SHOULD'
  readonly message: string
  readonly registration: string
  readonly sessionId: string
  readonly statementId?: string
  readonly verb?: string
}

/** What the LMS decided at launch, against which the AU's statements are judged. */
export interface Cmi5LaunchFacts {
  readonly registration: string
  readonly sessionId: string
  readonly activityId: string
  readonly actor: JsonObject
  readonly launchMode: LaunchMode
  readonly masteryScore: number | undefined
  readonly contextTemplate: JsonObject
}

/** Progress of one session, updated only by statements the LMS accepted. */
export interface Cmi5SessionProgress {
  initialized: { at: number, statementId: string } | undefined
  terminated: { at: number, statementId: string } | undefined
  definedVerbs: Cmi5Verb[]
  latestTimestamp: number | undefined
  launchDataRead: boolean
  learnerPreferencesRead: boolean
}

/** Progress of one AU within a registration, across its sessions. */
export interface Cmi5RegistrationProgress {
  completed: boolean
  passed: boolean
}

export function newSessionProgress (): Cmi5SessionProgress {
  return { initialized: undefined, terminated: undefined, definedVerbs: [], latestTimestamp: undefined, launchDataRead: false, learnerPreferencesRead: false }
}

const auVerbs: readonly Cmi5Verb[] = ['initialized', 'completed', 'passed', 'failed', 'terminated']
const lmsVerbs: readonly Cmi5Verb[] = ['launched', 'abandoned', 'waived', 'satisfied']

function verbName (id: JsonValue | undefined): Cmi5Verb | undefined {
  return (Object.keys(cmi5.verbs) as Cmi5Verb[]).find(name => cmi5.verbs[name] === id)
}

function asList (value: JsonValue | undefined): JsonValue[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}

function activityIds (context: JsonObject | undefined, kind: string): string[] {
  const ca = context?.contextActivities
  if (!isObject(ca)) return []
  return asList(ca[kind]).flatMap(a => isObject(a) && typeof a.id === 'string' ? [a.id] : [])
}

function sameJson (a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b))
}

function canonical (value: JsonValue | undefined): JsonValue | undefined {
  if (Array.isArray(value)) return value.map(v => canonical(v) ?? null)
  if (!isObject(value)) return value
  return Object.fromEntries(Object.keys(value).sort().map(k => [k, canonical(value[k]) ?? null]))
}

/**
 * Judges one statement the AU sent in `facts`' session. Returns the violations it commits; when it
 * is accepted the caller applies `progress`/`registration` updates (they are mutated here, so pass
 * copies when the statement may still be refused).
 */
export function judgeStatement (statement: JsonObject, facts: Cmi5LaunchFacts, session: Cmi5SessionProgress, registration: Cmi5RegistrationProgress, arrivedAt: number): Cmi5Violation[] {
  const violations: Cmi5Violation[] = []
  const statementId = typeof statement.id === 'string' ? statement.id : undefined
  const verb = isObject(statement.verb) ? statement.verb.id : undefined
  const name = verbName(verb)
  const context = isObject(statement.context) ? statement.context : undefined
  const result = isObject(statement.result) ? statement.result : undefined
  const object = isObject(statement.object) ? statement.object : undefined
  const categories = activityIds(context, 'category')
  const hasCmi5Category = categories.includes(cmi5.categories.cmi5)
  const aboutTheAu = object?.id === facts.activityId
  const defined = hasCmi5Category || (name !== undefined && auVerbs.includes(name) && aboutTheAu)
  const label = name ?? (typeof verb === 'string' ? verb : 'statement')
  const add = (rule: string, section: string, message: string, level: 'MUST' | 'SHOULD' = 'MUST') => {
    violations.push({ rule, section, level, message: `${label}: ${message}`, registration: facts.registration, sessionId: facts.sessionId, ...(statementId === undefined ? {} : { statementId }), ...(typeof verb === 'string' ? { verb } : {}) })
  }

  // Every statement of the session, cmi5 defined or allowed.
  if (!isUuid(statement.id)) add('statement-id', '9.1', 'the AU must give every statement a UUID id')
  const timestamp = typeof statement.timestamp === 'string' ? Date.parse(statement.timestamp) : Number.NaN
  if (statement.timestamp === undefined) add('timestamp-utc', '9.7', 'every statement must include a timestamp')
  else if (!isUtcTimestamp(statement.timestamp)) add('timestamp-utc', '9.7', `timestamps must be recorded in UTC, got ${JSON.stringify(statement.timestamp)}`)
  const at = Number.isFinite(timestamp) ? timestamp : arrivedAt
  if (agentKey(statement.actor) !== agentKey(facts.actor)) add('actor-from-launch', '8.1', `the actor must be the launch's actor ${JSON.stringify(facts.actor)}, got ${JSON.stringify(statement.actor)}`)
  if (context?.registration !== facts.registration) add('registration', '9.6.1', `context.registration must be the launch's ${facts.registration}, got ${JSON.stringify(context?.registration ?? null)}`)
  const extensions = isObject(context?.extensions) ? context.extensions : undefined
  if (extensions?.[cmi5.contextExtensions.sessionId] !== facts.sessionId) {
    add('session-id', '9.6.3.1', `context.extensions must carry the session id ${facts.sessionId}, got ${JSON.stringify(extensions?.[cmi5.contextExtensions.sessionId] ?? null)}`)
  }
  for (const problem of templateProblems(facts.contextTemplate, context)) add('context-template', '10.0', problem)

  if (session.terminated !== undefined) add('terminated-last', '9.3.8', 'sent after the session\'s Terminated statement; Terminated must be the last statement of a session')
  if (name !== 'initialized' || !defined) {
    if (session.initialized === undefined) {
      add(defined ? 'initialized-first' : 'allowed-between', defined ? '9.3.2' : '7.1.3', defined ? 'the first statement of a session must be Initialized' : 'cmi5 allowed statements must come after Initialized')
    } else if (at < session.initialized.at) {
      add(defined ? 'initialized-first' : 'allowed-between', defined ? '9.3.2' : '7.1.3', 'its timestamp is before the session\'s Initialized statement')
    }
  }
  if (name === 'terminated' && defined && session.latestTimestamp !== undefined && at < session.latestTimestamp) {
    add('terminated-last', '9.3.8', 'an earlier statement of the session has a later timestamp than Terminated')
  }

  if (!defined) {
    if (categories.includes(cmi5.categories.moveOn)) add('moveon-category', '9.6.2.2', 'only cmi5 defined statements with success or completion may carry the moveOn category')
    if (name !== undefined && lmsVerbs.includes(name) && aboutTheAu) add('lms-only-verb', '9.3', `"${name}" statements are the LMS's to make, not the AU's`)
    session.latestTimestamp = Math.max(session.latestTimestamp ?? at, at)
    return violations
  }

  // cmi5 defined statements.
  if (!hasCmi5Category) add('cmi5-category', '9.6.2.1', `a cmi5 defined statement must list ${cmi5.categories.cmi5} in context.contextActivities.category`)
  if (name === undefined) add('cmi5-verb', '7.1.3', 'statements with the cmi5 category must use a cmi5 verb')
  else if (lmsVerbs.includes(name)) add('lms-only-verb', '9.3', `"${name}" statements are the LMS's to make, not the AU's`)
  const actor = isObject(statement.actor) ? statement.actor : undefined
  if (actor === undefined || (actor.objectType ?? 'Agent') !== 'Agent' || !isObject(actor.account)) add('actor-agent-account', '9.2', 'the actor of a cmi5 defined statement must be an Agent identified by an account')
  if (!aboutTheAu || (object?.objectType ?? 'Activity') !== 'Activity') add('object-activity-id', '9.4', `the object must be the Activity ${facts.activityId} from the launch, got ${JSON.stringify(object?.id ?? null)}`)
  if (name !== undefined && session.definedVerbs.includes(name)) add('duplicate-verb', '9.3', 'verbs must not be repeated within a session')
  if ((name === 'passed' || name === 'failed') && session.definedVerbs.some(v => v === 'passed' || v === 'failed')) add('passed-or-failed-once', '9.3', 'only one of Passed or Failed may be used in a session')
  if (name === 'completed' && registration.completed) add('completed-once-per-registration', '9.3.3', 'only one Completed statement is allowed per registration')
  if (name === 'passed' && registration.passed) add('passed-once-per-registration', '9.3.4', 'only one Passed statement is allowed per registration')
  if (name === 'failed' && registration.passed) add('failed-after-passed', '9.3', 'a Failed statement must not follow a Passed statement in the registration')
  if (facts.launchMode !== 'Normal' && name !== 'initialized' && name !== 'terminated') add('launch-mode', '10.0', `in launchMode ${facts.launchMode} the AU must not send cmi5 defined statements other than Initialized and Terminated`)
  if (name === 'initialized') {
    if (!session.launchDataRead) add('launch-data-read', '10.0', `the AU must get the contextTemplate from the ${cmi5.launchDataStateId} state document before it starts`)
    if (!session.learnerPreferencesRead) add('learner-preferences-read', '11.0', `on startup the AU must retrieve the ${cmi5.learnerPreferencesProfileId} agent profile`)
  }

  // Result.
  const score = isObject(result?.score) ? result.score : undefined
  if (result?.score !== undefined && name !== 'passed' && name !== 'failed') add('score-verbs', '9.5.1', 'only Passed and Failed statements may include a score')
  if (score !== undefined) {
    if (score.scaled !== undefined && (typeof score.scaled !== 'number' || score.scaled < 0 || score.scaled > 1)) add('score-scaled-range', '9.5.1', `score.scaled must be between 0 and 1, got ${JSON.stringify(score.scaled)}`)
    if (score.raw !== undefined) {
      if (!Number.isInteger(score.raw)) add('score-raw', '9.5.1', `score.raw must be an integer, got ${JSON.stringify(score.raw)}`)
      if (!Number.isInteger(score.min) || !Number.isInteger(score.max)) add('score-raw', '9.5.1', 'a raw score needs integer min and max')
    }
    if (facts.masteryScore !== undefined && typeof score.scaled === 'number') {
      if (name === 'passed' && score.scaled < facts.masteryScore) add('mastery-score', '9.3.4', `a Passed scaled score must be at least the masteryScore ${facts.masteryScore}, got ${score.scaled}`)
      if (name === 'failed' && score.scaled >= facts.masteryScore) add('mastery-score', '9.3.5', `a Failed scaled score must be below the masteryScore ${facts.masteryScore}, got ${score.scaled}`)
    }
  }
  if ((name === 'passed' || name === 'failed') && facts.masteryScore !== undefined && extensions?.[cmi5.contextExtensions.masteryScore] !== facts.masteryScore) {
    add('mastery-score-extension', '9.6.3.2', `Passed/Failed must carry the launch's masteryScore ${facts.masteryScore} as ${cmi5.contextExtensions.masteryScore}, got ${JSON.stringify(extensions?.[cmi5.contextExtensions.masteryScore] ?? null)}`)
  }
  const expectedSuccess = name === 'passed' ? true : name === 'failed' ? false : undefined
  if (expectedSuccess === undefined && result?.success !== undefined) add('success', '9.5.2', 'only Passed and Failed statements may include result.success')
  if (expectedSuccess !== undefined && result?.success !== expectedSuccess) add('success', '9.5.2', `result.success must be ${expectedSuccess}, got ${JSON.stringify(result?.success ?? null)}`)
  if (name === 'completed' && result?.completion !== true) add('completion', '9.5.3', `result.completion must be true, got ${JSON.stringify(result?.completion ?? null)}`)
  if (name !== 'completed' && result?.completion !== undefined) add('completion', '9.5.3', 'only Completed statements may include result.completion')
  if ((name === 'completed' || name === 'passed' || name === 'failed' || name === 'terminated') && typeof result?.duration !== 'string') add('duration', '9.5.4.1', 'result.duration is required')
  const progress = isObject(result?.extensions) ? result.extensions[cmi5.resultExtensions.progress] : undefined
  if (progress !== undefined && (!Number.isInteger(progress) || (progress as number) < 0 || (progress as number) > 100)) add('progress', '9.5.5.1', `the progress extension must be an integer from 0 to 100, got ${JSON.stringify(progress)}`)
  if (progress !== undefined && name === 'completed') add('progress', '9.5.5.1', 'the AU should not set progress in a Completed statement', 'SHOULD')
  const judged = result?.success !== undefined || result?.completion !== undefined
  const hasMoveOn = categories.includes(cmi5.categories.moveOn)
  if (judged && !hasMoveOn) add('moveon-category', '9.6.2.2', `a statement with result.success or result.completion must list ${cmi5.categories.moveOn} in context.contextActivities.category`)
  if (!judged && hasMoveOn) add('moveon-category', '9.6.2.2', 'the moveOn category is only for statements with result.success or result.completion')

  // Progress, as if accepted (the caller keeps copies for refused statements).
  if (name !== undefined) session.definedVerbs.push(name)
  if (name === 'initialized') session.initialized ??= { at, statementId: statementId ?? '' }
  if (name === 'terminated') session.terminated ??= { at, statementId: statementId ?? '' }
  if (name === 'completed') registration.completed = true
  if (name === 'passed') registration.passed = true
  session.latestTimestamp = Math.max(session.latestTimestamp ?? at, at)
  return violations
}

/** How a statement's context fails to include what the contextTemplate holds (10.0: never overwrite it). */
function templateProblems (template: JsonObject, context: JsonObject | undefined): string[] {
  const problems: string[] = []
  for (const [key, value] of Object.entries(template)) {
    if (key === 'contextActivities' && isObject(value)) {
      for (const [kind, list] of Object.entries(value)) {
        const present = activityIds(context, kind)
        for (const activity of asList(list)) {
          if (isObject(activity) && typeof activity.id === 'string' && !present.includes(activity.id)) {
            problems.push(`context.contextActivities.${kind} must keep the contextTemplate's activity ${activity.id}`)
          }
        }
      }
    } else if (key === 'extensions' && isObject(value)) {
      const extensions = isObject(context?.extensions) ? context.extensions : {}
      for (const [iri, expected] of Object.entries(value)) {
        // The session id has its own rule (session-id); do not report it twice.
        if (iri === cmi5.contextExtensions.sessionId) continue
        if (!sameJson(extensions[iri], expected)) problems.push(`context.extensions["${iri}"] must keep the contextTemplate's value ${JSON.stringify(expected)}`)
      }
    } else if (!sameJson(context?.[key], value)) {
      problems.push(`context.${key} must keep the contextTemplate's value ${JSON.stringify(value)}`)
    }
  }
  return problems
}
