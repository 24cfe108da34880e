// Our xAPI client against the stand-in LRS and cmi5 LMS (a real HTTP server written from xAPI 1.0.3
// and cmi5, not from this client: test/helpers/peers/lrs.ts), which judges every statement an AU
// session sends and reports what breaks the spec.
import t from 'tap'
import { Cmi5TokenError, LrsError, XapiClient, deterministicUuid, xapiVersion } from '../../src/lms/xapi-client.ts'
import { LmsUnreachableError } from '../../src/lms/aicc-hacp.ts'
import {
  cmi5ExitStatements, cmi5Initialized, cmi5LaunchDataStateId, cmi5LearnerPreferencesProfileId, parseCmi5LaunchData, parseCmi5LaunchParams,
  parseTincanLaunchParams, tincanExitStatements, type Cmi5Session, type Parsed, type XapiStatement
} from '../../src/domain/lms/xapi.ts'
import { commitValues, type LmsValues } from '../../src/domain/lms/commit-values.ts'
import { startLrs, type Cmi5Launch, type Lrs } from '../helpers/peers/lrs.ts'
import { cmi5 } from '../helpers/peers/cmi5-rules.ts'
import type { JsonObject } from '../helpers/peers/xapi-statement.ts'

const serviceUrl = 'https://svc.example.com'
const learning = commitValues({ progress: 0.456, mastered: false, previouslyPassed: false, sessionMs: 754_400, previousLmsMs: 0 })
const mastered = commitValues({ progress: 1, mastered: true, previouslyPassed: false, sessionMs: 61_000, previousLmsMs: 754_400 })

function value<T> (parsed: Parsed<T>): T {
  if (!parsed.ok) throw new Error(`not parsed: ${parsed.problems.join('; ')}`)
  return parsed.value
}

/** What the service does when the learner arrives from the LMS: read the launch, fetch the token, start the session. */
async function startCmi5 (lrs: Lrs, launch: Cmi5Launch) {
  const url = new URL(launch.url(`${serviceUrl}/lms/cmi5/launch?package=p1&key=k`))
  const params = value(parseCmi5LaunchParams(url.searchParams))
  const { authorization } = await XapiClient.fetchCmi5Token(params.fetch)
  const client = new XapiClient({ endpoint: params.endpoint, authorization })
  const launchData = value(parseCmi5LaunchData((await client.getState({ activityId: params.activityId, agent: params.actor, registration: params.registration, stateId: cmi5LaunchDataStateId }))?.json))
  const preferences = await client.getAgentProfile({ agent: params.actor, profileId: cmi5LearnerPreferencesProfileId })
  const session: Cmi5Session = { actor: params.actor, activityId: params.activityId, registration: params.registration, launchData }
  const statementId = (verb: string) => deterministicUuid(`${serviceUrl}/lms/sessions/${launchData.sessionId}/statements/${verb}`)
  await client.putStatement(cmi5Initialized(session, { id: statementId('initialized'), at: Date.now() }))
  return { client, session, preferences, statementId }
}

async function exitCmi5 (started: Awaited<ReturnType<typeof startCmi5>>, values: LmsValues, alreadySent: { completed: boolean, passed: boolean }): Promise<XapiStatement[]> {
  const statements = cmi5ExitStatements({ session: started.session, values, alreadySent, at: Date.now() + 1, statementId: started.statementId })
  for (const statement of statements) await started.client.putStatement(statement)
  return statements
}

const verbsOf = (statements: JsonObject[]) => statements.map(s => String((s.verb as JsonObject).id).replace(/^.*\//, ''))

t.test('a cmi5 session from launch to mastery: token once, LaunchData, preferences, Initialized … Terminated, no violation', async t => {
  const lrs = await startLrs(t)
  // As our cmi5.xml declares the AU.
  const launch = lrs.launchCmi5({ moveOn: 'CompletedAndPassed', masteryScore: 1, publisherId: `${serviceUrl}/lms/cmi5/courses/p1/au`, returnURL: 'https://lms.example.com/course/7' })
  const started = await startCmi5(lrs, launch)
  t.equal(started.session.launchData.sessionId, launch.sessionId)
  t.equal(started.session.launchData.returnURL, 'https://lms.example.com/course/7')
  t.same(started.preferences?.json, { languagePreference: 'en-US', audioPreference: 'on' }, 'the learner preferences (cmi5 11.0)')
  await exitCmi5(started, mastered, { completed: false, passed: false })

  t.same(lrs.violations(), [], 'the LMS saw nothing against cmi5')
  t.same(verbsOf(lrs.statementsOf(launch.sessionId)), ['initialized', 'completed', 'passed', 'terminated'])
  const passed = lrs.statementsOf(launch.sessionId)[2]!
  t.match(passed, { result: { success: true, score: { scaled: 1 } }, context: { extensions: { [cmi5.contextExtensions.masteryScore]: 1 } } }, 'passed with 100% (R15)')
  const session = lrs.cmi5Sessions()[0]!
  t.equal(session.fetchCount, 1, 'the fetch URL was used once')
  t.equal(session.state, 'terminated')
  t.ok(session.progress.launchDataRead && session.progress.learnerPreferencesRead)
  for (const exchange of lrs.exchanges().filter(e => e.resource !== 'cmi5/fetch')) {
    t.equal(exchange.headers['x-experience-api-version'], xapiVersion, `${exchange.method} ${exchange.resource} carries the version header`)
  }
  t.same(lrs.refusals(), [])

  // The next session of the registration: mastery was already reported.
  const next = lrs.launchCmi5({ registration: launch.registration })
  const again = await startCmi5(lrs, next)
  const sent = await exitCmi5(again, commitValues({ progress: 1, mastered: true, previouslyPassed: true, sessionMs: 5_000, previousLmsMs: 815_400 }), { completed: true, passed: true })
  t.same(sent.map(s => s.verb.display['en-US']), ['terminated'])
  t.same(lrs.violations(), [], 'no second Completed or Passed in the registration')
})

t.test('a cmi5 session short of mastery reports the progress on Terminated', async t => {
  const lrs = await startLrs(t)
  const launch = lrs.launchCmi5({ moveOn: 'CompletedAndPassed', masteryScore: 1 })
  await exitCmi5(await startCmi5(lrs, launch), learning, { completed: false, passed: false })
  t.same(lrs.violations(), [])
  const stored = lrs.statementsOf(launch.sessionId)
  t.same(verbsOf(stored), ['initialized', 'terminated'])
  t.match(stored[1], { result: { duration: 'PT12M34.4S', extensions: { [cmi5.resultExtensions.progress]: 45 } } })
})

t.test('a Browse launch sends only Initialized and Terminated, even at mastery', async t => {
  const lrs = await startLrs(t)
  const launch = lrs.launchCmi5({ launchMode: 'Browse', masteryScore: 1 })
  const started = await startCmi5(lrs, launch)
  t.equal(started.session.launchData.launchMode, 'Browse')
  await exitCmi5(started, mastered, { completed: false, passed: false })
  t.same(lrs.violations(), [])
  t.same(verbsOf(lrs.statementsOf(launch.sessionId)), ['initialized', 'terminated'])
  t.same(lrs.refusals(), [])
})

t.test('a statement sent again is accepted and stored once', async t => {
  const lrs = await startLrs(t)
  const client = new XapiClient({ endpoint: lrs.endpoint, authorization: lrs.authorization })
  const tincan = { actor: { objectType: 'Agent' as const, mbox: 'mailto:ann@example.com' }, activityId: `${serviceUrl}/lms/xapi/activities/p1`, registration: undefined }
  const [statement] = tincanExitStatements({ session: tincan, values: learning, alreadySent: { completed: false, passed: false, mastered: false }, at: Date.now(), statementId: verb => deterministicUuid(`${serviceUrl}/s/1/${verb}`), serviceUrl })
  await client.putStatement(statement!)
  await client.putStatement(statement!)
  t.equal(lrs.statements().length, 1, 'one statement stored')
  t.same(lrs.received().map(r => r.accepted), [true, true], 'the resend was accepted')

  // Some LRSs answer 409 to an identical resend (xAPI 2.1.1 allows it): the client reads the stored one back.
  lrs.failNext(1, { kind: 'status', status: 409, body: '{"message":"exists"}' }, { method: 'PUT', path: 'statements' })
  await client.putStatement(statement!)
  t.same(lrs.exchanges().slice(-2).map(e => `${e.method} ${e.status}`), ['PUT 409', 'GET 200'])

  const other = { ...statement!, verb: { id: 'http://adlnet.gov/expapi/verbs/terminated', display: { 'en-US': 'terminated' } } }
  const conflict = await client.putStatement(other).catch((e: unknown) => e)
  t.ok(conflict instanceof LrsError, 'another statement under the same id is a refusal')
  t.equal((conflict as LrsError).status, 409)
  t.match((conflict as LrsError).message, /a different statement/)

  // The reply is lost after the LRS stored it: the retry with the same id is accepted, nothing doubles.
  const [, terminated] = tincanExitStatements({ session: tincan, values: learning, alreadySent: { completed: false, passed: false, mastered: false }, at: Date.now(), statementId: verb => deterministicUuid(`${serviceUrl}/s/2/${verb}`), serviceUrl })
  lrs.failNext(1, { kind: 'drop-response' }, { method: 'PUT', path: 'statements' })
  t.ok(await client.putStatement(terminated!).catch((e: unknown) => e) instanceof LmsUnreachableError)
  await client.putStatement(terminated!)
  t.equal(lrs.statements().length, 2)
})

t.test('a Tin Can launch, with the actor in the xAPI 1.0 and the 0.9 form', async t => {
  const lrs = await startLrs(t)
  const activityId = `${serviceUrl}/lms/xapi/activities/p1`
  for (const legacyActor of [false, true]) {
    const launch = lrs.tincanLaunch({ activityId, actor: { objectType: 'Agent', name: 'Ann Lee', mbox: 'mailto:ann@example.com' }, legacyActor })
    const params = value(parseTincanLaunchParams(new URL(launch.url(`${serviceUrl}/lms/xapi/launch?package=p1`)).searchParams))
    t.same(params.actor, { objectType: 'Agent', name: 'Ann Lee', mbox: 'mailto:ann@example.com' }, `legacy ${legacyActor}: the same learner`)
    const client = new XapiClient({ endpoint: params.endpoint, authorization: params.authorization })
    const statements = tincanExitStatements({
      session: { actor: params.actor, activityId: params.activityId, registration: params.registration },
      values: mastered,
      alreadySent: { completed: false, passed: false, mastered: false },
      at: Date.now(),
      statementId: verb => deterministicUuid(`${serviceUrl}/lms/sessions/${String(legacyActor)}/statements/${verb}`),
      serviceUrl
    })
    for (const statement of statements) await client.putStatement(statement)
    const stored = lrs.statements().filter(s => (s.authority as any).account.name === launch.credentials.username)
    t.same(verbsOf(stored), ['progressed', 'completed', 'passed', 'mastered', 'terminated'], `legacy ${legacyActor}: stored with the launch's credentials`)
    t.ok(stored.every(s => (s.context as JsonObject).registration === launch.params.registration && (s.actor as JsonObject).mbox === 'mailto:ann@example.com'))
  }
  const account = lrs.tincanLaunch({ activityId, actor: { objectType: 'Agent', account: { homePage: 'https://lms.example.com', name: 'ann-1' } }, legacyActor: true })
  t.same(value(parseTincanLaunchParams(new URLSearchParams(account.query))).actor, { objectType: 'Agent', account: { homePage: 'https://lms.example.com', name: 'ann-1' } })
  t.same(lrs.refusals(), [])
})

t.test('state and agent profile documents', async t => {
  const lrs = await startLrs(t)
  const client = new XapiClient({ endpoint: lrs.endpoint.replace(/\/$/, ''), authorization: lrs.authorization })
  const where = { activityId: `${serviceUrl}/lms/xapi/activities/p1`, agent: { objectType: 'Agent' as const, mbox: 'mailto:ann@example.com' }, registration: '760e3480-ba55-4991-94b0-01820dbd23a2', stateId: 'mastery-sync' }
  t.equal(await client.getState(where), undefined, 'none yet: undefined (404), with an endpoint without its trailing slash')
  await client.putState(where, { sessions: 2 })
  const doc = await client.getState(where)
  t.same(doc?.json, { sessions: 2 })
  t.match(doc?.etag, /^"[0-9a-f]{40}"$/)
  const { registration: _r, ...unregistered } = where
  t.equal(await client.getState(unregistered), undefined, 'state is scoped by registration')
  t.equal(await client.getAgentProfile({ agent: where.agent, profileId: 'cmi5LearnerPreferences' }), undefined)
})

t.test('refusals and failures: the token fetch, the LRS saying no, and no answer at all', async t => {
  const lrs = await startLrs(t)
  const launch = lrs.launchCmi5()
  await XapiClient.fetchCmi5Token(launch.fetchUrl)
  const twice = await XapiClient.fetchCmi5Token(launch.fetchUrl).catch((e: unknown) => e)
  t.ok(twice instanceof Cmi5TokenError, 'the fetch URL works once (cmi5 8.2.3.1)')
  t.ok(twice instanceof LrsError, 'a refusal, not worth retrying')
  t.match(twice, { code: '1', errorText: /already been returned/ })
  t.match(await XapiClient.fetchCmi5Token(`${lrs.origin}/lms/cmi5/fetch?k=unknown`).catch((e: unknown) => e), { name: 'Cmi5TokenError', code: '2' })
  lrs.failNext(1, { kind: 'status', status: 503 }, { path: 'cmi5/fetch' })
  t.ok(await XapiClient.fetchCmi5Token(lrs.launchCmi5().fetchUrl).catch((e: unknown) => e) instanceof LmsUnreachableError, 'a 503 is worth a retry')
  lrs.failNext(1, { kind: 'status', status: 200, body: '<html>Sign in</html>' }, { path: 'cmi5/fetch' })
  t.match(await XapiClient.fetchCmi5Token(lrs.launchCmi5().fetchUrl).catch((e: unknown) => e), { name: 'LmsUnreachableError', message: /not JSON/ })
  await t.rejects(XapiClient.fetchCmi5Token('file:///etc/passwd'), TypeError)

  const client = new XapiClient({ endpoint: lrs.endpoint, authorization: lrs.authorization }, { timeoutMs: 300 })
  const statement = tincanExitStatements({ session: { actor: { mbox: 'mailto:ann@example.com' }, activityId: `${serviceUrl}/a`, registration: undefined }, values: learning, alreadySent: { completed: false, passed: false, mastered: false }, at: Date.now(), statementId: verb => deterministicUuid(`e/${verb}`), serviceUrl })[0]!
  const invalid = await client.putStatement({ ...statement, verb: { id: 'progressed', display: {} } }).catch((e: unknown) => e)
  t.ok(invalid instanceof LrsError, 'a 400 is a refusal')
  t.equal((invalid as LrsError).status, 400)
  t.match((invalid as LrsError).message, /verb\.id: must be an absolute IRI/, 'with the LRS\'s reason')
  const denied = await new XapiClient({ endpoint: lrs.endpoint, authorization: 'Basic bm86bm8=' }).putStatement(statement).catch((e: unknown) => e)
  t.match(denied, { name: 'LrsError', status: 401 })
  t.notMatch((denied as Error).message, /bm86bm8/, 'the credentials are not in the message')

  for (const status of [500, 503, 429, 408]) {
    lrs.failNext(1, { kind: 'status', status })
    t.match(await client.putStatement(statement).catch((e: unknown) => e), { name: 'LmsUnreachableError', message: new RegExp(`HTTP ${status}`) }, `HTTP ${status} is worth a retry`)
  }
  lrs.failNext(1, { kind: 'timeout' })
  t.match(await client.getState({ activityId: `${serviceUrl}/a`, agent: { mbox: 'mailto:ann@example.com' }, stateId: 's' }).catch((e: unknown) => e), { name: 'LmsUnreachableError', message: /within 300 ms/ })
  lrs.failNext(1, { kind: 'reset' })
  t.ok(await client.putStatement(statement).catch((e: unknown) => e) instanceof LmsUnreachableError)
  await client.putStatement(statement)
  t.equal(lrs.statements().filter(s => s.id === statement.id).length, 1, 'and the next attempt goes through')

  const gone = await startLrs(t)
  const closed = new XapiClient({ endpoint: gone.endpoint, authorization: gone.authorization })
  await gone.close()
  t.match(await closed.putStatement(statement).catch((e: unknown) => e), { name: 'LmsUnreachableError', message: /ECONNREFUSED/ }, 'a closed port')
  t.match(await XapiClient.fetchCmi5Token(`${gone.origin}/lms/cmi5/fetch?k=x`).catch((e: unknown) => e), { name: 'LmsUnreachableError' })
  t.throws(() => new XapiClient({ endpoint: 'ftp://lrs.example.com/', authorization: 'x' }), /http or https/)
})

t.test('deterministic UUIDs: RFC 4122 version 5', async t => {
  t.equal(deterministicUuid('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'), '886313e1-3b8a-5372-9b90-0c9aee199e5d', 'the DNS-namespace example')
  t.equal(deterministicUuid('https://example.com/a'), '6639460f-3425-5329-8097-a58f06127860', 'URL namespace by default')
  t.equal(deterministicUuid('x'), deterministicUuid('x'))
  t.not(deterministicUuid('x'), deterministicUuid('y'))
  t.throws(() => deterministicUuid('x', 'not-a-uuid'), TypeError)
})
