// A stand-in LRS (xAPI 1.0.3) with the LMS side of a cmi5 launch ("cmi5 Quartz"), over a real
// node:http server: the peer our xAPI/Tin Can and cmi5 senders talk to in tests.
//
// xAPI 1.0.3 (xAPI-Communication.md, xAPI-Data.md), under the base endpoint `<origin>/xapi/`:
//  - Statement resource (2.1): POST (one or an array → ids), PUT ?statementId= (→ 204), GET by
//    statementId/voidedStatementId or as a filtered StatementResult (agent, verb, activity,
//    registration, related_activities, related_agents, since, until, limit, ascending, format).
//    Statements are validated structurally (xapi-statement.ts) → 400 with the reasons; a batch is
//    refused whole (3.2.s3.b9); duplicate ids in a batch → 400; an id already stored with other
//    content → 409, with the same content → accepted without change (2.1.1/2.1.2); voiding.
//    Stored statements get `stored`, `authority`, `version` (and `timestamp` when absent).
//  - State (2.3), Activity Profile (2.7), Agent Profile (2.6) documents: GET one / GET ids (since)
//    / PUT / POST (JSON merge, 2.2.s7–s8) / DELETE (one, or all state of a context); ETag =
//    quoted SHA-1 hex; profile PUTs need If-Match/If-None-Match when the document exists (409),
//    failed preconditions → 412 (3.1). About (2.8): {"version":["1.0.3"]}, no auth, no version check.
//  - Every request except /about needs `X-Experience-API-Version` 1.0 or 1.0.x (else 400, 3.3) and
//    HTTP Basic auth: the configured credentials or a cmi5 auth-token (else 401, 4.0). Unknown or
//    wrongly-cased query parameters → 400 (3.2.s3.b7–b8). Content-Type must match the content
//    (3.2.s3.b6). Every response carries `X-Experience-API-Version: 1.0.3`; statement responses
//    also `X-Experience-API-Consistent-Through`.
// Stricter than xAPI, on purpose: statements must carry an id (`requireStatementId`, default true:
// our senders need ids for idempotent retries, and cmi5 9.1 requires them); timestamps must carry a
// time zone.
// Extra Basic credentials can be issued (and revoked, or made to expire) to model the per-launch
// credentials of a Tin Can launch (`issueCredentials`, `tincanLaunch`).
// Not implemented: attachments sent as multipart/mixed (refused with 400), signed statements, OAuth,
// the alternate request syntax (1.3; refused with 400), "canonical" language filtering, paging
// through `more` (every match is returned at once), the Agents/Activities resources beyond echoing,
// CORS (the senders under test are server-to-server).
//
// cmi5 (cmi5_spec.md, AICC/CMI-5_Spec_Current, quartz), see `launchCmi5`:
//  - a launch creates (or continues) a registration and a session: the LMS records a "launched"
//    statement (9.3.1, with the 9.6.3 context extensions), writes the LMS.LaunchData state document
//    (10.0: contextTemplate with the publisher id grouping activity and the session id extension,
//    launchMode, moveOn, masteryScore, returnURL — the spec's spelling; its JSON samples say
//    returnUrl —, launchParameters) and the learner preferences
//    agent profile (11.0), and returns the launch parameters endpoint, fetch, actor, registration,
//    activityId (8.1);
//  - the fetch URL (8.2) answers POST once with {"auth-token": …}, then error-code 1; unknown keys
//    error-code 2; always HTTP 200 and application/json; GET → 405 (and a violation);
//  - the auth-token is used as `Authorization: Basic <token>` (8.2.1); it is valid for its session
//    only, and stops working once the session is terminated (after `terminatedGraceMs`) or
//    abandoned (9.3.8, 8.2.2);
//  - statements sent with a session's token are judged by cmi5-rules.ts; voiding is forbidden to AUs
//    (6.3, 403); an AU may not modify LMS.LaunchData (10.0, 403); a new launch of an AU whose
//    previous session never terminated records "abandoned" for it (9.3.6).
//  - violations are collected (`violations()`); with `cmi5Enforcement: 'reject'` (default) a
//    statement that breaks a MUST is also refused with 400, as 6.3 says the LMS SHOULD.
// Not implemented for cmi5: satisfied/waived statements, blocks and courses, moveOn evaluation,
// course structure import.
import type { Test } from 'tap'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import {
  BodyTooLarge, FailurePlan, failBeforeProcessing, headersOf, listenOnLoopback, mediaType, readBody,
  type InjectedFailure, type PeerServer, type RequestMatch
} from './http-peer.ts'
import { agentKey, checkAgent, checkStatement, isIri, isObject, isTimestamp, isUuid, type JsonObject, type JsonValue } from './xapi-statement.ts'
import {
  cmi5, judgeStatement, newSessionProgress,
  type Cmi5LaunchFacts, type Cmi5RegistrationProgress, type Cmi5SessionProgress, type Cmi5Violation, type LaunchMode, type MoveOn
} from './cmi5-rules.ts'

export const xapiVersion = '1.0.3'
/** Every query parameter name xAPI 1.0.3 defines, to tell a wrongly-cased one from an unknown one. */
const xapiParameters = ['statementId', 'voidedStatementId', 'agent', 'verb', 'activity', 'registration', 'related_activities', 'related_agents', 'since', 'until', 'limit', 'format', 'attachments', 'ascending', 'activityId', 'stateId', 'profileId', 'method']
const basePath = '/xapi/'
const fetchPath = '/lms/cmi5/fetch'

export interface LrsOptions {
  /** HTTP Basic credentials for non-cmi5 senders (default: random ones, see `authorization`). */
  readonly credentials?: { readonly username: string, readonly password: string }
  /** Refuse statements without an id (default true). */
  readonly requireStatementId?: boolean
  /** 'reject' (default): statements breaking a cmi5 MUST are refused with 400 and recorded; 'record': stored and recorded. */
  readonly cmi5Enforcement?: 'reject' | 'record'
  /** How long after a session's Terminated its auth-token still works (default 0: not at all). */
  readonly terminatedGraceMs?: number
  readonly maxBodyBytes?: number
  /** Listen on this port instead of one the kernel picks. */
  readonly port?: number
}

/** One HTTP request and the LRS's answer, in arrival order. */
export interface LrsExchange {
  readonly seq: number
  readonly at: Date
  readonly method: string
  /** The resource under the endpoint ("statements", "activities/state", …) or "cmi5/fetch". */
  readonly resource: string
  readonly query: Readonly<Record<string, string>>
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** Who the request authenticated as: the Basic user name, "cmi5:<sessionId>", or "none". */
  readonly principal: string
  readonly injected: InjectedFailure | undefined
  /** undefined while held ('timeout') or when reset before an answer. */
  readonly status: number | undefined
  /** Why the LRS refused the request (status ≥ 400). */
  readonly reason: string | undefined
}

/** Each statement as it arrived, whether stored or refused. */
export interface ReceivedStatement {
  readonly seq: number
  readonly at: Date
  readonly statement: JsonValue
  readonly accepted: boolean
  readonly reasons: readonly string[]
  readonly principal: string
}

export interface Cmi5LaunchOptions {
  /** Continue this registration (a new session); a new registration is made when absent or unknown. */
  readonly registration?: string
  /** The learner (default: an account Agent on the LMS, without PII). */
  readonly actor?: JsonObject
  /** The LMS-generated AU activity id (default: a new IRI on the LMS). */
  readonly activityId?: string
  /** The AU id from the course structure (cmi5.xml), put in the contextTemplate grouping. */
  readonly publisherId?: string
  readonly launchMode?: LaunchMode
  readonly moveOn?: MoveOn
  /** 0–1, at most 4 decimals. */
  readonly masteryScore?: number
  readonly returnURL?: string
  readonly launchParameters?: string
  readonly entitlementKey?: { readonly courseStructure: string, readonly alternate?: string }
  /** The AU's URL, recorded as the launchurl extension of the launched statement. */
  readonly auUrl?: string
  /** The cmi5LearnerPreferences agent profile to put (default en-US, audio on); null: none. */
  readonly learnerPreferences?: { readonly languagePreference?: string, readonly audioPreference?: 'on' | 'off' } | null
}

export interface Cmi5Launch {
  readonly registration: string
  readonly sessionId: string
  readonly activityId: string
  readonly publisherId: string
  readonly actor: JsonObject
  readonly endpoint: string
  readonly fetchUrl: string
  readonly launchData: JsonObject
  /** The five launch parameters of 8.1, values as strings. */
  readonly params: Readonly<{ endpoint: string, fetch: string, actor: string, registration: string, activityId: string }>
  /** The URL-encoded query string of the launch parameters. */
  readonly query: string
  /** The AU URL with the launch parameters appended. */
  url (auUrl?: string): string
}

export type Cmi5SessionState = 'launched' | 'active' | 'terminated' | 'abandoned'

export interface Cmi5SessionInfo {
  readonly sessionId: string
  readonly registration: string
  readonly activityId: string
  readonly state: Cmi5SessionState
  readonly fetchCount: number
  readonly tokenIssued: boolean
  readonly progress: Readonly<Cmi5SessionProgress>
}

interface StoredStatement {
  readonly statement: JsonObject
  /** As received, for the same-id comparison. */
  readonly original: JsonObject
  readonly storedAt: number
  readonly seq: number
  /** The cmi5 session whose auth-token sent it (undefined: the LMS itself or Basic credentials). */
  readonly sessionId: string | undefined
  voided: boolean
}

interface StoredDocument {
  readonly contentType: string
  readonly body: Buffer
  readonly updated: Date
  readonly etag: string
}

type DocumentKind = 'state' | 'activityProfile' | 'agentProfile'

interface Cmi5Registration {
  readonly registration: string
  readonly actor: JsonObject
  readonly activityId: string
  readonly publisherId: string
  readonly progress: Cmi5RegistrationProgress
}

interface Cmi5Session {
  readonly facts: Cmi5LaunchFacts
  readonly launchData: JsonObject
  readonly fetchKey: string
  readonly token: string
  readonly registration: Cmi5Registration
  readonly launchedAt: number
  fetchCount: number
  state: Cmi5SessionState
  terminatedArrivedAt: number | undefined
  lastStatementAt: number | undefined
  progress: Cmi5SessionProgress
}

/** What a resource handler answers. */
interface Reply { readonly status: number, readonly body: JsonValue | Buffer | undefined, readonly headers?: Record<string, string> }

type Principal = { kind: 'basic', username: string } | { kind: 'cmi5', session: Cmi5Session }

class Refusal extends Error {
  constructor (readonly status: number, message: string, readonly reasons: readonly string[] = []) { super(message) }
}

export class Lrs {
  readonly #peer: PeerServer
  readonly #credentials: { username: string, password: string }
  readonly #options: { requireStatementId: boolean, cmi5Enforcement: 'reject' | 'record', terminatedGraceMs: number, maxBodyBytes: number }
  readonly #failures = new FailurePlan<InjectedFailure>()
  readonly #exchanges: LrsExchange[] = []
  readonly #received: ReceivedStatement[] = []
  readonly #statements = new Map<string, StoredStatement>()
  readonly #documents = new Map<string, Map<string, StoredDocument>>()
  readonly #registrations = new Map<string, Cmi5Registration>()
  readonly #sessions = new Map<string, Cmi5Session>()
  readonly #violations: Cmi5Violation[] = []
  /** Extra Basic credentials by their base64 "user:password" (per-launch credentials). */
  readonly #issued = new Map<string, { username: string, expiresAt: number | undefined, revoked: boolean }>()
  #statementSeq = 0

  private constructor (peer: PeerServer, options: LrsOptions) {
    this.#peer = peer
    this.#credentials = options.credentials === undefined ? { username: `lrs-${randomBytes(4).toString('hex')}`, password: randomBytes(12).toString('hex') } : { ...options.credentials }
    this.#options = {
      requireStatementId: options.requireStatementId ?? true,
      cmi5Enforcement: options.cmi5Enforcement ?? 'reject',
      terminatedGraceMs: options.terminatedGraceMs ?? 0,
      maxBodyBytes: options.maxBodyBytes ?? 4 * 1024 * 1024
    }
  }

  static async start (options: LrsOptions = {}): Promise<Lrs> {
    // The handler needs the instance and the instance needs the server: a late-bound reference.
    const ref: { lrs?: Lrs } = {}
    const peer = await listenOnLoopback(async (request, response) => { await ref.lrs!.#handle(request, response) }, options.port)
    ref.lrs = new Lrs(peer, options)
    return ref.lrs
  }

  get origin (): string { return this.#peer.origin }
  /** The xAPI base endpoint, with its trailing slash (resources are relative to it). */
  get endpoint (): string { return `${this.#peer.origin}${basePath}` }
  get credentials (): { readonly username: string, readonly password: string } { return this.#credentials }
  /** The Authorization header value for the configured credentials. */
  get authorization (): string { return basic(`${this.#credentials.username}:${this.#credentials.password}`) }

  /** Stored statements in the order they were stored (LMS-made ones included), as the LRS holds them. */
  statements (): JsonObject[] {
    return [...this.#statements.values()].sort((a, b) => a.seq - b.seq).map(s => structuredClone(s.statement))
  }

  /** Statements stored with a cmi5 session's auth-token (what the AU sent and the LMS kept), in order. */
  statementsOf (sessionId: string): JsonObject[] {
    return [...this.#statements.values()].filter(s => s.sessionId === sessionId).sort((a, b) => a.seq - b.seq).map(s => structuredClone(s.statement))
  }

  /** Every statement received, accepted or refused, in arrival order. */
  received (): readonly ReceivedStatement[] {
    return [...this.#received]
  }

  /** Every HTTP request, in arrival order. */
  exchanges (): readonly LrsExchange[] {
    return [...this.#exchanges]
  }

  /** The requests the LRS refused (status ≥ 400), with the reason. */
  refusals (): readonly LrsExchange[] {
    return this.#exchanges.filter(e => e.status !== undefined && e.status >= 400)
  }

  /**
   * cmi5 requirements the AU broke, in the order they were seen. With `includeUnfinished` (default
   * true), sessions whose AU fetched a token but never sent Terminated count as a violation too.
   */
  violations (options: { includeUnfinished?: boolean } = {}): Cmi5Violation[] {
    const out = [...this.#violations]
    if (options.includeUnfinished ?? true) {
      for (const s of this.#sessions.values()) {
        if (s.fetchCount > 0 && s.progress.terminated === undefined) {
          out.push({ rule: 'terminated-missing', section: '7.1.2', level: 'MUST', message: `session ${s.facts.sessionId} (${s.state}) has no Terminated statement`, registration: s.facts.registration, sessionId: s.facts.sessionId })
        }
      }
    }
    return out
  }

  /** A stored document, e.g. `document('state', { activityId, agent, registration, stateId: 'LMS.LaunchData' })`. */
  document (kind: 'state', where: { activityId: string, agent: JsonObject, registration?: string, stateId: string }): { contentType: string, text: string, json: JsonValue | undefined } | undefined
  document (kind: 'activityProfile', where: { activityId: string, profileId: string }): { contentType: string, text: string, json: JsonValue | undefined } | undefined
  document (kind: 'agentProfile', where: { agent: JsonObject, profileId: string }): { contentType: string, text: string, json: JsonValue | undefined } | undefined
  document (kind: DocumentKind, where: { activityId?: string, agent?: JsonObject, registration?: string, stateId?: string, profileId?: string }): { contentType: string, text: string, json: JsonValue | undefined } | undefined {
    const scope = this.#scope(kind, where.activityId, where.agent, where.registration)
    const doc = this.#documents.get(scope)?.get(where.stateId ?? where.profileId ?? '')
    if (doc === undefined) return undefined
    const text = doc.body.toString('utf8')
    let json: JsonValue | undefined
    try { json = JSON.parse(text) as JsonValue } catch { json = undefined }
    return { contentType: doc.contentType, text, json }
  }

  /** Writes a document as the LMS would (no concurrency checks). */
  putDocument (kind: DocumentKind, where: { activityId?: string, agent?: JsonObject, registration?: string, id: string }, content: JsonValue, contentType = 'application/json'): void {
    this.#store(this.#scope(kind, where.activityId, where.agent, where.registration), where.id, contentType, Buffer.from(typeof content === 'string' && contentType !== 'application/json' ? content : JSON.stringify(content)))
  }

  /** The next `count` requests matching `match` (resource path such as "statements") fail this way. */
  failNext (count: number, failure: InjectedFailure, match?: RequestMatch): void {
    this.#failures.add(count, failure, match)
  }

  pendingFailures (): number {
    return this.#failures.pending()
  }

  /**
   * Extra Basic credentials, e.g. the short-lived per-launch credentials an LMS hands a Tin Can
   * launch; they stop working when revoked or after `ttlMs`.
   */
  issueCredentials (options: { username?: string, ttlMs?: number } = {}): { username: string, password: string, authorization: string, revoke (): void } {
    const username = options.username ?? `launch-${randomBytes(4).toString('hex')}`
    const password = randomBytes(12).toString('hex')
    const key = Buffer.from(`${username}:${password}`).toString('base64')
    const entry = { username, expiresAt: options.ttlMs === undefined ? undefined : Date.now() + options.ttlMs, revoked: false }
    this.#issued.set(key, entry)
    return { username, password, authorization: `Basic ${key}`, revoke: () => { entry.revoked = true } }
  }

  /**
   * The launch parameters an LMS appends for Tin Can (xAPI) content (Rustici's "Tin Can launch"
   * convention, not part of xAPI 1.0.3): endpoint, auth (fresh per-launch credentials), actor,
   * registration, activity_id. `legacyActor` writes the actor in the array form some LMSs still use.
   */
  tincanLaunch (options: { activityId: string, actor?: JsonObject, registration?: string, ttlMs?: number, legacyActor?: boolean }): { params: Readonly<Record<'endpoint' | 'auth' | 'actor' | 'registration' | 'activity_id', string>>, query: string, credentials: ReturnType<Lrs['issueCredentials']>, url (contentUrl: string): string } {
    const credentials = this.issueCredentials(options.ttlMs === undefined ? {} : { ttlMs: options.ttlMs })
    const actor = options.actor ?? { objectType: 'Agent', account: { homePage: this.origin, name: `learner-${randomBytes(3).toString('hex')}` } }
    const legacy = (a: JsonObject): JsonObject => Object.fromEntries(Object.entries(a).filter(([k]) => k !== 'objectType').map(([k, v]) => [k, [v]]))
    const params = {
      endpoint: this.endpoint,
      auth: credentials.authorization,
      actor: JSON.stringify(options.legacyActor === true ? legacy(actor) : actor),
      registration: options.registration ?? randomUUID(),
      activity_id: options.activityId
    }
    const query = new URLSearchParams(params).toString()
    return { params, query, credentials, url: contentUrl => `${contentUrl}${contentUrl.includes('?') ? '&' : '?'}${query}` }
  }

  /** cmi5 sessions in launch order. */
  cmi5Sessions (): Cmi5SessionInfo[] {
    return [...this.#sessions.values()].map(s => ({
      sessionId: s.facts.sessionId,
      registration: s.facts.registration,
      activityId: s.facts.activityId,
      state: this.#expire(s),
      fetchCount: s.fetchCount,
      tokenIssued: s.fetchCount > 0,
      progress: structuredClone(s.progress)
    }))
  }

  /** Launches an AU as a cmi5 LMS does (see the file header); returns what the AU gets. */
  launchCmi5 (options: Cmi5LaunchOptions = {}): Cmi5Launch {
    const existing = options.registration === undefined ? undefined : this.#registrations.get(options.registration)
    if (options.masteryScore !== undefined && (options.masteryScore < 0 || options.masteryScore > 1)) throw new Error('masteryScore is between 0 and 1')
    const registration: Cmi5Registration = existing ?? {
      registration: options.registration ?? randomUUID(),
      actor: options.actor ?? { objectType: 'Agent', account: { homePage: this.origin, name: `learner-${randomBytes(3).toString('hex')}` } },
      activityId: options.activityId ?? `${this.origin}/lms/cmi5/activities/${randomBytes(6).toString('hex')}`,
      publisherId: options.publisherId ?? 'https://publisher.example.com/cmi5/au/1',
      progress: { completed: false, passed: false }
    }
    if (existing !== undefined) {
      if (options.actor !== undefined && agentKey(options.actor) !== agentKey(existing.actor)) throw new Error('a registration keeps its actor')
      if (options.activityId !== undefined && options.activityId !== existing.activityId) throw new Error('a registration keeps its AU activityId (8.1)')
    }
    this.#registrations.set(registration.registration, registration)
    const now = Date.now()
    for (const previous of this.#sessions.values()) {
      if (previous.registration === registration && (previous.state === 'launched' || previous.state === 'active')) this.#abandon(previous, now)
    }
    const sessionId = randomUUID()
    const launchMode = options.launchMode ?? 'Normal'
    const moveOn = options.moveOn ?? 'CompletedOrPassed'
    const auUrl = options.auUrl ?? 'https://au.example.com/launch.html'
    const contextTemplate: JsonObject = {
      contextActivities: { grouping: [{ objectType: 'Activity', id: registration.publisherId }] },
      extensions: { [cmi5.contextExtensions.sessionId]: sessionId }
    }
    const launchData: JsonObject = {
      contextTemplate,
      launchMode,
      moveOn,
      ...(options.masteryScore === undefined ? {} : { masteryScore: options.masteryScore }),
      ...(options.returnURL === undefined ? {} : { returnURL: options.returnURL }),
      ...(options.launchParameters === undefined ? {} : { launchParameters: options.launchParameters }),
      ...(options.entitlementKey === undefined ? {} : { entitlementKey: { ...options.entitlementKey } })
    }
    const facts: Cmi5LaunchFacts = {
      registration: registration.registration,
      sessionId,
      activityId: registration.activityId,
      actor: registration.actor,
      launchMode,
      masteryScore: options.masteryScore,
      contextTemplate
    }
    const session: Cmi5Session = {
      facts,
      launchData,
      fetchKey: randomBytes(9).toString('hex'),
      token: Buffer.from(`cmi5-${sessionId}:${randomBytes(18).toString('hex')}`).toString('base64'),
      registration,
      launchedAt: now,
      fetchCount: 0,
      state: 'launched',
      terminatedArrivedAt: undefined,
      lastStatementAt: undefined,
      progress: newSessionProgress()
    }
    this.#sessions.set(sessionId, session)
    // 10.0: the LaunchData state document, written before the launch.
    this.putDocument('state', { activityId: registration.activityId, agent: registration.actor, registration: registration.registration, id: cmi5.launchDataStateId }, launchData)
    // 11.0: learner preferences live in the agent profile.
    const prefs = options.learnerPreferences === undefined ? { languagePreference: 'en-US', audioPreference: 'on' } : options.learnerPreferences
    if (prefs !== null) this.putDocument('agentProfile', { agent: registration.actor, id: cmi5.learnerPreferencesProfileId }, { ...prefs })
    // 9.3.1: the LMS records Launched before launching.
    this.#storeLmsStatement({
      id: randomUUID(),
      actor: registration.actor,
      verb: { id: cmi5.verbs.launched, display: { 'en-US': 'launched' } },
      object: { objectType: 'Activity', id: registration.activityId },
      context: {
        registration: registration.registration,
        contextActivities: { category: [{ objectType: 'Activity', id: cmi5.categories.cmi5 }], grouping: [{ objectType: 'Activity', id: registration.publisherId }] },
        extensions: {
          [cmi5.contextExtensions.sessionId]: sessionId,
          [cmi5.contextExtensions.launchMode]: launchMode,
          [cmi5.contextExtensions.launchUrl]: auUrl,
          [cmi5.contextExtensions.moveOn]: moveOn,
          ...(options.masteryScore === undefined ? {} : { [cmi5.contextExtensions.masteryScore]: options.masteryScore }),
          ...(options.launchParameters === undefined ? {} : { [cmi5.contextExtensions.launchParameters]: options.launchParameters })
        }
      },
      timestamp: new Date(now).toISOString()
    })
    const fetchUrl = `${this.origin}${fetchPath}?k=${session.fetchKey}`
    const params = { endpoint: this.endpoint, fetch: fetchUrl, actor: JSON.stringify(registration.actor), registration: registration.registration, activityId: registration.activityId }
    const query = new URLSearchParams(params).toString()
    return {
      registration: registration.registration,
      sessionId,
      activityId: registration.activityId,
      publisherId: registration.publisherId,
      actor: structuredClone(registration.actor),
      endpoint: this.endpoint,
      fetchUrl,
      launchData: structuredClone(launchData),
      params,
      query,
      url: (url = auUrl) => `${url}${url.includes('?') ? '&' : '?'}${query}`
    }
  }

  close (): Promise<void> {
    return this.#peer.close()
  }

  // ---- HTTP -------------------------------------------------------------------------------

  async #handle (request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = (request.method ?? 'GET').toUpperCase()
    const url = new URL(request.url ?? '/', this.origin)
    const isFetch = url.pathname === fetchPath
    const resource = isFetch ? 'cmi5/fetch' : url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length).replace(/\/$/, '') : undefined
    const injected = resource === undefined ? undefined : this.#failures.take(method, resource)
    const exchange: { -readonly [K in keyof LrsExchange]: LrsExchange[K] } = {
      seq: this.#exchanges.length + 1,
      at: new Date(),
      method,
      resource: resource ?? url.pathname,
      query: {},
      headers: headersOf(request),
      body: '',
      principal: 'none',
      injected,
      status: undefined,
      reason: undefined
    }
    this.#exchanges.push(exchange)
    let body: Buffer
    try {
      body = await readBody(request, this.#options.maxBodyBytes)
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error
      body = Buffer.alloc(0)
      if (injected === undefined) return this.#send(exchange, response, request, 413, { message: error.message, reasons: [] })
    }
    exchange.body = body.toString('utf8')
    if (injected !== undefined && injected.kind !== 'drop-response') {
      if (injected.kind === 'status') exchange.status = injected.status
      failBeforeProcessing(injected, request, response)
      return
    }
    try {
      const reply = isFetch ? this.#fetchToken(method, url) : await this.#xapi(method, url, resource, request, body, exchange)
      this.#send(exchange, response, request, reply.status, reply.body, reply.headers)
    } catch (error) {
      if (!(error instanceof Refusal)) throw error
      this.#send(exchange, response, request, error.status, { message: error.message, reasons: [...error.reasons] })
    }
  }

  #send (exchange: { status: number | undefined, reason: string | undefined, resource: string, injected: InjectedFailure | undefined }, response: ServerResponse, request: IncomingMessage, status: number, body: JsonValue | Buffer | undefined, headers: Record<string, string> = {}): void {
    exchange.status = status
    if (status >= 400 && isObject(body)) {
      const reasons = Array.isArray(body.reasons) ? body.reasons.map(String) : []
      exchange.reason = [String(body.message), ...reasons].join('; ')
    }
    if (exchange.injected?.kind === 'drop-response') {
      request.socket.destroy()
      return
    }
    const out: Record<string, string> = { 'x-experience-api-version': xapiVersion, 'cache-control': 'no-store', ...headers }
    if (exchange.resource === 'statements') out['x-experience-api-consistent-through'] = new Date().toISOString()
    let payload: Buffer | string | undefined
    if (Buffer.isBuffer(body)) payload = body
    else if (body !== undefined) {
      payload = JSON.stringify(body)
      out['content-type'] ??= 'application/json; charset=utf-8'
    }
    response.writeHead(status, out)
    response.end(payload)
  }

  /** 8.2: the one-time fetch URL. */
  #fetchToken (method: string, url: URL): Reply {
    const key = url.searchParams.get('k') ?? ''
    const session = [...this.#sessions.values()].find(s => s.fetchKey === key)
    if (method !== 'POST') {
      if (session !== undefined) this.#violation(session, { rule: 'fetch-post', section: '8.2.1', level: 'MUST', message: `the AU must POST to the fetch URL, it used ${method}` })
      return { status: 405, body: { message: 'the fetch URL only answers POST (cmi5 8.2.1)', reasons: [] }, headers: { allow: 'POST' } }
    }
    if (session === undefined) return { status: 200, body: { 'error-code': '2', 'error-text': 'Unknown or invalid fetch URL.' } }
    const state = this.#expire(session)
    if (session.fetchCount > 0) {
      session.fetchCount++
      this.#violation(session, { rule: 'fetch-once', section: '8.2.1', level: 'SHOULD', message: `the AU should not retrieve the authorization token more than once (call ${session.fetchCount})` })
      return { status: 200, body: { 'error-code': '1', 'error-text': 'The authorization token has already been returned.' } }
    }
    if (state === 'terminated' || state === 'abandoned') return { status: 200, body: { 'error-code': '1', 'error-text': 'The AU session has expired.' } }
    session.fetchCount++
    session.state = 'active'
    return { status: 200, body: { 'auth-token': session.token } }
  }

  async #xapi (method: string, url: URL, resource: string | undefined, request: IncomingMessage, body: Buffer, exchange: { principal: string, query: Readonly<Record<string, string>> }): Promise<Reply> {
    if (resource === undefined) throw new Refusal(404, `no such resource: ${url.pathname} (the xAPI endpoint is ${this.endpoint})`)
    const query = queryOf(url)
    exchange.query = query
    if (resource === 'about') {
      if (method !== 'GET' && method !== 'HEAD') throw new Refusal(405, 'the About resource answers GET')
      this.#onlyParams(query, [], [])
      return { status: 200, body: { version: [xapiVersion] } }
    }
    const version = request.headers['x-experience-api-version']
    if (typeof version !== 'string') throw new Refusal(400, 'the X-Experience-API-Version header is required on every request (xAPI 3.3)')
    if (!/^1\.0(\.\d+)?$/.test(version.trim())) throw new Refusal(400, `X-Experience-API-Version ${JSON.stringify(version)} is not supported; this LRS speaks 1.0.x (1.0.3)`)
    const principal = this.#authenticate(request.headers.authorization)
    exchange.principal = principalName(principal)
    if (query.method !== undefined) throw new Refusal(400, 'the alternate request syntax (method=…) is not supported by this test peer; send a real HTTP method')
    switch (resource) {
      case 'statements':
        if (method === 'POST') return this.#postStatements(query, request, body, principal)
        if (method === 'PUT') return this.#putStatement(query, request, body, principal)
        if (method === 'GET' || method === 'HEAD') return this.#getStatements(query)
        throw new Refusal(405, `the Statement resource does not answer ${method}`)
      case 'activities/state':
      case 'activities/profile':
      case 'agents/profile':
        return this.#documentResource(resource, method, query, request, body, principal)
      case 'activities':
        if (method !== 'GET' && method !== 'HEAD') throw new Refusal(405, 'the Activities resource answers GET')
        this.#onlyParams(query, ['activityId'], ['activityId'])
        if (!isIri(query.activityId)) throw new Refusal(400, 'activityId must be an IRI')
        return { status: 200, body: { objectType: 'Activity', id: query.activityId } }
      case 'agents': {
        if (method !== 'GET' && method !== 'HEAD') throw new Refusal(405, 'the Agents resource answers GET')
        this.#onlyParams(query, ['agent'], ['agent'])
        const agent = parseAgent(query.agent!)
        const person: JsonObject = { objectType: 'Person' }
        for (const key of ['name', 'mbox', 'mbox_sha1sum', 'openid', 'account']) if (agent[key] !== undefined) person[key] = [agent[key]!]
        return { status: 200, body: person }
      }
      default:
        throw new Refusal(404, `no such xAPI resource: ${resource}`)
    }
  }

  #authenticate (header: string | undefined): Principal {
    const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '')
    if (match === null) throw new Refusal(401, header === undefined ? 'authentication is required (HTTP Basic)' : 'only HTTP Basic authentication is accepted')
    const credentials = match[1]!
    if (credentials === Buffer.from(`${this.#credentials.username}:${this.#credentials.password}`).toString('base64')) return { kind: 'basic', username: this.#credentials.username }
    const issued = this.#issued.get(credentials)
    if (issued !== undefined) {
      if (issued.revoked) throw new Refusal(401, `the credentials ${issued.username} were revoked`)
      if (issued.expiresAt !== undefined && Date.now() >= issued.expiresAt) throw new Refusal(401, `the credentials ${issued.username} expired`)
      return { kind: 'basic', username: issued.username }
    }
    const session = [...this.#sessions.values()].find(s => s.token === credentials)
    if (session === undefined) throw new Refusal(401, 'unknown credentials')
    if (session.fetchCount === 0) throw new Refusal(401, 'this auth-token was never handed out by the fetch URL')
    const state = this.#expire(session)
    if (state === 'terminated') throw new Refusal(401, `the auth-token of session ${session.facts.sessionId} expired: the session was terminated (cmi5 8.2.2, 9.3.8)`)
    if (state === 'abandoned') throw new Refusal(401, `the auth-token of session ${session.facts.sessionId} expired: the session was abandoned (cmi5 9.3.6)`)
    return { kind: 'cmi5', session }
  }

  /** A terminated session's token works for terminatedGraceMs after Terminated arrived. */
  #expire (session: Cmi5Session): Cmi5SessionState {
    if (session.state === 'active' && session.terminatedArrivedAt !== undefined && Date.now() - session.terminatedArrivedAt >= this.#options.terminatedGraceMs) session.state = 'terminated'
    return session.state
  }

  #onlyParams (query: Readonly<Record<string, string>>, allowed: readonly string[], required: readonly string[]): void {
    const reasons: string[] = []
    for (const name of Object.keys(query)) {
      if (allowed.includes(name)) continue
      const cased = [...allowed, ...xapiParameters].find(a => a !== name && a.toLowerCase() === name.toLowerCase())
      reasons.push(cased === undefined ? `unknown parameter ${JSON.stringify(name)}` : `parameter names are case-sensitive: ${JSON.stringify(name)} should be ${JSON.stringify(cased)}`)
    }
    for (const name of required) if (query[name] === undefined) reasons.push(`parameter ${JSON.stringify(name)} is required`)
    if (reasons.length > 0) throw new Refusal(400, 'bad parameters (xAPI 3.2)', reasons)
  }

  // ---- Statements ---------------------------------------------------------------------------

  #parseStatementBody (request: IncomingMessage, body: Buffer): JsonValue {
    const type = mediaType(request.headers['content-type'])
    if (type === 'multipart/mixed') throw new Refusal(400, 'multipart/mixed (attachment data) is not supported by this test peer')
    if (type !== 'application/json') throw new Refusal(400, `statements must be sent as application/json, got ${JSON.stringify(request.headers['content-type'] ?? '')}`)
    try {
      return JSON.parse(body.toString('utf8')) as JsonValue
    } catch (error) {
      throw new Refusal(400, `the body is not JSON: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  #postStatements (query: Readonly<Record<string, string>>, request: IncomingMessage, body: Buffer, principal: Principal): Reply {
    this.#onlyParams(query, [], [])
    const parsed = this.#parseStatementBody(request, body)
    const batch = Array.isArray(parsed) ? parsed : [parsed]
    const ids = this.#storeStatements(batch, principal, Array.isArray(parsed))
    return { status: 200, body: ids }
  }

  #putStatement (query: Readonly<Record<string, string>>, request: IncomingMessage, body: Buffer, principal: Principal): Reply {
    this.#onlyParams(query, ['statementId'], ['statementId'])
    if (!isUuid(query.statementId)) throw new Refusal(400, `statementId must be a UUID, got ${JSON.stringify(query.statementId)}`)
    const parsed = this.#parseStatementBody(request, body)
    if (!isObject(parsed)) throw new Refusal(400, 'PUT /statements takes one Statement object')
    if (parsed.id !== undefined && parsed.id !== query.statementId) throw new Refusal(400, `the Statement's id ${JSON.stringify(parsed.id)} does not match statementId ${query.statementId}`)
    this.#storeStatements([{ ...parsed, id: query.statementId! }], principal, false)
    return { status: 204, body: undefined }
  }

  /** Validates, judges (cmi5) and stores a batch, all or nothing; returns the ids. */
  #storeStatements (batch: JsonValue[], principal: Principal, isArray: boolean): string[] {
    const arrived = Date.now()
    const name = principalName(principal)
    const reasons: string[] = []
    const refuse = (status: number, message: string, list: string[]): never => {
      for (const statement of batch) this.#received.push({ seq: this.#received.length + 1, at: new Date(arrived), statement, accepted: false, reasons: [message, ...list], principal: name })
      throw new Refusal(status, message, list)
    }
    batch.forEach((statement, i) => {
      const check = checkStatement(statement, isArray ? `statement[${i}]` : 'statement', { requireId: this.#options.requireStatementId })
      reasons.push(...check.errors)
      if (check.attachmentsWithoutFileUrl > 0) reasons.push(`${isArray ? `statement[${i}]` : 'statement'}.attachments: attachments without fileUrl need multipart/mixed, which this test peer does not support`)
    })
    if (reasons.length > 0) refuse(400, 'invalid statement (xAPI 1.0.3 data rules)', reasons)
    const statements = batch as JsonObject[]
    const ids = statements.map(s => typeof s.id === 'string' ? s.id.toLowerCase() : randomUUID())
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i)
    if (duplicate !== undefined) refuse(400, `the batch has two statements with id ${duplicate}`, [])
    // Voiding (2.3.2).
    for (const s of statements) {
      if (!isObject(s.verb) || s.verb.id !== 'http://adlnet.gov/expapi/verbs/voided') continue
      if (principal.kind === 'cmi5') {
        this.#violation(principal.session, { rule: 'no-voiding', section: '6.3', level: 'MUST', message: 'an AU may not void statements; its credentials do not allow it', ...(typeof s.id === 'string' ? { statementId: s.id } : {}) })
        refuse(403, 'cmi5 AU credentials may not void statements (cmi5 6.3)', [])
      }
      if (!isObject(s.object) || s.object.objectType !== 'StatementRef') refuse(400, 'a voiding statement\'s object must be a StatementRef', [])
      const target = this.#statements.get(String((s.object as JsonObject).id).toLowerCase())
      if (target !== undefined && isVoiding(target.statement)) refuse(400, 'a voiding statement cannot be voided', [])
    }
    // Same id again (2.1.1/2.1.2): identical → nothing to do, different → 409.
    const fresh: { statement: JsonObject, id: string }[] = []
    statements.forEach((statement, i) => {
      const id = ids[i]!
      const stored = this.#statements.get(id)
      if (stored === undefined) fresh.push({ statement, id })
      else if (!sameStatement(stored.original, statement)) refuse(409, `a different statement with id ${id} is already stored`, [])
    })
    // cmi5 (judged on a copy, kept only when the batch is accepted).
    let commit = () => {}
    if (principal.kind === 'cmi5') {
      const session = principal.session
      const progress = structuredClone(session.progress)
      const registration = structuredClone(session.registration.progress)
      const found: Cmi5Violation[] = []
      for (const { statement } of fresh) found.push(...judgeStatement(statement, session.facts, progress, registration, arrived))
      for (const v of found) this.#violations.push(v)
      const blocking = found.filter(v => v.level === 'MUST')
      if (blocking.length > 0 && this.#options.cmi5Enforcement === 'reject') refuse(400, 'statement(s) break cmi5 rules', blocking.map(v => `cmi5 ${v.section} ${v.rule}: ${v.message}`))
      commit = () => {
        session.progress = progress
        Object.assign(session.registration.progress, registration)
        session.lastStatementAt = arrived
        if (progress.terminated !== undefined && session.terminatedArrivedAt === undefined) session.terminatedArrivedAt = arrived
      }
    }
    commit()
    for (const statement of statements) this.#received.push({ seq: this.#received.length + 1, at: new Date(arrived), statement, accepted: true, reasons: [], principal: name })
    for (const { statement, id } of fresh) {
      if (principal.kind === 'basic') this.#storeStatement({ ...statement, id }, statement, { objectType: 'Agent', account: { homePage: this.origin, name: principal.username } }, arrived, undefined)
      else this.#storeStatement({ ...statement, id }, statement, { objectType: 'Agent', account: { homePage: this.origin, name: 'cmi5-au-token' } }, arrived, principal.session.facts.sessionId)
    }
    return ids
  }

  #storeStatement (statement: JsonObject, original: JsonObject, authority: JsonObject, storedAt: number, sessionId: string | undefined): void {
    const id = String(statement.id).toLowerCase()
    const stored: JsonObject = { ...statement, id, timestamp: statement.timestamp ?? new Date(storedAt).toISOString(), stored: new Date(storedAt).toISOString(), authority, version: statement.version ?? '1.0.0' }
    this.#statements.set(id, { statement: stored, original, storedAt, seq: ++this.#statementSeq, sessionId, voided: false })
    if (isVoiding(stored)) {
      const target = this.#statements.get(String((stored.object as JsonObject).id).toLowerCase())
      if (target !== undefined) target.voided = true
    }
  }

  #storeLmsStatement (statement: JsonObject): void {
    this.#storeStatement(statement, statement, { objectType: 'Agent', account: { homePage: this.origin, name: 'cmi5-lms' } }, Date.now(), undefined)
  }

  #getStatements (query: Readonly<Record<string, string>>): Reply {
    const single = query.statementId ?? query.voidedStatementId
    if (single !== undefined) {
      this.#onlyParams(query, ['statementId', 'voidedStatementId', 'attachments', 'format'], [])
      if (query.statementId !== undefined && query.voidedStatementId !== undefined) throw new Refusal(400, 'give statementId or voidedStatementId, not both')
      if (!isUuid(single)) throw new Refusal(400, `${query.statementId === undefined ? 'voidedStatementId' : 'statementId'} must be a UUID`)
      if (query.attachments === 'true') throw new Refusal(400, 'attachments=true (multipart responses) is not supported by this test peer')
      const stored = this.#statements.get(single.toLowerCase())
      if (stored === undefined || stored.voided !== (query.voidedStatementId !== undefined)) throw new Refusal(404, `no ${query.voidedStatementId === undefined ? '' : 'voided '}statement ${single}`)
      return { status: 200, body: stored.statement, headers: { 'last-modified': new Date(stored.storedAt).toUTCString() } }
    }
    this.#onlyParams(query, ['agent', 'verb', 'activity', 'registration', 'related_activities', 'related_agents', 'since', 'until', 'limit', 'format', 'attachments', 'ascending'], [])
    const reasons: string[] = []
    const agent = query.agent === undefined ? undefined : agentKey(parseAgent(query.agent))
    if (query.verb !== undefined && !isIri(query.verb)) reasons.push('verb must be an IRI')
    if (query.activity !== undefined && !isIri(query.activity)) reasons.push('activity must be an IRI')
    if (query.registration !== undefined && !isUuid(query.registration)) reasons.push('registration must be a UUID')
    for (const name of ['since', 'until'] as const) if (query[name] !== undefined && !isTimestamp(query[name])) reasons.push(`${name} must be a timestamp with a time zone`)
    for (const name of ['related_activities', 'related_agents', 'attachments', 'ascending'] as const) if (query[name] !== undefined && query[name] !== 'true' && query[name] !== 'false') reasons.push(`${name} must be true or false`)
    if (query.limit !== undefined && !/^\d+$/.test(query.limit)) reasons.push('limit must be a non-negative integer')
    if (query.format !== undefined && !['ids', 'exact', 'canonical'].includes(query.format)) reasons.push('format must be ids, exact or canonical')
    if (reasons.length > 0) throw new Refusal(400, 'bad parameters', reasons)
    if (query.attachments === 'true') throw new Refusal(400, 'attachments=true (multipart responses) is not supported by this test peer')
    const since = query.since === undefined ? -Infinity : Date.parse(query.since)
    const until = query.until === undefined ? Infinity : Date.parse(query.until)
    let found = [...this.#statements.values()].filter(s => !s.voided && s.storedAt > since && s.storedAt <= until).filter(s => {
      const st = s.statement
      if (query.verb !== undefined && (!isObject(st.verb) || st.verb.id !== query.verb)) return false
      if (query.registration !== undefined && (!isObject(st.context) || String(st.context.registration).toLowerCase() !== query.registration.toLowerCase())) return false
      if (query.activity !== undefined && !activitiesOf(st, query.related_activities === 'true').includes(query.activity)) return false
      if (agent !== undefined && !agentsOf(st, query.related_agents === 'true').includes(agent)) return false
      return true
    })
    found.sort((a, b) => query.ascending === 'true' ? a.seq - b.seq : b.seq - a.seq)
    const limit = Number(query.limit ?? '0')
    if (limit > 0) found = found.slice(0, limit)
    return { status: 200, body: { statements: found.map(s => s.statement), more: '' } }
  }

  // ---- Documents ----------------------------------------------------------------------------

  #scope (kind: DocumentKind, activityId: string | undefined, agent: JsonObject | undefined, registration: string | undefined): string {
    switch (kind) {
      case 'state': return JSON.stringify([kind, activityId, agentKey(agent), registration?.toLowerCase() ?? null])
      case 'activityProfile': return JSON.stringify([kind, activityId])
      case 'agentProfile': return JSON.stringify([kind, agentKey(agent)])
    }
  }

  #store (scope: string, id: string, contentType: string, body: Buffer): void {
    const docs = this.#documents.get(scope) ?? new Map<string, StoredDocument>()
    this.#documents.set(scope, docs)
    docs.set(id, { contentType, body, updated: new Date(), etag: `"${createHash('sha1').update(body).digest('hex')}"` })
  }

  #documentResource (resource: 'activities/state' | 'activities/profile' | 'agents/profile', method: string, query: Readonly<Record<string, string>>, request: IncomingMessage, body: Buffer, principal: Principal): Reply {
    const kind: DocumentKind = resource === 'activities/state' ? 'state' : resource === 'activities/profile' ? 'activityProfile' : 'agentProfile'
    const idParam = kind === 'state' ? 'stateId' : 'profileId'
    const scopeParams = kind === 'state' ? ['activityId', 'agent', 'registration'] : kind === 'activityProfile' ? ['activityId'] : ['agent']
    const requiredScope = scopeParams.filter(p => p !== 'registration')
    if (!['GET', 'HEAD', 'PUT', 'POST', 'DELETE'].includes(method)) throw new Refusal(405, `${resource} does not answer ${method}`)
    const reading = method === 'GET' || method === 'HEAD'
    // since: GET of ids only; the document id is required to write (and to delete a profile).
    this.#onlyParams(query, [...scopeParams, idParam, ...(reading ? ['since'] : [])], [...requiredScope, ...(method === 'PUT' || method === 'POST' || (method === 'DELETE' && kind !== 'state') ? [idParam] : [])])
    const reasons: string[] = []
    if (query.activityId !== undefined && !isIri(query.activityId)) reasons.push(`activityId must be an IRI, got ${JSON.stringify(query.activityId)}`)
    if (query.registration !== undefined && !isUuid(query.registration)) reasons.push(`registration must be a UUID, got ${JSON.stringify(query.registration)}`)
    if (query.since !== undefined && !isTimestamp(query.since)) reasons.push('since must be a timestamp with a time zone')
    if (reasons.length > 0) throw new Refusal(400, 'bad parameters', reasons)
    const agent = query.agent === undefined ? undefined : parseAgent(query.agent)
    const scope = this.#scope(kind, query.activityId, agent, query.registration)
    const docs = this.#documents.get(scope)
    const id = query[idParam]
    const existing = id === undefined ? undefined : docs?.get(id)

    if (principal.kind === 'cmi5') this.#cmi5DocumentAccess(principal.session, kind, method, query, agent, id)

    if (reading) {
      if (id === undefined) {
        const since = query.since === undefined ? -Infinity : Date.parse(query.since)
        const entries = [...(docs?.entries() ?? [])].filter(([, d]) => d.updated.getTime() > since)
        const latest = entries.reduce((t, [, d]) => Math.max(t, d.updated.getTime()), 0)
        return { status: 200, body: entries.map(([name]) => name), headers: latest === 0 ? {} : { 'last-modified': new Date(latest).toUTCString() } }
      }
      if (existing === undefined) throw new Refusal(404, `no ${kind} document ${JSON.stringify(id)} here`)
      return { status: 200, body: existing.body, headers: { 'content-type': existing.contentType, etag: existing.etag, 'last-modified': existing.updated.toUTCString() } }
    }

    const ifMatch = request.headers['if-match']
    const ifNoneMatch = request.headers['if-none-match']
    if (kind !== 'state') {
      // 3.1: optimistic concurrency for the profile resources.
      if (ifMatch !== undefined && (existing === undefined || (ifMatch.trim() !== '*' && !ifMatch.split(',').map(s => s.trim()).includes(existing.etag)))) {
        throw new Refusal(412, `If-Match ${ifMatch} does not match the document (${existing?.etag ?? 'absent'})`)
      }
      if (ifNoneMatch !== undefined && ifNoneMatch.trim() === '*' && existing !== undefined && method !== 'DELETE') throw new Refusal(412, 'If-None-Match: * but the document exists')
      if (method === 'PUT' && existing !== undefined && ifMatch === undefined && ifNoneMatch === undefined) {
        throw new Refusal(409, 'the document exists: check its current state and send If-Match with its ETag (xAPI 3.1)')
      }
    }
    if (method === 'DELETE') {
      if (id === undefined) docs?.clear()
      else docs?.delete(id)
      return { status: 204, body: undefined }
    }
    const contentType = request.headers['content-type'] ?? 'application/octet-stream'
    const isJson = mediaType(contentType) === 'application/json'
    let posted: JsonValue | undefined
    if (isJson) {
      try {
        posted = JSON.parse(body.toString('utf8')) as JsonValue
      } catch {
        throw new Refusal(400, 'the document is sent as application/json but is not JSON')
      }
    }
    if (method === 'POST' && existing !== undefined) {
      // 2.2.s7–s8: merge JSON objects, top-level properties only.
      const current = mediaType(existing.contentType) === 'application/json' ? parseJson(existing.body) : undefined
      if (!isJson || !isObject(posted) || !isObject(current)) throw new Refusal(400, 'POST merges JSON objects only: both the stored and the posted document must be application/json objects')
      this.#store(scope, id!, existing.contentType, Buffer.from(JSON.stringify({ ...current, ...posted })))
      return { status: 204, body: undefined }
    }
    if (method === 'POST' && isJson && !isObject(posted)) throw new Refusal(400, 'a POSTed JSON document must be an object (it may be merged later)')
    this.#store(scope, id!, contentType, body)
    return { status: 204, body: undefined }
  }

  /** What an AU's token may do with documents, and what it tells about the AU's start-up. */
  #cmi5DocumentAccess (session: Cmi5Session, kind: DocumentKind, method: string, query: Readonly<Record<string, string>>, agent: JsonObject | undefined, id: string | undefined): void {
    const facts = session.facts
    const ownAgent = agentKey(agent) === agentKey(facts.actor)
    const launchDataScope = kind === 'state' && query.activityId === facts.activityId && ownAgent && query.registration?.toLowerCase() === facts.registration
    if (launchDataScope && (id === cmi5.launchDataStateId || (id === undefined && method === 'DELETE'))) {
      if (method === 'GET' || method === 'HEAD') {
        if (id !== undefined) session.progress.launchDataRead = true
        return
      }
      this.#violation(session, { rule: 'launch-data-read-only', section: '10.0', level: 'MUST', message: `the AU must not modify or delete the ${cmi5.launchDataStateId} state document (${method})` })
      throw new Refusal(403, `the AU may not modify ${cmi5.launchDataStateId} (cmi5 10.0)`)
    }
    if (kind === 'agentProfile' && ownAgent && id === cmi5.learnerPreferencesProfileId && (method === 'GET' || method === 'HEAD')) session.progress.learnerPreferencesRead = true
  }

  #violation (session: Cmi5Session, v: Omit<Cmi5Violation, 'registration' | 'sessionId'>): void {
    this.#violations.push({ ...v, registration: session.facts.registration, sessionId: session.facts.sessionId })
  }

  /** 9.3.6: the LMS records Abandoned for a session that never terminated. */
  #abandon (session: Cmi5Session, now: number): void {
    session.state = 'abandoned'
    const last = session.lastStatementAt ?? session.launchedAt
    this.#storeLmsStatement({
      id: randomUUID(),
      actor: session.facts.actor,
      verb: { id: cmi5.verbs.abandoned, display: { 'en-US': 'abandoned' } },
      object: { objectType: 'Activity', id: session.facts.activityId },
      result: { duration: `PT${((last - session.launchedAt) / 1000).toFixed(2)}S` },
      context: {
        registration: session.facts.registration,
        contextActivities: { category: [{ objectType: 'Activity', id: cmi5.categories.cmi5 }], grouping: [{ objectType: 'Activity', id: session.registration.publisherId }] },
        extensions: { [cmi5.contextExtensions.sessionId]: session.facts.sessionId }
      },
      timestamp: new Date(now).toISOString()
    })
  }
}

function principalName (principal: Principal): string {
  return principal.kind === 'cmi5' ? `cmi5:${principal.session.facts.sessionId}` : principal.username
}

function basic (userPass: string): string {
  return `Basic ${Buffer.from(userPass).toString('base64')}`
}

function isVoiding (statement: JsonObject): boolean {
  return isObject(statement.verb) && statement.verb.id === 'http://adlnet.gov/expapi/verbs/voided'
}

function parseJson (body: Buffer): JsonValue | undefined {
  try { return JSON.parse(body.toString('utf8')) as JsonValue } catch { return undefined }
}

function queryOf (url: URL): Record<string, string> {
  const query: Record<string, string> = {}
  for (const [name, value] of url.searchParams) {
    if (query[name] !== undefined) throw new Refusal(400, `parameter ${JSON.stringify(name)} is given twice`)
    query[name] = value
  }
  return query
}

function parseAgent (text: string): JsonObject {
  let value: JsonValue
  try {
    value = JSON.parse(text) as JsonValue
  } catch {
    throw new Refusal(400, `the agent parameter must be a JSON Agent, got ${JSON.stringify(text)}`)
  }
  const errors = checkAgent(value)
  if (errors.length > 0 || !isObject(value)) throw new Refusal(400, 'the agent parameter is not a valid Agent', [...errors])
  return value
}

/** Compares a stored statement with a resent one, ignoring what the LRS may assign (xAPI 2.3.1). */
function sameStatement (a: JsonObject, b: JsonObject): boolean {
  const strip = (s: JsonObject): JsonValue => {
    const { stored: _stored, authority: _authority, version: _version, id, timestamp, ...rest } = s
    return canonical({ ...rest, id: String(id).toLowerCase(), ...(typeof timestamp === 'string' ? { timestamp: new Date(Date.parse(timestamp)).toISOString() } : {}) })
  }
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b))
}

function canonical (value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(canonical)
  if (!isObject(value)) return value
  return Object.fromEntries(Object.keys(value).sort().map(k => [k, canonical(value[k]!)]))
}

function activitiesOf (statement: JsonObject, related: boolean): string[] {
  const ids: string[] = []
  const visit = (s: JsonObject) => {
    if (isObject(s.object) && (s.object.objectType ?? 'Activity') === 'Activity' && typeof s.object.id === 'string') ids.push(s.object.id)
    if (!related) return
    if (isObject(s.context) && isObject(s.context.contextActivities)) {
      for (const list of Object.values(s.context.contextActivities)) {
        for (const a of Array.isArray(list) ? list : [list]) if (isObject(a) && typeof a.id === 'string') ids.push(a.id)
      }
    }
    if (isObject(s.object) && s.object.objectType === 'SubStatement') visit(s.object)
  }
  visit(statement)
  return ids
}

function agentsOf (statement: JsonObject, related: boolean): string[] {
  const keys: string[] = []
  const add = (a: JsonValue | undefined) => {
    if (!isObject(a)) return
    const key = agentKey(a)
    if (key !== undefined) keys.push(key)
    if (Array.isArray(a.member)) a.member.forEach(add)
  }
  const visit = (s: JsonObject) => {
    add(s.actor)
    if (isObject(s.object) && (s.object.objectType === 'Agent' || s.object.objectType === 'Group')) add(s.object)
    if (!related) return
    add(s.authority)
    if (isObject(s.context)) { add(s.context.instructor); add(s.context.team) }
    if (isObject(s.object) && s.object.objectType === 'SubStatement') visit(s.object)
  }
  visit(statement)
  return keys
}

/** Starts the stand-in LRS for one test; it closes at the test's teardown. */
export async function startLrs (t: Test, options: LrsOptions = {}): Promise<Lrs> {
  const lrs = await Lrs.start(options)
  t.teardown(() => lrs.close())
  return lrs
}
