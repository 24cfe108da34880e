// Our HACP client against the stand-in LMS (a real HTTP server written from CMI001, not from
// this client: test/helpers/peers/aicc-hacp-lms.ts).
import t from 'tap'
import { HacpClient, HacpError, LmsUnreachableError } from '../../src/lms/aicc-hacp.ts'
import { commitValues } from '../../src/domain/lms/commit-values.ts'
import { startAiccHacpLms } from '../helpers/peers/aicc-hacp-lms.ts'

const learning = commitValues({ progress: 0.456, mastered: false, previouslyPassed: false, sessionMs: 754_400, previousLmsMs: 0 })
const mastered = commitValues({ progress: 1, mastered: true, previouslyPassed: false, sessionMs: 61_000, previousLmsMs: 0 })

t.test('GetParam names the learner; PutParam writes the commit in CR LF lines; ExitAU ends the session', async t => {
  const lms = await startAiccHacpLms(t)
  const session = lms.createSession({ studentId: 'lms-user-42', studentName: 'Lovelace, Ada', lessonStatus: 'incomplete' })
  const client = new HacpClient({ url: session.aiccUrl, sessionId: session.sessionId })
  const { facts } = await client.getParam()
  t.same(facts, { studentId: 'lms-user-42', studentName: 'Lovelace, Ada', lessonStatus: 'incomplete', lessonMode: 'normal' })
  await client.putParam(learning)
  await client.exitAu()
  const exchanges = lms.session(session.sessionId)?.exchanges ?? []
  t.same(exchanges.map(e => e.command), ['getparam', 'putparam', 'exitau'], 'in the order CMI001 expects')
  const put = exchanges[1]
  t.equal(put?.lineEnding, 'CRLF')
  t.equal(put?.reply?.error, 0, put?.reply?.body ?? 'no reply')
  t.equal(lms.session(session.sessionId)?.state, 'exited')
  const record = lms.learner('lms-user-42')
  t.equal(record?.lessonStatus, 'incomplete', 'not mastered: incomplete')
  t.equal(record?.score?.raw, 45, 'the progress as the score, rounded down')
  t.equal(record?.totalTime, '00:12:34', 'the session time, in whole seconds')
})

t.test('at mastery the LMS records passed with 100', async t => {
  const lms = await startAiccHacpLms(t)
  const session = lms.createSession({ studentId: 'u-1' })
  const client = new HacpClient({ url: session.aiccUrl, sessionId: session.sessionId })
  await client.getParam()
  await client.putParam(mastered)
  await client.exitAu()
  t.equal(lms.learner('u-1')?.lessonStatus, 'passed')
  t.equal(lms.learner('u-1')?.score?.raw, 100)
})

t.test('an HACP error is a refusal, with the LMS\'s code and text', async t => {
  const lms = await startAiccHacpLms(t)
  const unknown = new HacpClient({ url: lms.url, sessionId: 'no-such-session' })
  const refused = await unknown.getParam().catch((e: unknown) => e)
  t.ok(refused instanceof HacpError)
  t.equal((refused as HacpError).code, 3, 'invalid session id')
  const session = lms.createSession({ studentId: 'u-2' })
  const client = new HacpClient({ url: session.aiccUrl, sessionId: session.sessionId })
  await client.getParam()
  await client.exitAu()
  const afterExit = await client.putParam(learning).catch((e: unknown) => e)
  t.ok(afterExit instanceof HacpError, 'nothing is accepted after ExitAU')
  lms.failNext(1, { kind: 'hacp-error', error: 1, errorText: 'Invalid Command' })
  const injected = await new HacpClient({ url: lms.url, sessionId: lms.createSession({ studentId: 'u-3' }).sessionId }).getParam().catch((e: unknown) => e)
  t.match(injected, { name: 'HacpError', code: 1, errorText: 'Invalid Command' })
})

t.test('no usable answer is "unreachable": HTTP errors, timeouts, resets, bodies that are not HACP', async t => {
  const lms = await startAiccHacpLms(t)
  const session = lms.createSession({ studentId: 'u-4' })
  const client = new HacpClient({ url: session.aiccUrl, sessionId: session.sessionId }, { timeoutMs: 300 })
  lms.failNext(1, { kind: 'status', status: 500 })
  t.match(await client.getParam().catch((e: unknown) => e), { name: 'LmsUnreachableError', message: /HTTP 500/ })
  lms.failNext(1, { kind: 'timeout' })
  t.match(await client.getParam().catch((e: unknown) => e), { name: 'LmsUnreachableError', message: /within 300 ms/ })
  lms.failNext(1, { kind: 'reset' })
  t.ok(await client.getParam().catch((e: unknown) => e) instanceof LmsUnreachableError)
  lms.failNext(1, { kind: 'status', status: 200, body: '<html>Login</html>' })
  t.match(await client.getParam().catch((e: unknown) => e), { name: 'LmsUnreachableError', message: /not an HACP response/ })
  const { facts } = await client.getParam()
  t.equal(facts.studentId, 'u-4', 'and the next attempt goes through')
})

t.test('only http and https LMS addresses are used', async t => {
  t.throws(() => new HacpClient({ url: 'file:///etc/passwd', sessionId: 'x' }), /http or https/)
  t.throws(() => new HacpClient({ url: 'not a url', sessionId: 'x' }))
})
