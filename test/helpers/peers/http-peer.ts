// Plumbing shared by the stand-in LMS/LRS peers (aicc-hacp-lms.ts, lrs.ts): a node:http server on
// 127.0.0.1, request bodies read with a size limit, and failures injected into the next N matching
// requests so that a sender's retries can be tested against a peer that really misbehaves.
//
// What it deliberately does not do: TLS, HTTP/2, keep-alive tuning. The peers are loopback-only.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What a peer can do to a request instead of answering it normally. */
export type InjectedFailure =
  /** Answer with this HTTP status (e.g. 500, 503, 429) without processing the request. */
  | { readonly kind: 'status', readonly status: number, readonly body?: string, readonly headers?: Readonly<Record<string, string>> }
  /** Read the request and never answer: the client's own timeout has to fire. The socket is destroyed at close. */
  | { readonly kind: 'timeout' }
  /** Destroy the connection before processing: the client sees a network error, nothing was recorded as done. */
  | { readonly kind: 'reset' }
  /** Process the request (its effects are kept), then destroy the connection instead of answering: a lost reply. */
  | { readonly kind: 'drop-response' }

export interface RequestMatch {
  /** HTTP method, case-insensitive. */
  readonly method?: string
  /** The request's path as the peer names it (the LRS: a resource such as "statements" or "cmi5/fetch"; the AICC LMS: "/aicc/hacp"), or a pattern tested against it. */
  readonly path?: string | RegExp
}

interface Planned<F> { readonly failure: F, remaining: number, readonly match: RequestMatch }

/** A queue of failures for the next requests: each entry applies to `count` matching requests, in order. */
export class FailurePlan<F> {
  readonly #planned: Planned<F>[] = []

  add (count: number, failure: F, match: RequestMatch = {}): void {
    if (!Number.isInteger(count) || count < 1) throw new Error(`failNext needs a positive whole count, got ${count}`)
    this.#planned.push({ failure, remaining: count, match })
  }

  /** The failure for this request, if one is planned; it is used up. */
  take (method: string, path: string): F | undefined {
    const entry = this.#planned.find(p => matches(p.match, method, path))
    if (entry === undefined) return undefined
    entry.remaining--
    if (entry.remaining === 0) this.#planned.splice(this.#planned.indexOf(entry), 1)
    return entry.failure
  }

  /** How many injected failures are still waiting. */
  pending (): number {
    return this.#planned.reduce((sum, p) => sum + p.remaining, 0)
  }
}

function matches (match: RequestMatch, method: string, path: string): boolean {
  if (match.method !== undefined && match.method.toUpperCase() !== method.toUpperCase()) return false
  if (match.path === undefined) return true
  return typeof match.path === 'string' ? match.path === path : match.path.test(path)
}

export class BodyTooLarge extends Error {}

/** The whole request body, refusing more than `limit` bytes. */
export async function readBody (request: IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
    size += buffer.length
    if (size > limit) throw new BodyTooLarge(`request body larger than ${limit} bytes`)
    chunks.push(buffer)
  }
  return Buffer.concat(chunks)
}

/** Request headers as a plain object of strings (repeated headers joined with ", "). */
export function headersOf (request: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

/** The media type of a Content-Type header, lower-cased, without parameters ('' when absent). */
export function mediaType (contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

export interface PeerServer {
  readonly server: Server
  /** e.g. http://127.0.0.1:41235 */
  readonly origin: string
  readonly port: number
  /** Stops listening and destroys every open connection (held 'timeout' requests included). */
  close (): Promise<void>
}

/**
 * Starts `handler` on 127.0.0.1. Port 0 (the default) lets the kernel pick a free port at bind time,
 * which cannot race the way a port chosen beforehand can; pass a port (see test/helpers/ports.ts)
 * only when the address must be known before the server starts.
 */
export async function listenOnLoopback (handler: (request: IncomingMessage, response: ServerResponse) => Promise<void>, port = 0): Promise<PeerServer> {
  const server = createServer((request, response) => {
    handler(request, response).catch((error: unknown) => {
      // A bug in a peer must not look like a network failure: answer 500 with the reason.
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
      if (!response.writableEnded) response.end(`test peer error: ${error instanceof Error ? error.stack ?? error.message : String(error)}`)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  const actual = (server.address() as AddressInfo).port
  let closed: Promise<void> | undefined
  return {
    server,
    origin: `http://127.0.0.1:${actual}`,
    port: actual,
    close () {
      closed ??= new Promise<void>(resolve => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closed
    }
  }
}

/**
 * Applies a failure that must happen before processing. Returns true when the request was taken
 * care of (answered, held or reset) and must not be processed.
 */
export function failBeforeProcessing (failure: InjectedFailure, request: IncomingMessage, response: ServerResponse): boolean {
  switch (failure.kind) {
    case 'status':
      response.writeHead(failure.status, { 'content-type': 'text/plain; charset=utf-8', ...failure.headers })
      response.end(failure.body ?? `injected failure: HTTP ${failure.status}`)
      return true
    case 'timeout':
      // Keep the socket open and silent; listenOnLoopback's close() destroys it.
      request.resume()
      return true
    case 'reset':
      request.socket.destroy()
      return true
    case 'drop-response':
      return false
  }
}
