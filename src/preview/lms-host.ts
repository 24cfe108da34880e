// A stand-in LMS for one SCORM package: unzips it in memory, serves its files under
// /content/, and serves the course page at / with scorm-again as the LMS runtime
// (lms-page.ts, lms-runtime.js). `npm run preview` and the browser tests both use it, so
// an admin trying a package sees exactly what the tests check.
//
// It listens on 127.0.0.1 and names itself http://localhost:<port>/ by default: another
// origin than the service (and another site than 127.0.0.1), as a real LMS would be.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { EventEmitter } from 'node:events'
import { extname } from 'node:path'
import type { AddressInfo } from 'node:net'
import { readCourse, type Course, type ScormStandard } from './course.ts'
import { lmsPage } from './lms-page.ts'
import { Registrations, trackedElements, type DataModel, type Registration } from './registrations.ts'

export interface LmsHostOptions {
  /** The package, as downloaded from the service. */
  readonly zip: Buffer
  /** The LMS user id launches use unless the page's query string says otherwise (?learner=…). */
  readonly learnerId?: string
  readonly learnerName?: string
  /** 0 (the default) picks a free port. */
  readonly port?: number
  /** The address to listen on (default 127.0.0.1). */
  readonly listenHost?: string
  /** The host name in the page's URL (default localhost). */
  readonly urlHost?: string
  /** SCORM 1.2: LMSFinish turns a lesson_status the SCO never set into "completed", as the SCORM 1.2 RTE (p. 3-25) asks LMSs to (also ?autoComplete=1). */
  readonly autoCompleteLessonStatus?: boolean
}

/** What the course page told the host: one per Initialize, Commit, LMSFinish/Terminate and API error. */
export interface LmsReport {
  readonly learnerId: string
  readonly launch: number
  readonly kind: 'initialize' | 'commit' | 'finish' | 'error'
  /** The API call, e.g. LMSCommit */
  readonly call?: string
  /** What the call answered ("true"/"false"). */
  readonly result?: string
  readonly error?: { readonly call: string, readonly code: string, readonly message: string, readonly diagnostic: string }
  /** The tracked data model elements right after the call. */
  readonly values: DataModel
  /** When the host received it (ms since the epoch). */
  readonly receivedAt: number
}

export interface LmsHost {
  /** The course page for the default learner, e.g. http://localhost:41234/ */
  readonly url: string
  readonly origin: string
  readonly course: Omit<Course, 'files'>
  /** Every report received, oldest first. */
  readonly reports: readonly LmsReport[]
  /** The course page for a learner (the LMS user id the launcher reads). */
  pageUrl (learner?: { id?: string, name?: string, autoComplete?: boolean }): string
  /** What the LMS keeps for a learner between launches. */
  registration (learnerId: string): Registration | undefined
  /** Calls `listener` with each report from now on; returns the function that stops it. */
  onReport (listener: (report: LmsReport) => void): () => void
  /** Resolves with the first report (already received or still to come) that matches. */
  waitForReport (matches: (report: LmsReport) => boolean, timeoutMs?: number): Promise<LmsReport>
  close (): Promise<void>
}

export const defaultLearner = { id: 'preview-learner', name: 'Preview Learner' } as const

const require = createRequire(import.meta.url)
const scormAgain: Readonly<Record<ScormStandard, string>> = {
  scorm12: require.resolve('scorm-again/scorm12/min'),
  scorm2004: require.resolve('scorm-again/scorm2004/min')
}
const runtimeScript = new URL('./lms-runtime.js', import.meta.url)

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.xsd': 'application/xml',
  '.dtd': 'application/xml-dtd',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.woff2': 'font/woff2',
  '.mp3': 'audio/mpeg',
  '.mp4': 'video/mp4'
}

const maxReportBytes = 256 * 1024

export async function startLmsHost (options: LmsHostOptions): Promise<LmsHost> {
  const { files, ...course } = await readCourse(options.zip)
  const registrations = new Registrations(course.standard)
  const reports: LmsReport[] = []
  const received = new EventEmitter()
  const scripts = {
    runtime: readFileSync(runtimeScript),
    scormAgain: readFileSync(scormAgain[course.standard])
  }
  const fallbackLearner = { id: options.learnerId ?? defaultLearner.id, name: options.learnerName ?? defaultLearner.name }

  function coursePage (query: URLSearchParams): string {
    const id = query.get('learner')?.trim() || fallbackLearner.id
    const name = query.get('name')?.trim() || (id === fallbackLearner.id ? fallbackLearner.name : id)
    const autoComplete = query.has('autoComplete') ? query.get('autoComplete') === '1' : options.autoCompleteLessonStatus === true
    const { launch, attempt } = registrations.launch(id)
    return lmsPage({
      standard: course.standard,
      title: course.title,
      launchUrl: contentUrl(course.launch),
      learner: { id, name },
      launch,
      attempt,
      initial: registrations.initialData({ id, name }),
      elements: trackedElements[course.standard],
      autoCompleteLessonStatus: autoComplete,
      reportUrl: '/lms/report',
      forgetUrl: '/lms/forget'
    })
  }

  function receive (body: unknown): void {
    const report = parseReport(body)
    if (report === undefined) return
    reports.push(report)
    if (report.kind === 'commit') registrations.commit(report.learnerId, report.values)
    if (report.kind === 'finish') registrations.finish(report.learnerId, report.values)
    received.emit('report', report)
  }

  async function handle (request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://preview.invalid')
    const path = url.pathname
    // HEAD is GET without the body (node:http drops it).
    const method = request.method === 'HEAD' ? 'GET' : request.method
    if (method === 'GET' && path === '/') return send(response, 200, 'text/html; charset=utf-8', coursePage(url.searchParams))
    if (method === 'GET' && path === '/lms/runtime.js') return send(response, 200, contentTypes['.js'], scripts.runtime)
    if (method === 'GET' && path === `/lms/${course.standard}.min.js`) return send(response, 200, contentTypes['.js'], scripts.scormAgain)
    if (method === 'POST' && (path === '/lms/report' || path === '/lms/forget')) {
      const text = await readBody(request)
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        return send(response, 400, 'text/plain; charset=utf-8', 'The body is not JSON.')
      }
      if (path === '/lms/report') receive(body)
      else if (typeof (body as { learnerId?: unknown } | null)?.learnerId === 'string') registrations.forget((body as { learnerId: string }).learnerId)
      return send(response, 204)
    }
    if (method === 'GET' && path.startsWith('/content/')) {
      let name: string
      try {
        name = decodeURIComponent(path.slice('/content/'.length))
      } catch {
        return send(response, 400, 'text/plain; charset=utf-8', 'Bad path.')
      }
      const file = files.get(name)
      if (file === undefined) return send(response, 404, 'text/plain; charset=utf-8', `${name} is not in the package.`)
      return send(response, 200, contentTypes[extname(name).toLowerCase()] ?? 'application/octet-stream', file)
    }
    if (path === '/favicon.ico') return send(response, 204)
    return send(response, 404, 'text/plain; charset=utf-8', 'Not found.')
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', error instanceof Error ? error.message : String(error))
      else response.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.listenHost ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const origin = `http://${options.urlHost ?? 'localhost'}:${port}`

  return {
    url: `${origin}/`,
    origin,
    course,
    reports,
    pageUrl (learner = {}) {
      const query = new URLSearchParams()
      if (learner.id !== undefined) query.set('learner', learner.id)
      if (learner.name !== undefined) query.set('name', learner.name)
      if (learner.autoComplete !== undefined) query.set('autoComplete', learner.autoComplete ? '1' : '0')
      const text = query.toString()
      return `${origin}/${text === '' ? '' : `?${text}`}`
    },
    registration: learnerId => registrations.get(learnerId),
    onReport (listener) {
      received.on('report', listener)
      return () => { received.off('report', listener) }
    },
    waitForReport (matches, timeoutMs = 5000) {
      const found = reports.find(matches)
      if (found !== undefined) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          received.off('report', listener)
          reject(new Error(`no matching LMS report within ${timeoutMs} ms (received: ${reports.map(r => `${r.kind}:${r.call ?? ''}`).join(', ') || 'none'})`))
        }, timeoutMs)
        const listener = (report: LmsReport): void => {
          if (!matches(report)) return
          clearTimeout(timer)
          received.off('report', listener)
          resolve(report)
        }
        received.on('report', listener)
      })
    },
    close () {
      return new Promise<void>((resolve, reject) => {
        server.close(error => error === undefined ? resolve() : reject(error))
        server.closeAllConnections()
      })
    }
  }
}

/** The address of a file of the package on this host; the launch's query string (manifest parameters) is kept as it is. */
function contentUrl (launch: string): string {
  const at = launch.indexOf('?')
  const file = at < 0 ? launch : launch.slice(0, at)
  return `/content/${file.split('/').map(encodeURIComponent).join('/')}${at < 0 ? '' : launch.slice(at)}`
}

function send (response: ServerResponse, status: number, type?: string, body?: string | Buffer): void {
  const headers: Record<string, string> = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }
  if (type !== undefined) headers['content-type'] = type
  response.writeHead(status, headers).end(body)
}

function readBody (request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxReportBytes) {
        reject(new Error('The report is too large.'))
        request.destroy()
        return
      }
      chunks.push(chunk)
    })
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

const reportKinds = new Set(['initialize', 'commit', 'finish', 'error'])

/** A report as the page sends it, or undefined when it is not one (the page is ours, but the port is open to anyone on this machine). */
function parseReport (body: unknown): LmsReport | undefined {
  if (body === null || typeof body !== 'object') return undefined
  const b = body as Record<string, unknown>
  if (typeof b.learnerId !== 'string' || typeof b.launch !== 'number' || typeof b.kind !== 'string' || !reportKinds.has(b.kind)) return undefined
  if (b.values === null || typeof b.values !== 'object') return undefined
  const values: Record<string, string> = {}
  for (const [element, value] of Object.entries(b.values as Record<string, unknown>)) {
    if (typeof value === 'string') values[element] = value
  }
  const e = b.error as Record<string, unknown> | undefined
  const error = e !== null && typeof e === 'object'
    ? { call: String(e.call ?? ''), code: String(e.code ?? ''), message: String(e.message ?? ''), diagnostic: String(e.diagnostic ?? '') }
    : undefined
  return {
    learnerId: b.learnerId,
    launch: b.launch,
    kind: b.kind as LmsReport['kind'],
    ...(typeof b.call === 'string' ? { call: b.call } : {}),
    ...(typeof b.result === 'string' ? { result: b.result } : {}),
    ...(error === undefined ? {} : { error }),
    values,
    receivedAt: Date.now()
  }
}
