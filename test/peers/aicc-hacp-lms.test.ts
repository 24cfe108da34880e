// The stand-in AICC LMS (test/helpers/peers/aicc-hacp-lms.ts) is strict: these hand-written HACP
// exchanges, shaped like CMI001's examples, show what it accepts and each thing it refuses.
import t from 'tap'
import { startAiccHacpLms, hacpErrors, type AiccHacpLms } from '../helpers/peers/aicc-hacp-lms.ts'
import { parseAiccData, parseHacpResponse } from '../helpers/peers/aicc-data.ts'

interface Sent { status: number, contentType: string | null, text: string, hacp: ReturnType<typeof parseHacpResponse> }

/** POSTs HACP fields form-encoded, as an AU does. */
async function hacp (lms: AiccHacpLms, fields: Record<string, string>, init: { contentType?: string, method?: string, signal?: AbortSignal } = {}): Promise<Sent> {
  const res = await fetch(lms.url, {
    method: init.method ?? 'POST',
    headers: { 'content-type': init.contentType ?? 'application/x-www-form-urlencoded' },
    ...(init.method === 'GET' ? {} : { body: new URLSearchParams(fields).toString() }),
    ...(init.signal === undefined ? {} : { signal: init.signal })
  })
  const text = await res.text()
  return { status: res.status, contentType: res.headers.get('content-type'), text, hacp: parseHacpResponse(text) }
}

const putData = [
  '[Core]',
  'Lesson_Location=concept-2',
  'Lesson_Status=incomplete, suspend',
  'Score=45,100,0',
  'Time=00:12:30',
  '[Core_Lesson]',
  'progress=0.45'
]
const crlf = (lines: string[]) => lines.map(l => `${l}\r\n`).join('')

t.test('a whole session: GetParam, PutParam, ExitAU, recorded in order', async t => {
  const lms = await startAiccHacpLms(t)
  const session = lms.createSession({ studentId: 'lms-user-42', studentName: 'Lovelace, Ada' })
  t.match(session.launchQuery, /^aicc_sid=[0-9a-f]+&aicc_url=http%3A%2F%2F127\.0\.0\.1%3A\d+%2Faicc%2Fhacp$/)

  const get = await hacp(lms, { command: 'GetParam', version: '4.0', session_id: session.sessionId, aicc_data: '' })
  t.equal(get.status, 200)
  t.match(get.contentType, /^text\/plain/)
  t.equal(get.hacp.error, 0)
  t.equal(get.hacp.errorText, 'Successful')
  t.equal(get.hacp.version, '4.0')
  t.match(get.text, /^error=0\r\nerror_text=Successful\r\nversion=4\.0\r\naicc_data=\[Core\]\r\n/, 'CR LF lines, aicc_data last')
  const data = parseAiccData(get.hacp.aiccData)
  t.equal(data.lineEnding, 'CRLF')
  t.equal(data.value('core', 'student_id'), 'lms-user-42')
  t.equal(data.value('Core', 'Student_Name'), 'Lovelace, Ada')
  t.equal(data.value('core', 'lesson_location'), '')
  t.equal(data.value('core', 'credit'), 'credit')
  t.equal(data.value('core', 'lesson_status'), 'not attempted, ab-initio')
  t.equal(data.value('core', 'score'), '')
  t.equal(data.value('core', 'time'), '00:00:00')
  t.equal(data.value('core', 'lesson_mode'), 'normal')
  t.ok(data.group('core_lesson'), '[Core_Lesson] is there')

  const put = await hacp(lms, { command: 'PutParam', version: '4.0', session_id: session.sessionId, aicc_data: crlf(putData) })
  t.equal(put.hacp.error, 0, put.text)
  const exit = await hacp(lms, { command: 'ExitAU', version: '4.0', session_id: session.sessionId, aicc_data: '' })
  t.equal(exit.hacp.error, 0, exit.text)

  t.same(lms.exchanges().map(e => e.command), ['getparam', 'putparam', 'exitau'])
  const recorded = lms.exchanges()[1]!
  t.equal(recorded.lineEnding, 'CRLF', 'the sender used CR LF')
  t.equal(recorded.parsed?.value('core', 'lesson_status'), 'incomplete, suspend')
  t.match(recorded.rawBody, /^command=PutParam&version=4\.0&session_id=/)
  t.equal(recorded.headers['content-type'], 'application/x-www-form-urlencoded')
  t.same(lms.learner('lms-user-42'), {
    studentId: 'lms-user-42',
    studentName: 'Lovelace, Ada',
    lessonLocation: 'concept-2',
    lessonStatus: 'incomplete',
    exit: 'suspend',
    score: { raw: 45, max: 100, min: 0 },
    totalTime: '00:12:30',
    coreLesson: 'progress=0.45',
    statusHistory: [{ status: 'incomplete', sessionId: session.sessionId }]
  })
  t.equal(lms.session(session.sessionId).state, 'exited')
})

t.test('field names and command names are case-insensitive; LF-only aicc_data is accepted and reported', async t => {
  const lms = await startAiccHacpLms(t)
  const { sessionId } = lms.createSession()
  const get = await hacp(lms, { COMMAND: 'GETPARAM', Version: '3.5', Session_ID: sessionId })
  t.equal(get.hacp.error, 0, get.text)
  const put = await hacp(lms, { command: 'putparam', version: '3.5', session_id: sessionId, AICC_DATA: ['[core]', 'lesson_status = P', 'time = 0001:02:03.5'].join('\n') })
  t.equal(put.hacp.error, 0, put.text)
  t.equal(lms.exchanges()[1]!.lineEnding, 'LF')
  t.equal(lms.learner('student-1').lessonStatus, 'passed', 'only the first letter of a status counts')
})

t.test('a second session of the same learner resumes what the LMS recorded', async t => {
  const lms = await startAiccHacpLms(t)
  const first = lms.createSession({ studentId: 'u1' })
  await hacp(lms, { command: 'GetParam', version: '4.0', session_id: first.sessionId })
  await hacp(lms, { command: 'PutParam', version: '4.0', session_id: first.sessionId, aicc_data: crlf(putData) })
  await hacp(lms, { command: 'ExitAU', version: '4.0', session_id: first.sessionId })
  const second = lms.createSession({ studentId: 'u1' })
  const get = await hacp(lms, { command: 'GetParam', version: '4.0', session_id: second.sessionId })
  const data = parseAiccData(get.hacp.aiccData)
  t.equal(data.value('core', 'lesson_status'), 'incomplete, resume')
  t.equal(data.value('core', 'lesson_location'), 'concept-2')
  t.equal(data.value('core', 'score'), '45,100,0')
  t.equal(data.group('core_lesson')?.text, 'progress=0.45')
  await hacp(lms, { command: 'PutParam', version: '4.0', session_id: second.sessionId, aicc_data: crlf(['[Core]', 'Lesson_Status=passed', 'Time=00:00:40.25']) })
  await hacp(lms, { command: 'ExitAU', version: '4.0', session_id: second.sessionId })
  t.equal(lms.learner('u1').totalTime, '00:13:10.25', 'session times add up at ExitAU')
  t.same(lms.learner('u1').statusHistory.map(h => h.status), ['incomplete', 'passed'])
})

t.test('the LMS applies its mastery score and lesson modes the way Moodle does', async t => {
  const lms = await startAiccHacpLms(t)
  const normal = lms.createSession({ studentId: 'm1', masteryScore: 80 })
  await hacp(lms, { command: 'GetParam', version: '4.0', session_id: normal.sessionId })
  await hacp(lms, { command: 'PutParam', version: '4.0', session_id: normal.sessionId, aicc_data: crlf(['[Core]', 'Lesson_Status=completed', 'Score=85', 'Time=00:01:00']) })
  t.equal(lms.learner('m1').lessonStatus, 'passed', 'a score at or above mastery passes')
  const browse = lms.createSession({ studentId: 'b1', lessonMode: 'browse' })
  const get = await hacp(lms, { command: 'GetParam', version: '4.0', session_id: browse.sessionId })
  t.equal(parseAiccData(get.hacp.aiccData).value('core', 'credit'), 'no-credit')
  await hacp(lms, { command: 'PutParam', version: '4.0', session_id: browse.sessionId, aicc_data: crlf(['[Core]', 'Lesson_Status=completed', 'Time=00:01:00']) })
  t.equal(lms.learner('b1').lessonStatus, 'browsed')
})

t.test('refusals', async t => {
  const lms = await startAiccHacpLms(t)

  t.test('a session must begin with GetParam', async t => {
    const { sessionId } = lms.createSession()
    const put = await hacp(lms, { command: 'PutParam', version: '4.0', session_id: sessionId, aicc_data: crlf(putData) })
    t.equal(put.hacp.error, hacpErrors.invalidCommand)
    t.match(put.hacp.errorText, /Not Initialized/)
    const exit = await hacp(lms, { command: 'ExitAU', version: '4.0', session_id: sessionId })
    t.equal(exit.hacp.error, hacpErrors.invalidCommand)
    t.equal(lms.session(sessionId).state, 'not-initialized')
  })

  t.test('after ExitAU the session id is no longer valid', async t => {
    const { sessionId } = lms.createSession()
    await hacp(lms, { command: 'GetParam', version: '4.0', session_id: sessionId })
    t.equal((await hacp(lms, { command: 'ExitAU', version: '4.0', session_id: sessionId })).hacp.error, 0)
    for (const command of ['GetParam', 'PutParam', 'ExitAU']) {
      const res = await hacp(lms, { command, version: '4.0', session_id: sessionId, aicc_data: crlf(putData) })
      t.equal(res.hacp.error, hacpErrors.invalidSessionId, `${command} after ExitAU`)
    }
  })

  t.test('unknown or missing session ids', async t => {
    t.equal((await hacp(lms, { command: 'GetParam', version: '4.0', session_id: 'nope' })).hacp.error, hacpErrors.invalidSessionId)
    t.equal((await hacp(lms, { command: 'GetParam', version: '4.0' })).hacp.error, hacpErrors.invalidSessionId)
  })

  t.test('invalid, missing and unversioned commands', async t => {
    const { sessionId } = lms.createSession()
    t.equal((await hacp(lms, { command: 'GetParams', version: '4.0', session_id: sessionId })).hacp.error, hacpErrors.invalidCommand)
    t.equal((await hacp(lms, { version: '4.0', session_id: sessionId })).hacp.error, hacpErrors.invalidCommand)
    const unversioned = await hacp(lms, { command: 'GetParam', session_id: sessionId })
    t.equal(unversioned.hacp.error, hacpErrors.invalidCommand)
    t.match(unversioned.hacp.errorText, /version/)
  })

  t.test('PutParam data the LMS cannot use', async t => {
    const { sessionId } = lms.createSession()
    await hacp(lms, { command: 'GetParam', version: '4.0', session_id: sessionId })
    const cases: [string, string | undefined, RegExp][] = [
      ['missing aicc_data', undefined, /needs aicc_data/],
      ['no [Core]', crlf(['[Core_Lesson]', 'x']), /no \[Core\]/],
      ['no Lesson_Status', crlf(['[Core]', 'Time=00:01:00']), /Lesson_Status is required/],
      ['no Time', crlf(['[Core]', 'Lesson_Status=incomplete']), /Time .* is required/],
      ['a status that is not one', crlf(['[Core]', 'Lesson_Status=done', 'Time=00:01:00']), /not one of passed/],
      ['an exit flag that is not one', crlf(['[Core]', 'Lesson_Status=incomplete, quit', 'Time=00:01:00']), /flag/],
      ['an ISO 8601 duration for Time', crlf(['[Core]', 'Lesson_Status=incomplete', 'Time=PT12M30S']), /CMITimespan/],
      ['minutes past 59', crlf(['[Core]', 'Lesson_Status=incomplete', 'Time=00:75:00']), /CMITimespan/],
      ['a score that is not a number', crlf(['[Core]', 'Lesson_Status=incomplete', 'Score=high', 'Time=00:01:00']), /Score/],
      ['a raw score above its max', crlf(['[Core]', 'Lesson_Status=incomplete', 'Score=120,100', 'Time=00:01:00']), /above its max/],
      ['a line that is not Keyword=Value', crlf(['[Core]', 'Lesson_Status incomplete', 'Time=00:01:00']), /not Keyword=Value/]
    ]
    for (const [name, data, reason] of cases) {
      const res = await hacp(lms, { command: 'PutParam', version: '4.0', session_id: sessionId, ...(data === undefined ? {} : { aicc_data: data }) })
      t.equal(res.hacp.error, hacpErrors.invalidCommand, name)
      t.match(res.hacp.errorText, reason, name)
    }
    t.equal(lms.learner('student-1').statusHistory.length, 0, 'nothing refused was recorded')
  })

  t.test('HACP is form-encoded POSTs', async t => {
    const { sessionId } = lms.createSession()
    const get = await hacp(lms, {}, { method: 'GET' })
    t.equal(get.status, 405)
    const json = await hacp(lms, { command: 'GetParam', version: '4.0', session_id: sessionId }, { contentType: 'application/json' })
    t.equal(json.hacp.error, hacpErrors.invalidCommand)
    t.match(json.hacp.errorText, /x-www-form-urlencoded/)
  })
})

t.test('failures injected for the next requests, to exercise retries', async t => {
  const lms = await startAiccHacpLms(t)
  const { sessionId } = lms.createSession()
  const fields = { command: 'GetParam', version: '4.0', session_id: sessionId }

  lms.failNext(2, { kind: 'status', status: 500 })
  t.equal((await hacp(lms, fields)).status, 500)
  t.equal((await hacp(lms, fields)).status, 500)
  t.equal(lms.session(sessionId).state, 'not-initialized', 'failed requests changed nothing')
  t.equal((await hacp(lms, fields)).hacp.error, 0, 'then the LMS answers again')

  lms.failNext(1, { kind: 'hacp-error', error: 3, errorText: 'Invalid Session ID' })
  const injected = await hacp(lms, { ...fields, command: 'PutParam', aicc_data: crlf(putData) })
  t.equal(injected.hacp.error, 3)
  t.equal(lms.learner('student-1').statusHistory.length, 0)

  lms.failNext(1, { kind: 'timeout' })
  await t.rejects(hacp(lms, fields, { signal: AbortSignal.timeout(200) }), { name: 'TimeoutError' })
  lms.failNext(1, { kind: 'reset' })
  await t.rejects(hacp(lms, fields), TypeError, 'a reset connection is a network error')

  lms.failNext(1, { kind: 'drop-response' })
  await t.rejects(hacp(lms, { ...fields, command: 'PutParam', aicc_data: crlf(putData) }), TypeError, 'the answer is lost…')
  t.equal(lms.learner('student-1').lessonStatus, 'incomplete', '…but the PutParam was processed')
  t.equal(lms.pendingFailures(), 0)
  t.same(lms.exchanges().map(e => e.injected?.kind ?? 'none'), ['status', 'status', 'none', 'hacp-error', 'timeout', 'reset', 'drop-response'])
})
