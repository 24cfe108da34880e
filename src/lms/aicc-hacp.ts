// Our side of AICC HACP: the service is the AU and talks to the LMS at `aicc_url` with the
// `aicc_sid` of the launch, over HTTP POST with form-encoded fields (CMI001, HACP appendix).
// It reads the learner with GetParam and, when a session commits, writes with PutParam and
// closes with ExitAU. The text formats are in src/domain/lms/aicc.ts.
import { coreData, launchFacts, parseAiccData, parseHacpResponse, type AiccGroups, type AiccLaunchFacts } from '../domain/lms/aicc.ts'
import type { LmsValues } from '../domain/lms/commit-values.ts'
import { refusedAddress, type OutboundAddressRefused, type OutboundFetch } from './outbound.ts'
import { AppError } from '../errors.ts'

/** The LMS answered, with an HACP error: the request was understood and refused. Retrying will not help. */
export class HacpError extends Error {
  constructor (readonly command: string, readonly code: number, readonly errorText: string) {
    super(`the LMS refused ${command}: error ${code}${errorText === '' ? '' : ` (${errorText})`}`)
    this.name = 'HacpError'
  }
}

/** No usable answer (network, timeout, HTTP status, a body that is not HACP): worth retrying. */
export class LmsUnreachableError extends Error {
  constructor (readonly command: string, reason: string) {
    super(`no usable answer from the LMS to ${command}: ${reason}`)
    this.name = 'LmsUnreachableError'
  }
}

/** The LMS's address is not one this service may call (outbound.ts): a setting, not an outage. */
export class LmsAddressRefusedError extends LmsUnreachableError {
  constructor (command: string, readonly refusal: OutboundAddressRefused) {
    super(command, refusal.message)
    this.name = 'LmsAddressRefusedError'
  }
}

/** What a learner whose launch named such an address is told (the launches of every format). */
export function addressRefused (error: LmsAddressRefusedError): AppError {
  return new AppError('MS_ERR_LMS_ADDRESS_REFUSED', `Your LMS is at ${error.refusal.host}, which is not a public address, and this service only calls public addresses. If your LMS runs on a private network, ask the operator of this service to allow private addresses (OUTBOUND_ADDRESSES=any).`)
}

export interface HacpSession {
  /** aicc_url of the launch. */
  readonly url: string
  /** aicc_sid of the launch. */
  readonly sessionId: string
}

export interface HacpClientOptions {
  readonly timeoutMs?: number
  /** How to reach the LMS (outbound.ts decides which addresses may be called). */
  readonly fetch?: OutboundFetch
  /** The HACP version we speak. */
  readonly version?: string
}

export class HacpClient {
  private readonly timeoutMs: number
  private readonly version: string
  private readonly fetch: OutboundFetch

  constructor (private readonly session: HacpSession, options: HacpClientOptions = {}) {
    const url = new URL(session.url)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`aicc_url must be http or https, not ${url.protocol}`)
    this.timeoutMs = options.timeoutMs ?? 10_000
    this.version = options.version ?? '4.0'
    this.fetch = options.fetch ?? fetch
  }

  /** The learner and the lesson as the LMS has them; the identity comes from here, never from the browser. */
  async getParam (): Promise<{ facts: AiccLaunchFacts, groups: AiccGroups }> {
    const response = await this.send('GetParam')
    const groups = parseAiccData(response.aiccData ?? '')
    const facts = launchFacts(groups)
    if (facts === undefined) throw new LmsUnreachableError('GetParam', 'the answer names no learner (no [Core] Student_ID)')
    return { facts, groups }
  }

  /** Writes what a commit derived (R15). */
  async putParam (values: LmsValues): Promise<void> {
    await this.send('PutParam', coreData(values))
  }

  /** Ends the AU session at the LMS; the session id is no longer valid afterwards. */
  async exitAu (): Promise<void> {
    await this.send('ExitAU')
  }

  private async send (command: string, aiccData?: string): Promise<{ aiccData: string | undefined }> {
    const body = new URLSearchParams({ command, version: this.version, session_id: this.session.sessionId })
    if (aiccData !== undefined) body.set('aicc_data', aiccData)
    let text: string
    try {
      const response = await this.fetch(this.session.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs)
      })
      text = await response.text()
      if (!response.ok) throw new LmsUnreachableError(command, `HTTP ${response.status}`)
    } catch (error) {
      if (error instanceof LmsUnreachableError) throw error
      const refusal = refusedAddress(error)
      if (refusal !== undefined) throw new LmsAddressRefusedError(command, refusal)
      const cause = (error as { cause?: unknown }).cause
      const reason = error instanceof Error && error.name === 'TimeoutError'
        ? `no answer within ${this.timeoutMs} ms`
        : `${(error as Error).message}${cause instanceof Error ? `: ${cause.message}` : ''}`
      throw new LmsUnreachableError(command, reason)
    }
    const parsed = parseHacpResponse(text)
    if (parsed === undefined) throw new LmsUnreachableError(command, 'the answer is not an HACP response (no error= line)')
    if (parsed.error !== 0) throw new HacpError(command, parsed.error, parsed.errorText)
    return { aiccData: parsed.aiccData }
  }
}
