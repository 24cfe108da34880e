// A stand-in LMS for the LMS side of AICC HACP, the HTTP-based AICC/CMI Protocol of CMI001
// ("CMI Guidelines for Interoperability", v4, appendix on HACP), over a real node:http server.
//
// What it implements, from the spec:
//  - POST, application/x-www-form-urlencoded, fields `command`, `version`, `session_id`,
//    `aicc_data`; field names and command names are case-insensitive.
//  - Responses are text/plain, CR LF lines: `error=<n>`, `error_text=<…>`, `version=<…>`, then for
//    GetParam `aicc_data=` and the data. Error codes are the four CMI001 defines:
//    0 Successful, 1 Invalid Command, 2 Invalid AU-password, 3 Invalid Session ID.
//  - GetParam returns [Core] (Student_ID, Student_Name, Lesson_Location, Credit,
//    Lesson_Status with its entry flag ab-initio/resume, Score, Time, Lesson_Mode), [Core_Lesson],
//    [Core_Vendor] and [Student_Data] (Mastery_Score, Max_Time_Allowed, Time_Limit_Action).
//  - PutParam reads aicc_data (see aicc-data.ts): [Core] Lesson_Location, Lesson_Status (status and
//    exit flag, first letter significant), Score "raw[,max[,min]]", Time (CMITimespan session time),
//    [Core_Lesson]. CR LF and LF are both accepted; the exchange records which one the AU used.
//  - ExitAU ends the session; the session time of the last PutParam is added to the learner's total.
//  - PutComments/PutObjectives/PutPath/PutPerformance/PutInteractions are accepted and recorded.
// Behaviour where CMI001 is silent follows Moodle (mod/scorm/aicc.php, datamodels/aicclib.php):
//  - the session must begin with GetParam: anything else first → error 1 ("Not Initialized");
//  - in lesson mode "normal" with a mastery score, a reported score decides passed/failed; in
//    "browse" a not-attempted lesson becomes "browsed"; status is only recorded in "normal";
//  - Student_Name is "Last, First"; Credit is "credit" in normal mode, "no-credit" otherwise.
// Deliberate choices (strictness for tests, not Moodle's leniency):
//  - a command after ExitAU → error 3 (the session id is no longer valid; Moodle answers 1 "Terminated");
//  - PutParam without usable aicc_data, without [Core] Lesson_Status or Time, or with a malformed
//    value → refused with `invalidDataError` (default 1: CMI001 has no "invalid argument" code,
//    and its code 2 means a wrong AU password); Moodle silently ignores such data;
//  - a request without `version` → error 1 (CMI001 lists version among the request fields);
//  - anything but POST → HTTP 405; a body that is not form-encoded → error 1.
// Not implemented: the AU password (how CMI001 carries it could not be confirmed), the course
// structure files, interactions/objectives/paths content, session time-outs.
import type { Test } from 'tap'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { randomBytes } from 'node:crypto'
import {
  FailurePlan, failBeforeProcessing, headersOf, listenOnLoopback, mediaType, readBody, BodyTooLarge,
  type InjectedFailure, type PeerServer, type RequestMatch
} from './http-peer.ts'
import {
  formatTimespan, lineEndingOf, parseAiccData, parseLessonStatus, parseScore, parseTimespan,
  type AiccScore, type ExitFlag, type LessonStatus, type LineEnding, type ParsedAiccData
} from './aicc-data.ts'

/** The error codes CMI001 defines for HACP responses. */
export const hacpErrors = { successful: 0, invalidCommand: 1, invalidAuPassword: 2, invalidSessionId: 3 } as const
const errorTexts: Readonly<Record<number, string>> = { 0: 'Successful', 1: 'Invalid Command', 2: 'Invalid AU-password', 3: 'Invalid Session ID' }

/** A transport failure, or an HACP error answered instead of processing the command. */
export type AiccFailure = InjectedFailure | { readonly kind: 'hacp-error', readonly error: number, readonly errorText?: string }

export type LessonMode = 'normal' | 'browse' | 'review'
export type HacpSessionState = 'not-initialized' | 'running' | 'exited'

export interface AiccLmsOptions {
  /** Reported in every response's `version=` line. */
  readonly version?: string
  /** The error code for PutParam data the LMS cannot use (default 1, see the file header). */
  readonly invalidDataError?: number
  /** Refuse requests without a `version` field (default true). */
  readonly requireVersion?: boolean
  /** Listen on this port instead of one the kernel picks. */
  readonly port?: number
}

export interface AiccSessionOptions {
  readonly sessionId?: string
  /** The learner; a second session with the same id continues the same learner record. */
  readonly studentId?: string
  readonly studentName?: string
  readonly lessonMode?: LessonMode
  readonly credit?: 'credit' | 'no-credit'
  /** 0–100; in normal mode a reported score then decides passed/failed, as in Moodle. */
  readonly masteryScore?: number
  readonly maxTimeAllowed?: string
  readonly timeLimitAction?: string
  readonly coreVendor?: string
  // Seeds for the learner record (applied when given, also to an existing learner):
  readonly lessonStatus?: LessonStatus
  readonly exit?: ExitFlag
  readonly lessonLocation?: string
  readonly score?: AiccScore
  readonly totalTime?: string
  readonly coreLesson?: string
}

/** What the LMS keeps about a learner across sessions (Moodle's tracks). */
export interface AiccLearnerRecord {
  readonly studentId: string
  readonly studentName: string
  readonly lessonLocation: string
  readonly lessonStatus: LessonStatus
  readonly exit: ExitFlag
  readonly score: AiccScore | undefined
  /** Cumulative time as a CMITimespan. */
  readonly totalTime: string
  readonly coreLesson: string
  /** Every status the LMS recorded, in order, with the session that caused it. */
  readonly statusHistory: readonly { readonly status: LessonStatus, readonly sessionId: string }[]
}

export interface HacpReply {
  readonly status: number
  readonly body: string
  readonly error: number | undefined
  readonly errorText: string | undefined
}

/** One request and what the LMS did with it, in arrival order. */
export interface HacpExchange {
  readonly seq: number
  readonly at: Date
  readonly method: string
  readonly path: string
  /** The query of the URL the AU posted to, with its "?" (or empty). */
  readonly query: string
  readonly headers: Readonly<Record<string, string>>
  readonly rawBody: string
  /** Form fields with lower-cased names. */
  readonly params: Readonly<Record<string, string>>
  /** The command, lower-cased (e.g. "getparam"). */
  readonly command: string | undefined
  readonly sessionId: string | undefined
  readonly version: string | undefined
  readonly aiccData: string | undefined
  /** aicc_data as the LMS read it (PutParam only). */
  readonly parsed: ParsedAiccData | undefined
  /** The line ends the AU used in aicc_data. */
  readonly lineEnding: LineEnding | undefined
  readonly injected: AiccFailure | undefined
  /** The answer; undefined when the request was held ('timeout') or the connection reset. */
  readonly reply: HacpReply | undefined
}

export interface AiccSession {
  readonly sessionId: string
  readonly studentId: string
  readonly lessonMode: LessonMode
  /** The URL the AU posts to (the launch parameter aicc_url). */
  readonly aiccUrl: string
  /** `aicc_sid=…&aicc_url=…`, to append to the AU's launch URL. */
  readonly launchQuery: string
  readonly state: HacpSessionState
  /** Session time of the last accepted PutParam, as sent. */
  readonly sessionTime: string | undefined
  readonly exchanges: readonly HacpExchange[]
}

interface MutableLearner {
  studentId: string
  studentName: string
  lessonLocation: string
  lessonStatus: LessonStatus
  exit: ExitFlag
  score: AiccScore | undefined
  totalTime: number
  coreLesson: string
  /** Whether the LMS holds any track for the learner (no track → entry "ab-initio"). */
  tracked: boolean
  statusHistory: { status: LessonStatus, sessionId: string }[]
}

interface MutableSession {
  sessionId: string
  studentId: string
  lessonMode: LessonMode
  credit: 'credit' | 'no-credit'
  masteryScore: number | undefined
  maxTimeAllowed: string
  timeLimitAction: string
  coreVendor: string
  state: HacpSessionState
  sessionTime: { text: string, centiseconds: number } | undefined
  exchanges: HacpExchange[]
}

const hacpPath = '/aicc/hacp'
const knownCommands = new Set(['getparam', 'putparam', 'exitau', 'putcomments', 'putinteractions', 'putobjectives', 'putpath', 'putperformance'])

export class AiccHacpLms {
  readonly #peer: PeerServer
  readonly #options: Required<Omit<AiccLmsOptions, 'port'>>
  readonly #failures = new FailurePlan<AiccFailure>()
  readonly #sessions = new Map<string, MutableSession>()
  readonly #learners = new Map<string, MutableLearner>()
  readonly #exchanges: HacpExchange[] = []

  private constructor (peer: PeerServer, options: AiccLmsOptions) {
    this.#peer = peer
    this.#options = { version: options.version ?? '4.0', invalidDataError: options.invalidDataError ?? hacpErrors.invalidCommand, requireVersion: options.requireVersion ?? true }
  }

  static async start (options: AiccLmsOptions = {}): Promise<AiccHacpLms> {
    // The handler needs the instance and the instance needs the server: a late-bound reference.
    const ref: { lms?: AiccHacpLms } = {}
    const peer = await listenOnLoopback(async (request, response) => { await ref.lms!.#handle(request, response) }, options.port)
    ref.lms = new AiccHacpLms(peer, options)
    return ref.lms
  }

  get origin (): string { return this.#peer.origin }
  /** The HACP URL (aicc_url). */
  get url (): string { return `${this.#peer.origin}${hacpPath}` }

  /** Opens a session for a learner, as the LMS does when it launches the AU. */
  createSession (options: AiccSessionOptions = {}): AiccSession {
    const sessionId = options.sessionId ?? randomBytes(12).toString('hex')
    if (this.#sessions.has(sessionId)) throw new Error(`session ${sessionId} exists already`)
    const studentId = options.studentId ?? 'student-1'
    const learner = this.#learners.get(studentId) ?? {
      studentId, studentName: 'Learner, Ada', lessonLocation: '', lessonStatus: 'not attempted' as LessonStatus, exit: '' as ExitFlag,
      score: undefined, totalTime: 0, coreLesson: '', tracked: false, statusHistory: []
    }
    this.#learners.set(studentId, learner)
    if (options.studentName !== undefined) learner.studentName = options.studentName
    if (options.lessonStatus !== undefined) { learner.lessonStatus = options.lessonStatus; learner.tracked = true }
    if (options.exit !== undefined) learner.exit = options.exit
    if (options.lessonLocation !== undefined) learner.lessonLocation = options.lessonLocation
    if (options.score !== undefined) learner.score = options.score
    if (options.coreLesson !== undefined) learner.coreLesson = options.coreLesson
    if (options.totalTime !== undefined) {
      const total = parseTimespan(options.totalTime)
      if (typeof total !== 'number') throw new Error(total.problem)
      learner.totalTime = total
    }
    const lessonMode = options.lessonMode ?? 'normal'
    const session: MutableSession = {
      sessionId,
      studentId,
      lessonMode,
      credit: options.credit ?? (lessonMode === 'normal' ? 'credit' : 'no-credit'),
      masteryScore: options.masteryScore,
      maxTimeAllowed: options.maxTimeAllowed ?? '',
      timeLimitAction: options.timeLimitAction ?? '',
      coreVendor: options.coreVendor ?? '',
      state: 'not-initialized',
      sessionTime: undefined,
      exchanges: []
    }
    this.#sessions.set(sessionId, session)
    return this.session(sessionId)
  }

  /** A snapshot of a session. */
  session (sessionId: string): AiccSession {
    const s = this.#sessions.get(sessionId)
    if (s === undefined) throw new Error(`no session ${sessionId}`)
    const launch = new URLSearchParams({ aicc_sid: s.sessionId, aicc_url: this.url })
    return {
      sessionId: s.sessionId,
      studentId: s.studentId,
      lessonMode: s.lessonMode,
      aiccUrl: this.url,
      launchQuery: launch.toString(),
      state: s.state,
      sessionTime: s.sessionTime?.text,
      exchanges: [...s.exchanges]
    }
  }

  /** A snapshot of what the LMS recorded for a learner. */
  learner (studentId: string): AiccLearnerRecord {
    const l = this.#learners.get(studentId)
    if (l === undefined) throw new Error(`no learner ${studentId}`)
    return {
      studentId: l.studentId,
      studentName: l.studentName,
      lessonLocation: l.lessonLocation,
      lessonStatus: l.lessonStatus,
      exit: l.exit,
      score: l.score,
      totalTime: formatTimespan(l.totalTime),
      coreLesson: l.coreLesson,
      statusHistory: l.statusHistory.map(h => ({ ...h }))
    }
  }

  /** Every request received, in order. */
  exchanges (): readonly HacpExchange[] {
    return [...this.#exchanges]
  }

  /** The next `count` matching requests fail this way instead of being served normally. */
  failNext (count: number, failure: AiccFailure, match?: RequestMatch): void {
    this.#failures.add(count, failure, match)
  }

  pendingFailures (): number {
    return this.#failures.pending()
  }

  close (): Promise<void> {
    return this.#peer.close()
  }

  async #handle (request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET'
    const url = new URL(request.url ?? '/', this.#peer.origin)
    if (url.pathname !== hacpPath) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not an HACP URL')
      return
    }
    let raw: Buffer
    try {
      raw = await readBody(request)
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error
      response.writeHead(413, { 'content-type': 'text/plain; charset=utf-8' }).end(error.message)
      return
    }
    const rawBody = raw.toString('utf8')
    const formEncoded = mediaType(request.headers['content-type']) === 'application/x-www-form-urlencoded'
    const params: Record<string, string> = {}
    // Field names are case-insensitive in HACP; the first occurrence of a name wins.
    if (formEncoded) for (const [name, value] of new URLSearchParams(rawBody)) params[name.toLowerCase()] ??= value
    const command = params.command?.trim().toLowerCase()
    const sessionId = params.session_id?.trim()
    const aiccData = params.aicc_data
    const session = sessionId === undefined ? undefined : this.#sessions.get(sessionId)
    const injected = this.#failures.take(method, url.pathname)
    const exchange: { -readonly [K in keyof HacpExchange]: HacpExchange[K] } = {
      seq: this.#exchanges.length + 1,
      at: new Date(),
      method,
      path: url.pathname,
      query: url.search,
      headers: headersOf(request),
      rawBody,
      params,
      command,
      sessionId,
      version: params.version,
      aiccData,
      parsed: undefined,
      lineEnding: aiccData === undefined ? undefined : lineEndingOf(aiccData),
      injected,
      reply: undefined
    }
    this.#exchanges.push(exchange)
    session?.exchanges.push(exchange)

    const reply = (status: number, error: number | undefined, detail?: string, data?: string, exactText?: string): void => {
      const base = errorTexts[error ?? -1] ?? 'Error'
      const text = error === undefined ? undefined : exactText ?? (detail === undefined ? base : `${base}: ${detail}`)
      const body = error === undefined
        ? detail ?? ''
        : `error=${error}\r\nerror_text=${text}\r\nversion=${this.#options.version}\r\n${data === undefined ? '' : `aicc_data=${data}`}`
      exchange.reply = { status, body, error, errorText: text }
      if (injected?.kind === 'drop-response') {
        request.socket.destroy()
        return
      }
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' }).end(body)
    }

    if (injected !== undefined && injected.kind !== 'drop-response') {
      if (injected.kind === 'hacp-error') {
        reply(200, injected.error, undefined, undefined, injected.errorText)
        return
      }
      if (injected.kind === 'status') exchange.reply = { status: injected.status, body: injected.body ?? `injected failure: HTTP ${injected.status}`, error: undefined, errorText: undefined }
      failBeforeProcessing(injected, request, response)
      return
    }
    if (method !== 'POST') {
      response.setHeader('allow', 'POST')
      reply(405, undefined, 'HACP requests are HTTP POSTs')
      return
    }
    if (!formEncoded) return reply(200, hacpErrors.invalidCommand, `the body must be application/x-www-form-urlencoded, got ${JSON.stringify(request.headers['content-type'] ?? '')}`)
    if (command === undefined || command === '') return reply(200, hacpErrors.invalidCommand, 'no command')
    if (sessionId === undefined || session === undefined) return reply(200, hacpErrors.invalidSessionId)
    if (session.state === 'exited') return reply(200, hacpErrors.invalidSessionId, 'the session ended with ExitAU')
    if (!knownCommands.has(command)) return reply(200, hacpErrors.invalidCommand, `unknown command ${JSON.stringify(params.command)}`)
    if (this.#options.requireVersion && (params.version === undefined || !/^\d+(\.\d+)*$/.test(params.version.trim()))) {
      return reply(200, hacpErrors.invalidCommand, `version must be given, e.g. version=4.0 (got ${JSON.stringify(params.version ?? null)})`)
    }
    if (command !== 'getparam' && session.state === 'not-initialized') return reply(200, hacpErrors.invalidCommand, 'Not Initialized: GetParam must be the first command of a session')

    const learner = this.#learners.get(session.studentId)!
    switch (command) {
      case 'getparam':
        session.state = 'running'
        return reply(200, hacpErrors.successful, undefined, this.#getParamData(session, learner))
      case 'putparam': {
        const outcome = this.#putParam(session, learner, aiccData)
        exchange.parsed = outcome.parsed
        if (outcome.problems.length > 0) return reply(200, this.#options.invalidDataError, outcome.problems.join('; '))
        return reply(200, hacpErrors.successful)
      }
      case 'exitau':
        if (session.sessionTime !== undefined) learner.totalTime += session.sessionTime.centiseconds
        session.state = 'exited'
        return reply(200, hacpErrors.successful)
      default:
        // PutComments, PutObjectives, PutPath, PutPerformance, PutInteractions: recorded, not interpreted.
        return reply(200, hacpErrors.successful)
    }
  }

  #getParamData (session: MutableSession, learner: MutableLearner): string {
    const entry = !learner.tracked ? ', ab-initio' : learner.exit === 'suspend' ? ', resume' : ''
    const score = learner.score === undefined
      ? ''
      : [learner.score.raw, ...(learner.score.max === undefined ? [] : [learner.score.max, ...(learner.score.min === undefined ? [] : [learner.score.min])])].join(',')
    const lines = [
      '[Core]',
      `Student_ID=${learner.studentId}`,
      `Student_Name=${learner.studentName}`,
      `Lesson_Location=${learner.lessonLocation}`,
      `Credit=${session.credit}`,
      `Lesson_Status=${learner.lessonStatus}${entry}`,
      `Score=${score}`,
      `Time=${formatTimespan(learner.totalTime)}`,
      `Lesson_Mode=${session.lessonMode}`,
      '[Core_Lesson]',
      ...(learner.coreLesson === '' ? [] : [learner.coreLesson]),
      '[Core_Vendor]',
      ...(session.coreVendor === '' ? [] : [session.coreVendor]),
      '[Student_Data]',
      `Mastery_Score=${session.masteryScore ?? ''}`,
      `Max_Time_Allowed=${session.maxTimeAllowed}`,
      `Time_Limit_Action=${session.timeLimitAction}`
    ]
    return lines.map(l => `${l}\r\n`).join('')
  }

  #putParam (session: MutableSession, learner: MutableLearner, aiccData: string | undefined): { parsed: ParsedAiccData | undefined, problems: string[] } {
    if (aiccData === undefined || aiccData.trim() === '') return { parsed: undefined, problems: ['PutParam needs aicc_data'] }
    const parsed = parseAiccData(aiccData)
    const problems = [...parsed.problems]
    if (parsed.group('core') === undefined) problems.push('aicc_data has no [Core] group')
    const statusText = parsed.value('core', 'lesson_status')
    const timeText = parsed.value('core', 'time')
    const scoreText = parsed.value('core', 'score')
    const location = parsed.value('core', 'lesson_location')
    const status = statusText === undefined ? { problem: '[Core] Lesson_Status is required' } : parseLessonStatus(statusText)
    if ('problem' in status) problems.push(status.problem)
    const time = timeText === undefined ? { problem: '[Core] Time (the session time) is required' } : parseTimespan(timeText)
    if (typeof time !== 'number') problems.push(time.problem)
    const score = scoreText === undefined ? undefined : parseScore(scoreText)
    if (score !== undefined && 'problem' in score) problems.push(score.problem)
    if (location !== undefined && location.length > 255) problems.push('[Core] Lesson_Location is longer than 255 characters')
    if (problems.length > 0 || 'problem' in status || typeof time !== 'number' || (score !== undefined && 'problem' in score)) return { parsed, problems }

    // Accepted: record it the way Moodle does.
    learner.tracked = true
    if (location !== undefined) learner.lessonLocation = location
    if (score !== undefined) learner.score = score
    const coreLesson = parsed.group('core_lesson')
    if (coreLesson !== undefined) learner.coreLesson = coreLesson.text
    learner.exit = status.exit
    session.sessionTime = { text: timeText!, centiseconds: time }
    let recorded: LessonStatus | undefined
    if (session.lessonMode === 'normal') {
      recorded = status.status
      if (session.masteryScore !== undefined && score !== undefined) recorded = score.raw >= session.masteryScore ? 'passed' : 'failed'
    } else if (session.lessonMode === 'browse' && learner.lessonStatus === 'not attempted') {
      recorded = 'browsed'
    }
    if (recorded !== undefined) {
      learner.lessonStatus = recorded
      learner.statusHistory.push({ status: recorded, sessionId: session.sessionId })
    }
    return { parsed, problems: [] }
  }
}

/** Starts the stand-in LMS for one test; it closes at the test's teardown. */
export async function startAiccHacpLms (t: Test, options: AiccLmsOptions = {}): Promise<AiccHacpLms> {
  const lms = await AiccHacpLms.start(options)
  t.teardown(() => lms.close())
  return lms
}
