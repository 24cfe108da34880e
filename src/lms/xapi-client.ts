// Our side of cmi5 and Tin Can: the service talks xAPI 1.0.3 to the LMS's LRS, server to
// server. It fetches a cmi5 session's auth-token once (cmi5 8.2), reads LMS.LaunchData and
// the learner preferences, and sends statements with PUT ?statementId= so a retried statement
// is the same one (xAPI 2.1.1). It never retries by itself: the caller (an outbox) does, when
// the error says it is worth it. The data formats are in src/domain/lms/xapi.ts.
import { createHash } from 'node:crypto'
import { sameStatement, type JsonValue, type XapiAgent, type XapiStatement } from '../domain/lms/xapi.ts'
import { LmsAddressRefusedError, LmsUnreachableError } from './aicc-hacp.ts'
import { refusedAddress, type OutboundFetch } from './outbound.ts'

export const xapiVersion = '1.0.3'

/** The LRS answered and refused (4xx other than 408 and 429): retrying the same request will not help. */
export class LrsError extends Error {
  constructor (readonly request: string, readonly status: number, readonly body: string, message?: string) {
    super(message ?? `the LRS refused ${request}: HTTP ${status}${body.trim() === '' ? '' : ` (${excerpt(body)})`}`)
    this.name = 'LrsError'
  }
}

/** The cmi5 fetch URL answered with an error-code (8.2.3): 1 already used or expired, 2 security error. */
export class Cmi5TokenError extends LrsError {
  constructor (readonly code: string, readonly errorText: string, body: string) {
    super('POST fetch', 200, body, `the LMS refused the cmi5 auth-token: error-code ${code}${errorText === '' ? '' : ` (${errorText})`}`)
    this.name = 'Cmi5TokenError'
  }
}

export interface XapiConnection {
  /** The LRS's base endpoint, with or without its trailing slash. */
  readonly endpoint: string
  /** The whole Authorization header value, e.g. `Basic <cmi5 auth-token>`. */
  readonly authorization: string
}

export interface XapiClientOptions {
  readonly timeoutMs?: number
  /** How to reach the LRS (outbound.ts decides which addresses may be called). */
  readonly fetch?: OutboundFetch
}

export interface StateWhere {
  readonly activityId: string
  readonly agent: XapiAgent
  readonly registration?: string | undefined
  readonly stateId: string
}

/** A document of the State or Agent Profile resource. */
export interface XapiDocument {
  readonly contentType: string
  readonly text: string
  /** The parsed body when it is JSON, else undefined. */
  readonly json: unknown
  readonly etag: string | undefined
}

interface Answer { readonly status: number, readonly text: string, readonly headers: Headers }

export class XapiClient {
  private readonly base: URL
  private readonly timeoutMs: number
  private readonly fetch: OutboundFetch

  constructor (private readonly connection: XapiConnection, options: XapiClientOptions = {}) {
    const base = new URL(connection.endpoint.endsWith('/') ? connection.endpoint : `${connection.endpoint}/`)
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError(`the xAPI endpoint must be http or https, not ${base.protocol}`)
    this.base = base
    this.timeoutMs = options.timeoutMs ?? 10_000
    this.fetch = options.fetch ?? fetch
  }

  /**
   * cmi5 8.2: POSTs to the one-time fetch URL and returns the auth-token with the header value
   * built from it. Called once per session: a second call gets error-code 1.
   */
  static async fetchCmi5Token (fetchUrl: string, options: XapiClientOptions = {}): Promise<{ authToken: string, authorization: string }> {
    const url = new URL(fetchUrl)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`the cmi5 fetch URL must be http or https, not ${url.protocol}`)
    const answer = await send(options.fetch ?? fetch, 'POST fetch', url, { method: 'POST' }, options.timeoutMs ?? 10_000, [])
    let body: unknown
    try {
      body = JSON.parse(answer.text)
    } catch {
      throw new LmsUnreachableError('POST fetch', `the answer is not JSON (${excerpt(answer.text)})`)
    }
    const fields = typeof body === 'object' && body !== null ? body as Record<string, unknown> : {}
    const token = fields['auth-token']
    if (typeof token === 'string' && token !== '') return { authToken: token, authorization: `Basic ${token}` }
    const code = fields['error-code']
    if (typeof code === 'string' || typeof code === 'number') {
      const text = typeof fields['error-text'] === 'string' ? fields['error-text'] : ''
      // 3 is an application or environment failure at the LMS: worth another try.
      if (String(code) === '3') throw new LmsUnreachableError('POST fetch', `error-code 3${text === '' ? '' : ` (${text})`}`)
      throw new Cmi5TokenError(String(code), text, answer.text)
    }
    throw new LmsUnreachableError('POST fetch', `the answer has neither auth-token nor error-code (${excerpt(answer.text)})`)
  }

  /**
   * Stores a statement under its id. Idempotent: a resend of the same statement is accepted,
   * whether the LRS answers 204 or 409 (xAPI 2.1.1 allows both; on 409 the stored copy is read
   * back and compared). A different statement under the same id is an LrsError 409.
   */
  async putStatement (statement: XapiStatement): Promise<void> {
    const request = 'PUT statements'
    const answer = await this.request(request, 'PUT', 'statements', { statementId: statement.id }, JSON.stringify(statement), [409])
    if (answer.status !== 409) return
    // A read the LRS refuses leaves the 409 as it is; a read that gets no answer is worth a retry.
    const stored = await this.request('GET statements', 'GET', 'statements', { statementId: statement.id }, undefined, [404])
      .catch((error: unknown) => { if (error instanceof LrsError) return undefined; throw error })
    if (stored?.status === 200 && sameStatement(statement, parseJson(stored.text))) return
    throw new LrsError(request, 409, answer.text)
  }

  /** A state document; undefined when there is none (404). */
  async getState (where: StateWhere): Promise<XapiDocument | undefined> {
    const answer = await this.request('GET activities/state', 'GET', 'activities/state', stateQuery(where), undefined, [404])
    return answer.status === 404 ? undefined : documentOf(answer)
  }

  /** Writes a JSON state document (replacing it). */
  async putState (where: StateWhere, document: JsonValue): Promise<void> {
    await this.request('PUT activities/state', 'PUT', 'activities/state', stateQuery(where), JSON.stringify(document), [])
  }

  /** An agent profile document (e.g. cmi5LearnerPreferences); undefined when there is none (404). */
  async getAgentProfile (where: { readonly agent: XapiAgent, readonly profileId: string }): Promise<XapiDocument | undefined> {
    const answer = await this.request('GET agents/profile', 'GET', 'agents/profile', { agent: JSON.stringify(where.agent), profileId: where.profileId }, undefined, [404])
    return answer.status === 404 ? undefined : documentOf(answer)
  }

  private async request (name: string, method: string, resource: string, query: Readonly<Record<string, string>>, json: string | undefined, accepted: readonly number[]): Promise<Answer> {
    const url = new URL(resource, this.base)
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value)
    const headers: Record<string, string> = { authorization: this.connection.authorization, 'x-experience-api-version': xapiVersion }
    if (json !== undefined) headers['content-type'] = 'application/json'
    return send(this.fetch, name, url, { method, headers, ...(json === undefined ? {} : { body: json }) }, this.timeoutMs, accepted)
  }
}

/** One HTTP exchange: 2xx and `accepted` statuses come back; others become the two error kinds. */
async function send (fetch: OutboundFetch, name: string, url: URL, init: RequestInit, timeoutMs: number, accepted: readonly number[]): Promise<Answer> {
  let answer: Answer
  try {
    // A redirect is not followed: it would carry the credentials elsewhere.
    const response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) })
    answer = { status: response.status, text: await response.text(), headers: response.headers }
  } catch (error) {
    const refusal = refusedAddress(error)
    if (refusal !== undefined) throw new LmsAddressRefusedError(name, refusal)
    const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describe(error)
    throw new LmsUnreachableError(name, reason)
  }
  const { status } = answer
  if ((status >= 200 && status < 300) || accepted.includes(status)) return answer
  if (status >= 500 || status === 408 || status === 429) throw new LmsUnreachableError(name, `HTTP ${status}${answer.text.trim() === '' ? '' : ` (${excerpt(answer.text)})`}`)
  if (status >= 300 && status < 400) throw new LrsError(name, status, answer.text, `the LRS redirected ${name} (HTTP ${status} to ${answer.headers.get('location') ?? 'nowhere'}): configure its final address`)
  throw new LrsError(name, status, answer.text)
}

function stateQuery (where: StateWhere): Record<string, string> {
  return {
    activityId: where.activityId,
    agent: JSON.stringify(where.agent),
    ...(where.registration === undefined ? {} : { registration: where.registration }),
    stateId: where.stateId
  }
}

function documentOf (answer: Answer): XapiDocument {
  const contentType = answer.headers.get('content-type') ?? 'application/octet-stream'
  const isJson = /^application\/json\b/i.test(contentType.trim())
  return { contentType, text: answer.text, json: isJson ? parseJson(answer.text) : undefined, etag: answer.headers.get('etag') ?? undefined }
}

function parseJson (text: string): unknown {
  try { return JSON.parse(text) } catch { return undefined }
}

function describe (error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  // undici puts the network reason (ECONNREFUSED, …) in the cause.
  const cause = (error as { cause?: unknown }).cause
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message
}

function excerpt (text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat
}

/** RFC 4122 namespace for names that are URLs. */
const urlNamespace = '6ba7b811-9dad-11d1-80b4-00c04fd430c8'

/**
 * A name-based UUID (RFC 4122 version 5, SHA-1): the same name gives the same id, so a
 * statement rebuilt for a retry keeps its id. Name it with what makes it unique, e.g.
 * `<serviceUrl>/lms/sessions/<sessionId>/statements/terminated`.
 */
export function deterministicUuid (name: string, namespace: string = urlNamespace): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex')
  if (ns.length !== 16) throw new TypeError(`the namespace must be a UUID, got ${JSON.stringify(namespace)}`)
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16)
  bytes[6] = (bytes[6]! & 0x0f) | 0x50
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
