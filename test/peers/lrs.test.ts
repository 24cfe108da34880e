// The stand-in LRS and cmi5 LMS (test/helpers/peers/lrs.ts) is strict: hand-written xAPI requests,
// with statements taken from the xAPI 1.0.3 and cmi5 specifications' examples, show what it stores
// and each thing it refuses or reports.
import t, { type Test } from 'tap'
import { randomUUID } from 'node:crypto'
import { startLrs, xapiVersion, type Cmi5Launch, type Lrs } from '../helpers/peers/lrs.ts'
import { cmi5 } from '../helpers/peers/cmi5-rules.ts'
import type { JsonObject, JsonValue } from '../helpers/peers/xapi-statement.ts'

interface Answer { status: number, headers: Headers, text: string, json: any }

async function xapi (lrs: Lrs, method: string, resource: string, options: { body?: JsonValue | string, query?: Record<string, string>, headers?: Record<string, string>, auth?: string | null, version?: string | null, contentType?: string } = {}): Promise<Answer> {
  const url = new URL(resource, lrs.endpoint)
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v)
  const headers: Record<string, string> = { ...options.headers }
  if (options.version !== null) headers['x-experience-api-version'] = options.version ?? '1.0.3'
  if (options.auth !== null) headers.authorization = options.auth ?? lrs.authorization
  if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json'
  const res = await fetch(url, { method, headers, ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }) })
  const text = await res.text()
  let json: any
  try { json = JSON.parse(text) } catch { json = undefined }
  return { status: res.status, headers: res.headers, text, json }
}

// xAPI-Data.md Appendix A, "a simple Statement".
const simple = (): JsonObject & { id: string } => ({
  id: randomUUID(),
  timestamp: '2015-11-18T12:17:00+00:00',
  actor: { objectType: 'Agent', name: 'Project Tin Can API', mbox: 'mailto:user@example.com' },
  verb: { id: 'http://example.com/xapi/verbs#sent-a-statement', display: { 'en-US': 'sent' } },
  object: { id: 'http://example.com/xapi/activity/simplestatement', definition: { name: { 'en-US': 'simple statement' } } }
})

// xAPI-Data.md Appendix A, "completion with verb attempted and duration expressed in seconds".
const attempted = (): JsonObject & { id: string } => ({
  id: randomUUID(),
  timestamp: '2015-12-18T12:17:00+00:00',
  actor: { objectType: 'Agent', name: 'Example Learner', mbox: 'mailto:example.learner@adlnet.gov' },
  verb: { id: 'http://adlnet.gov/expapi/verbs/attempted', display: { 'en-US': 'attempted' } },
  object: { id: 'http://example.adlnet.gov/xapi/example/simpleCBT', definition: { name: { 'en-US': 'simple CBT course' } } },
  result: { score: { scaled: 0.95 }, success: true, completion: true, duration: 'PT1234S' }
})

t.test('about answers without version header or credentials', async t => {
  const lrs = await startLrs(t)
  const about = await xapi(lrs, 'GET', 'about', { auth: null, version: null })
  t.equal(about.status, 200)
  t.same(about.json, { version: ['1.0.3'] })
  t.equal(about.headers.get('x-experience-api-version'), xapiVersion)
})

t.test('statements: store, read back, idempotent resend', async t => {
  const lrs = await startLrs(t)
  const one = simple()
  const posted = await xapi(lrs, 'POST', 'statements', { body: one })
  t.equal(posted.status, 200, posted.text)
  t.same(posted.json, [one.id])
  t.equal(posted.headers.get('x-experience-api-version'), '1.0.3')
  t.ok(Date.parse(posted.headers.get('x-experience-api-consistent-through') ?? ''), 'consistent-through is a timestamp')

  const read = await xapi(lrs, 'GET', 'statements', { query: { statementId: one.id } })
  t.equal(read.status, 200)
  t.match(read.json, { ...one, version: '1.0.0', authority: { objectType: 'Agent', account: { name: lrs.credentials.username } } })
  t.ok(Date.parse(read.json.stored))

  const batch = [attempted(), attempted()]
  t.same((await xapi(lrs, 'POST', 'statements', { body: batch })).json, batch.map(s => s.id))
  const put = attempted()
  t.equal((await xapi(lrs, 'PUT', 'statements', { body: put, query: { statementId: String(put.id) } })).status, 204)
  t.equal((await xapi(lrs, 'POST', 'statements', { body: one })).status, 200, 'the same statement again is accepted…')
  t.equal(lrs.statements().length, 4, '…and not stored twice')
  t.equal((await xapi(lrs, 'POST', 'statements', { body: { ...one, verb: { id: 'http://adlnet.gov/expapi/verbs/attempted' } } })).status, 409, 'another statement under a stored id is a conflict')

  const list = await xapi(lrs, 'GET', 'statements', { query: { verb: 'http://adlnet.gov/expapi/verbs/attempted', ascending: 'true' } })
  t.same(list.json.statements.map((s: JsonObject) => s.id), [...batch.map(s => s.id), put.id])
  t.equal(list.json.more, '')
  t.equal((await xapi(lrs, 'GET', 'statements', { query: { agent: JSON.stringify({ mbox: 'mailto:user@example.com' }) } })).json.statements.length, 1)
  t.same(lrs.refusals().map(r => r.status), [409])
})

t.test('voiding hides a statement from queries', async t => {
  const lrs = await startLrs(t)
  const target = simple()
  await xapi(lrs, 'POST', 'statements', { body: target })
  // xAPI-Data.md 2.3.2's example.
  const voiding = { id: randomUUID(), actor: { objectType: 'Agent', name: 'Example Admin', mbox: 'mailto:admin@example.adlnet.gov' }, verb: { id: 'http://adlnet.gov/expapi/verbs/voided', display: { 'en-US': 'voided' } }, object: { objectType: 'StatementRef', id: target.id } }
  t.equal((await xapi(lrs, 'POST', 'statements', { body: voiding })).status, 200)
  t.equal((await xapi(lrs, 'GET', 'statements', { query: { statementId: String(target.id) } })).status, 404)
  t.equal((await xapi(lrs, 'GET', 'statements', { query: { voidedStatementId: String(target.id) } })).status, 200)
})

t.test('refusals of the Statement resource', async t => {
  const lrs = await startLrs(t)
  const refused = async (t: Test, name: string, answer: Promise<Answer>, status: number, reason: RegExp) => {
    const res = await answer
    t.equal(res.status, status, `${name}: ${res.text}`)
    t.match(res.text, reason, name)
    t.equal(res.headers.get('x-experience-api-version'), '1.0.3', `${name}: the version header is on errors too`)
  }
  await refused(t, 'no version header', xapi(lrs, 'POST', 'statements', { body: simple(), version: null }), 400, /X-Experience-API-Version/)
  await refused(t, 'version 1.1.0', xapi(lrs, 'POST', 'statements', { body: simple(), version: '1.1.0' }), 400, /not supported/)
  await refused(t, 'version 0.95', xapi(lrs, 'POST', 'statements', { body: simple(), version: '0.95' }), 400, /not supported/)
  t.equal((await xapi(lrs, 'POST', 'statements', { body: simple(), version: '1.0' })).status, 200, '"1.0" counts as 1.0.0')
  await refused(t, 'no credentials', xapi(lrs, 'POST', 'statements', { body: simple(), auth: null }), 401, /authentication is required/)
  await refused(t, 'wrong credentials', xapi(lrs, 'POST', 'statements', { body: simple(), auth: `Basic ${Buffer.from('x:y').toString('base64')}` }), 401, /unknown credentials/)
  await refused(t, 'not JSON content', xapi(lrs, 'POST', 'statements', { body: simple(), contentType: 'text/plain' }), 400, /application\/json/)
  await refused(t, 'a body that is not JSON', xapi(lrs, 'POST', 'statements', { body: '{"actor":', contentType: 'application/json' }), 400, /not JSON/)
  await refused(t, 'an unknown parameter', xapi(lrs, 'POST', 'statements', { body: simple(), query: { foo: 'bar' } }), 400, /unknown parameter/)
  await refused(t, 'a parameter in the wrong case', xapi(lrs, 'GET', 'statements', { query: { StatementId: randomUUID() } }), 400, /case-sensitive/)
  await refused(t, 'statementId with another filter', xapi(lrs, 'GET', 'statements', { query: { statementId: randomUUID(), verb: 'http://adlnet.gov/expapi/verbs/attempted' } }), 400, /unknown parameter .{1,2}verb/)
  const put = simple()
  await refused(t, 'PUT without statementId', xapi(lrs, 'PUT', 'statements', { body: put }), 400, /statementId/)
  await refused(t, 'PUT with another id', xapi(lrs, 'PUT', 'statements', { body: put, query: { statementId: randomUUID() } }), 400, /does not match/)

  const invalid: [string, (s: JsonObject) => JsonValue, RegExp][] = [
    ['no id (this LRS requires one)', ({ id: _id, ...s }) => s, /statement\.id: is required/],
    ['an id that is not a UUID', s => ({ ...s, id: '1234' }), /statement\.id: must be a UUID/],
    ['no actor', ({ actor: _a, ...s }) => s, /statement\.actor: is required/],
    ['an Agent with two identifiers', s => ({ ...s, actor: { mbox: 'mailto:a@example.com', openid: 'http://openid.example.com/a' } }), /exactly one inverse functional identifier/],
    ['an mbox without mailto:', s => ({ ...s, actor: { mbox: 'a@example.com' } }), /mailto/],
    ['an account without homePage', s => ({ ...s, actor: { account: { name: 'a' } } }), /account\.homePage: is required/],
    ['an anonymous Group without members', s => ({ ...s, actor: { objectType: 'Group', name: 'nobody' } }), /anonymous Group/],
    ['a verb id that is not an IRI', s => ({ ...s, verb: { id: 'sent' } }), /statement\.verb\.id: must be an absolute IRI/],
    ['no object', ({ object: _o, ...s }) => s, /statement\.object: is required/],
    ['an Agent object without objectType', s => ({ ...s, object: { mbox: 'mailto:b@example.com' } }), /statement\.object\.id: is required/],
    ['a timestamp without time zone', s => ({ ...s, timestamp: '2015-11-18T12:17:00' }), /statement\.timestamp: must be an ISO 8601 timestamp with a time zone/],
    ['a timestamp that is not a date', s => ({ ...s, timestamp: '2015-02-30T12:17:00Z' }), /statement\.timestamp/],
    ['a scaled score above 1', s => ({ ...s, result: { score: { scaled: 1.5 } } }), /scaled: must be between -1 and 1/],
    ['a raw score below min', s => ({ ...s, result: { score: { raw: -1, min: 0, max: 10 } } }), /raw: must not be below min/],
    ['a score given as a string', s => ({ ...s, result: { score: { scaled: '0.5' } } }), /must be a number \(not a string\)/],
    ['success given as a string', s => ({ ...s, result: { success: 'true' } }), /must be a boolean/],
    ['a duration that is not ISO 8601', s => ({ ...s, result: { duration: '00:20:00' } }), /duration: must be an ISO 8601 duration/],
    ['weeks mixed with days', s => ({ ...s, result: { duration: 'P1W1D' } }), /duration/],
    ['a registration that is not a UUID', s => ({ ...s, context: { registration: 'reg-1' } }), /registration: must be a UUID/],
    ['an extension key that is not an IRI', s => ({ ...s, context: { extensions: { progress: 1 } } }), /extension keys must be IRIs/],
    ['a language map key that is not a tag', s => ({ ...s, verb: { id: 'http://adlnet.gov/expapi/verbs/attempted', display: { 'en US': 'x' } } }), /RFC 5646/],
    ['an unknown property', s => ({ ...s, score: 1 }), /statement\.score: property not allowed/],
    ['a property in the wrong case', s => ({ ...s, Actor: s.actor! }), /case-sensitive: use .{1,2}actor/],
    ['a null value', s => ({ ...s, result: { response: null } }), /null values are not allowed/],
    ['platform when the object is not an Activity', s => ({ ...s, object: { objectType: 'Agent', mbox: 'mailto:b@example.com' }, context: { platform: 'web' } }), /platform: must not be used/],
    ['an attachment without fileUrl (needs multipart)', s => ({ ...s, attachments: [{ usageType: 'http://adlnet.gov/expapi/attachments/signature', display: { 'en-US': 'sig' }, contentType: 'application/octet-stream', length: 1, sha2: 'ab' }] }), /multipart/]
  ]
  for (const [name, mutate, reason] of invalid) await refused(t, name, xapi(lrs, 'POST', 'statements', { body: mutate(simple()) }), 400, reason)

  const good = simple()
  await refused(t, 'a batch with one bad statement', xapi(lrs, 'POST', 'statements', { body: [good, { ...simple(), verb: { id: 'nope' } }] }), 400, /statement\[1\]\.verb\.id/)
  t.equal((await xapi(lrs, 'GET', 'statements', { query: { statementId: String(good.id) } })).status, 404, 'nothing of a refused batch is stored')
  await refused(t, 'a batch with a repeated id', xapi(lrs, 'POST', 'statements', { body: [good, good] }), 400, /two statements with id/)
  t.equal(lrs.statements().length, 1, 'only the "1.0" statement was stored')
  t.ok(lrs.received().filter(r => !r.accepted).length >= invalid.length, 'refused statements are recorded with their reasons')
})

t.test('documents: state, activity profile, agent profile', async t => {
  const lrs = await startLrs(t)
  const agent = JSON.stringify({ objectType: 'Agent', account: { homePage: 'http://www.example.com', name: '1625378' } })
  const state = { activityId: 'http://www.example.com/LA1/001/intro', agent, registration: '760e3480-ba55-4991-94b0-01820dbd23a2', stateId: 'bookmark' }
  t.equal((await xapi(lrs, 'PUT', 'activities/state', { query: state, body: { x: 'foo', y: 'bar' } })).status, 204)
  t.equal((await xapi(lrs, 'POST', 'activities/state', { query: state, body: { x: 'bash', z: 'faz' } })).status, 204)
  const read = await xapi(lrs, 'GET', 'activities/state', { query: state })
  t.same(read.json, { x: 'bash', y: 'bar', z: 'faz' }, 'POST merges top-level properties (xAPI 2.2 example)')
  t.match(read.headers.get('etag'), /^"[0-9a-f]{40}"$/)
  const { stateId: _s, ...context } = state
  t.same((await xapi(lrs, 'GET', 'activities/state', { query: context })).json, ['bookmark'])
  t.equal((await xapi(lrs, 'PUT', 'activities/state', { query: { ...state, stateId: 'text' }, body: 'plain', contentType: 'text/plain' })).status, 204)
  t.equal((await xapi(lrs, 'POST', 'activities/state', { query: { ...state, stateId: 'text' }, body: { a: 1 } })).status, 400, 'no merge into a non-JSON document')
  t.equal((await xapi(lrs, 'DELETE', 'activities/state', { query: state })).status, 204)
  t.equal((await xapi(lrs, 'GET', 'activities/state', { query: state })).status, 404)
  t.equal((await xapi(lrs, 'DELETE', 'activities/state', { query: context })).status, 204)
  t.same((await xapi(lrs, 'GET', 'activities/state', { query: context })).json, [])

  t.equal((await xapi(lrs, 'GET', 'activities/state', { query: { agent, stateId: 'x' } })).status, 400, 'activityId is required')
  t.equal((await xapi(lrs, 'GET', 'activities/state', { query: { ...state, agent: '{"name":"no id"}' } })).status, 400, 'the agent must be an Agent')
  t.equal((await xapi(lrs, 'GET', 'activities/state', { query: { ...state, agent: 'me' } })).status, 400, 'the agent must be JSON')
  t.equal((await xapi(lrs, 'GET', 'activities/state', { query: { ...state, registration: 'r1' } })).status, 400, 'registration must be a UUID')
  t.equal((await xapi(lrs, 'PUT', 'activities/state', { query: { activityId: state.activityId, agent }, body: {} })).status, 400, 'stateId is required to write')

  const profile = { agent, profileId: 'cmi5LearnerPreferences' }
  t.equal((await xapi(lrs, 'PUT', 'agents/profile', { query: profile, body: { languagePreference: 'en-US,fr-FR,fr-BE', audioPreference: 'on' } })).status, 204)
  const conflict = await xapi(lrs, 'PUT', 'agents/profile', { query: profile, body: { audioPreference: 'off' } })
  t.equal(conflict.status, 409, 'a PUT over an existing profile needs If-Match')
  t.match(conflict.text, /If-Match/)
  const etag = (await xapi(lrs, 'GET', 'agents/profile', { query: profile })).headers.get('etag')!
  t.equal((await xapi(lrs, 'PUT', 'agents/profile', { query: profile, body: { audioPreference: 'off' }, headers: { 'if-match': '"0000000000000000000000000000000000000000"' } })).status, 412)
  t.equal((await xapi(lrs, 'PUT', 'agents/profile', { query: profile, body: { audioPreference: 'off' }, headers: { 'if-match': etag } })).status, 204)
  t.equal((await xapi(lrs, 'PUT', 'agents/profile', { query: profile, body: {}, headers: { 'if-none-match': '*' } })).status, 412)
  const activityProfile = { activityId: 'http://www.example.com/LA1/001/intro', profileId: 'p1' }
  t.equal((await xapi(lrs, 'PUT', 'activities/profile', { query: activityProfile, body: { a: 1 }, headers: { 'if-none-match': '*' } })).status, 204)
  t.same((await xapi(lrs, 'GET', 'activities/profile', { query: activityProfile })).json, { a: 1 })
  t.same((await xapi(lrs, 'GET', 'activities/profile', { query: { activityId: activityProfile.activityId } })).json, ['p1'])
})

t.test('failures injected for the next requests, to exercise retries', async t => {
  const lrs = await startLrs(t)
  const statement = simple()
  lrs.failNext(1, { kind: 'status', status: 503 }, { method: 'POST', path: 'statements' })
  t.equal((await xapi(lrs, 'POST', 'statements', { body: statement })).status, 503)
  lrs.failNext(1, { kind: 'drop-response' }, { path: 'statements' })
  await t.rejects(xapi(lrs, 'POST', 'statements', { body: statement }), TypeError, 'the reply is lost…')
  t.equal(lrs.statements().length, 1, '…after the statement was stored')
  t.equal((await xapi(lrs, 'POST', 'statements', { body: statement })).status, 200, 'the retry with the same id is accepted')
  t.equal(lrs.statements().length, 1, 'and not stored twice')
  lrs.failNext(1, { kind: 'timeout' })
  await t.rejects(fetch(new URL('statements', lrs.endpoint), { signal: AbortSignal.timeout(200) }), { name: 'TimeoutError' })
  lrs.failNext(1, { kind: 'reset' })
  await t.rejects(xapi(lrs, 'GET', 'about'), TypeError)
  t.equal(lrs.pendingFailures(), 0)
})

// ---- cmi5 ----------------------------------------------------------------------------------

/** An AU following cmi5 by hand: fetch the token, read LaunchData and preferences, send statements. */
async function startAu (lrs: Lrs, launch: Cmi5Launch, options: { readLaunchData?: boolean, readPreferences?: boolean } = {}) {
  const fetched = await fetch(launch.params.fetch, { method: 'POST' })
  const token = (await fetched.json() as { 'auth-token': string })['auth-token']
  const auth = `Basic ${token}`
  let launchData: any
  if (options.readLaunchData ?? true) {
    launchData = (await xapi(lrs, 'GET', 'activities/state', { auth, query: { activityId: launch.params.activityId, agent: launch.params.actor, registration: launch.params.registration, stateId: 'LMS.LaunchData' } })).json
  }
  if (options.readPreferences ?? true) await xapi(lrs, 'GET', 'agents/profile', { auth, query: { agent: launch.params.actor, profileId: 'cmi5LearnerPreferences' } })
  let clock = Date.parse('2026-05-04T08:00:00.000Z')
  const statement = (verb: keyof typeof cmi5.verbs, extra: { result?: JsonObject, moveOn?: boolean, context?: JsonObject, timestamp?: string } = {}): JsonObject => {
    clock += 1000
    const template = launch.launchData.contextTemplate as JsonObject
    return {
      id: randomUUID(),
      actor: launch.actor,
      verb: { id: cmi5.verbs[verb], display: { 'en-US': verb } },
      object: { objectType: 'Activity', id: launch.activityId },
      ...(extra.result === undefined ? {} : { result: extra.result }),
      context: {
        ...template,
        registration: launch.registration,
        contextActivities: {
          ...(template.contextActivities as JsonObject),
          category: [{ id: cmi5.categories.cmi5 }, ...(extra.moveOn === true ? [{ id: cmi5.categories.moveOn }] : [])]
        },
        ...extra.context
      },
      timestamp: extra.timestamp ?? new Date(clock).toISOString()
    }
  }
  const send = (body: JsonValue) => xapi(lrs, 'POST', 'statements', { auth, body })
  return { auth, token, launchData, statement, send }
}

t.test('cmi5: a launch, as the LMS prepares it', async t => {
  const lrs = await startLrs(t)
  const launch = lrs.launchCmi5({ publisherId: 'https://publisher.example.com/au/flags', masteryScore: 0.8, moveOn: 'CompletedAndPassed', returnURL: 'https://lms.example.com/course', launchParameters: 'mode=mini', auUrl: 'https://app.example.com/cmi5/launch' })
  const query = new URLSearchParams(launch.query)
  t.same([...query.keys()].sort(), ['activityId', 'actor', 'endpoint', 'fetch', 'registration'])
  t.equal(query.get('endpoint'), lrs.endpoint)
  t.match(JSON.parse(query.get('actor')!), { objectType: 'Agent', account: { homePage: lrs.origin } })
  t.equal(query.get('registration'), launch.registration)
  t.not(launch.activityId, launch.publisherId, 'the LMS generates its own activity id (8.1)')
  t.match(launch.url(), /^https:\/\/app\.example\.com\/cmi5\/launch\?endpoint=/)

  const launched = lrs.statements()
  t.equal(launched.length, 1)
  t.match(launched[0], {
    verb: { id: cmi5.verbs.launched },
    object: { id: launch.activityId },
    context: {
      registration: launch.registration,
      contextActivities: { category: [{ id: cmi5.categories.cmi5 }], grouping: [{ id: 'https://publisher.example.com/au/flags' }] },
      extensions: {
        [cmi5.contextExtensions.sessionId]: launch.sessionId,
        [cmi5.contextExtensions.launchMode]: 'Normal',
        [cmi5.contextExtensions.launchUrl]: 'https://app.example.com/cmi5/launch',
        [cmi5.contextExtensions.moveOn]: 'CompletedAndPassed',
        [cmi5.contextExtensions.masteryScore]: 0.8,
        [cmi5.contextExtensions.launchParameters]: 'mode=mini'
      }
    }
  })

  const fetchUrl = launch.params.fetch
  t.equal((await fetch(fetchUrl)).status, 405, 'the fetch URL does not answer GET')
  const first = await fetch(fetchUrl, { method: 'POST' })
  t.equal(first.status, 200)
  t.match(first.headers.get('content-type'), /^application\/json/)
  const token = (await first.json() as Record<string, string>)['auth-token']!
  t.type(token, 'string')
  const second = await fetch(fetchUrl, { method: 'POST' })
  t.equal(second.status, 200, 'errors are HTTP 200 too (8.2.2)')
  t.same(await second.json(), { 'error-code': '1', 'error-text': 'The authorization token has already been returned.' })
  t.same(await (await fetch(`${lrs.origin}/lms/cmi5/fetch?k=nope`, { method: 'POST' })).json(), { 'error-code': '2', 'error-text': 'Unknown or invalid fetch URL.' })

  const auth = `Basic ${token}`
  const state = await xapi(lrs, 'GET', 'activities/state', { auth, query: { activityId: launch.activityId, agent: JSON.stringify(launch.actor), registration: launch.registration, stateId: 'LMS.LaunchData' } })
  t.same(state.json, {
    contextTemplate: {
      contextActivities: { grouping: [{ objectType: 'Activity', id: 'https://publisher.example.com/au/flags' }] },
      extensions: { [cmi5.contextExtensions.sessionId]: launch.sessionId }
    },
    launchMode: 'Normal',
    moveOn: 'CompletedAndPassed',
    masteryScore: 0.8,
    returnURL: 'https://lms.example.com/course',
    launchParameters: 'mode=mini'
  })
  const prefs = await xapi(lrs, 'GET', 'agents/profile', { auth, query: { agent: JSON.stringify(launch.actor), profileId: 'cmi5LearnerPreferences' } })
  t.same(prefs.json, { languagePreference: 'en-US', audioPreference: 'on' })
  t.same(lrs.violations({ includeUnfinished: false }).map(v => v.rule), ['fetch-post', 'fetch-once'])
})

t.test('cmi5: a session that follows every rule leaves no violation', async t => {
  const lrs = await startLrs(t)
  const launch = lrs.launchCmi5({ masteryScore: 0.8, moveOn: 'CompletedAndPassed' })
  const au = await startAu(lrs, launch)
  t.equal((await au.send(au.statement('initialized'))).status, 200)
  // A "cmi5 allowed" statement between Initialized and Terminated.
  const answered = au.statement('initialized')
  answered.verb = { id: 'http://adlnet.gov/expapi/verbs/answered', display: { 'en-US': 'answered' } }
  answered.object = { objectType: 'Activity', id: `${launch.activityId}/question-1` }
  answered.context = { ...(answered.context as JsonObject), contextActivities: { grouping: (launch.launchData.contextTemplate as any).contextActivities.grouping } }
  t.equal((await au.send(answered)).status, 200)
  const completed = au.statement('completed', { result: { completion: true, duration: 'PT14.14S' }, moveOn: true })
  const passed = au.statement('passed', { result: { success: true, score: { scaled: 0.9 }, duration: 'PT15S' }, moveOn: true, context: { extensions: { [cmi5.contextExtensions.sessionId]: launch.sessionId, [cmi5.contextExtensions.masteryScore]: 0.8 } } })
  const terminated = au.statement('terminated', { result: { duration: 'PT20S' } })
  const batch = await au.send([completed, passed, terminated])
  t.equal(batch.status, 200, batch.text)
  t.same(lrs.violations(), [])
  t.same(lrs.statementsOf(launch.sessionId).map(s => (s.verb as JsonObject).id), [cmi5.verbs.initialized, 'http://adlnet.gov/expapi/verbs/answered', cmi5.verbs.completed, cmi5.verbs.passed, cmi5.verbs.terminated])
  t.equal(lrs.cmi5Sessions()[0]!.state, 'terminated')
  const after = await au.send(au.statement('completed'))
  t.equal(after.status, 401, 'the token ends with the session')
  t.match(after.text, /terminated/)
})

t.test('cmi5: each rule the AU can break is reported (and refused)', async t => {
  type Au = Awaited<ReturnType<typeof startAu>>
  const cases: { name: string, rule: string, launch?: Parameters<Lrs['launchCmi5']>[0], au?: Parameters<typeof startAu>[2], run: (au: Au, launch: Cmi5Launch) => JsonValue[] }[] = [
    { name: 'first statement is not Initialized', rule: 'initialized-first', run: au => [au.statement('completed', { result: { completion: true, duration: 'PT1S' }, moveOn: true })] },
    { name: 'LaunchData never read', rule: 'launch-data-read', au: { readLaunchData: false }, run: au => [au.statement('initialized')] },
    { name: 'learner preferences never read', rule: 'learner-preferences-read', au: { readPreferences: false }, run: au => [au.statement('initialized')] },
    { name: 'no cmi5 category', rule: 'cmi5-category', run: au => { const s = au.statement('initialized'); (s.context as any).contextActivities.category = []; return [s] } },
    { name: 'another registration', rule: 'registration', run: au => [au.statement('initialized', { context: { registration: randomUUID() } })] },
    { name: 'no session id', rule: 'session-id', run: au => [au.statement('initialized', { context: { extensions: {} } })] },
    { name: 'publisher grouping dropped', rule: 'context-template', run: au => { const s = au.statement('initialized'); (s.context as any).contextActivities.grouping = []; return [s] } },
    { name: 'object is not the AU', rule: 'object-activity-id', run: au => { const s = au.statement('initialized'); s.object = { id: 'https://publisher.example.com/cmi5/au/1' }; return [s] } },
    { name: 'another actor', rule: 'actor-from-launch', run: au => [{ ...au.statement('initialized'), actor: { objectType: 'Agent', account: { homePage: 'https://other.example.com', name: 'x' } } }] },
    { name: 'actor by mbox', rule: 'actor-agent-account', launch: { actor: { objectType: 'Agent', mbox: 'mailto:ada@example.com' } }, run: au => [au.statement('initialized')] },
    { name: 'local timestamp', rule: 'timestamp-utc', run: au => [au.statement('initialized', { timestamp: '2026-05-04T10:00:01.000+02:00' })] },
    { name: 'no timestamp', rule: 'timestamp-utc', run: au => { const { timestamp: _t, ...s } = au.statement('initialized'); return [s] } },
    { name: 'Initialized twice', rule: 'duplicate-verb', run: au => [au.statement('initialized'), au.statement('initialized')] },
    { name: 'Terminated before another statement (by timestamp)', rule: 'terminated-last', run: au => { const i = au.statement('initialized'); const late = au.statement('completed', { result: { completion: true, duration: 'PT1S' }, moveOn: true }); const term = au.statement('terminated', { result: { duration: 'PT1S' }, timestamp: '2026-05-04T08:00:01.500Z' }); return [i, late, term] } },
    { name: 'a statement after Terminated (same batch)', rule: 'terminated-last', run: au => [au.statement('initialized'), au.statement('terminated', { result: { duration: 'PT1S' } }), au.statement('completed', { result: { completion: true, duration: 'PT1S' }, moveOn: true })] },
    { name: 'Terminated without duration', rule: 'duration', run: au => [au.statement('initialized'), au.statement('terminated')] },
    { name: 'Completed without duration', rule: 'duration', run: au => [au.statement('initialized'), au.statement('completed', { result: { completion: true }, moveOn: true })] },
    { name: 'Completed without moveOn category', rule: 'moveon-category', run: au => [au.statement('initialized'), au.statement('completed', { result: { completion: true, duration: 'PT1S' } })] },
    { name: 'moveOn category on Initialized', rule: 'moveon-category', run: au => [au.statement('initialized', { moveOn: true })] },
    { name: 'Completed without completion', rule: 'completion', run: au => [au.statement('initialized'), au.statement('completed', { result: { duration: 'PT1S' } })] },
    { name: 'Passed without success', rule: 'success', run: au => [au.statement('initialized'), au.statement('passed', { result: { duration: 'PT1S' } })] },
    { name: 'Passed below masteryScore', rule: 'mastery-score', launch: { masteryScore: 0.8 }, run: (au, l) => [au.statement('initialized'), au.statement('passed', { result: { success: true, score: { scaled: 0.5 }, duration: 'PT1S' }, moveOn: true, context: { extensions: { [cmi5.contextExtensions.sessionId]: l.sessionId, [cmi5.contextExtensions.masteryScore]: 0.8 } } })] },
    { name: 'Passed without the masteryscore extension', rule: 'mastery-score-extension', launch: { masteryScore: 0.8 }, run: au => [au.statement('initialized'), au.statement('passed', { result: { success: true, score: { scaled: 0.9 }, duration: 'PT1S' }, moveOn: true })] },
    { name: 'a score on Completed', rule: 'score-verbs', run: au => [au.statement('initialized'), au.statement('completed', { result: { completion: true, duration: 'PT1S', score: { scaled: 1 } }, moveOn: true })] },
    { name: 'a negative scaled score', rule: 'score-scaled-range', run: au => [au.statement('initialized'), au.statement('failed', { result: { success: false, score: { scaled: -0.5 }, duration: 'PT1S' }, moveOn: true })] },
    { name: 'a raw score without min and max', rule: 'score-raw', run: au => [au.statement('initialized'), au.statement('failed', { result: { success: false, score: { raw: 3 }, duration: 'PT1S' }, moveOn: true })] },
    { name: 'Passed and Failed in one session', rule: 'passed-or-failed-once', run: au => [au.statement('initialized'), au.statement('failed', { result: { success: false, duration: 'PT1S' }, moveOn: true }), au.statement('passed', { result: { success: true, duration: 'PT1S' }, moveOn: true })] },
    { name: 'progress above 100', rule: 'progress', run: au => [au.statement('initialized'), au.statement('terminated', { result: { duration: 'PT1S', extensions: { [cmi5.resultExtensions.progress]: 150 } } })] },
    { name: 'Completed in Browse mode', rule: 'launch-mode', launch: { launchMode: 'Browse' }, run: au => [au.statement('initialized'), au.statement('completed', { result: { completion: true, duration: 'PT1S' }, moveOn: true })] },
    { name: 'an LMS verb', rule: 'lms-only-verb', run: au => [au.statement('initialized'), au.statement('satisfied')] },
    { name: 'an allowed statement before Initialized', rule: 'allowed-between', run: au => { const s = au.statement('initialized'); s.verb = { id: 'http://adlnet.gov/expapi/verbs/experienced' }; (s.context as any).contextActivities.category = []; return [s] } }
  ]
  for (const c of cases) {
    t.test(c.name, async t => {
      const lrs = await startLrs(t)
      const launch = lrs.launchCmi5(c.launch ?? {})
      const au = await startAu(lrs, launch, c.au ?? {})
      const res = await au.send(c.run(au, launch))
      t.equal(res.status, 400, 'refused')
      t.match(res.text, new RegExp(`cmi5 [\\d.]+ ${c.rule}:`), res.text)
      t.same([...new Set(lrs.violations({ includeUnfinished: false }).map(v => v.rule))], [c.rule], 'that violation and no other is recorded')
      t.ok(lrs.violations().every(v => v.sessionId === launch.sessionId && v.registration === launch.registration))
      t.same(lrs.statementsOf(launch.sessionId), [], 'nothing of the refused batch was stored')
    })
  }
})

t.test('cmi5: completed and passed at most once per registration, across sessions', async t => {
  const lrs = await startLrs(t, { cmi5Enforcement: 'record' })
  const first = lrs.launchCmi5({ masteryScore: 0.5 })
  const au1 = await startAu(lrs, first)
  const passed = (au: Awaited<ReturnType<typeof startAu>>, launch: Cmi5Launch) => au.statement('passed', { result: { success: true, score: { scaled: 0.9 }, duration: 'PT1S' }, moveOn: true, context: { extensions: { [cmi5.contextExtensions.sessionId]: launch.sessionId, [cmi5.contextExtensions.masteryScore]: 0.5 } } })
  t.equal((await au1.send([au1.statement('initialized'), au1.statement('completed', { result: { completion: true, duration: 'PT1S' }, moveOn: true }), passed(au1, first), au1.statement('terminated', { result: { duration: 'PT2S' } })])).status, 200)
  t.same(lrs.violations(), [])

  const second = lrs.launchCmi5({ registration: first.registration })
  t.equal(second.activityId, first.activityId, 'the same AU keeps its activity id within a registration')
  t.not(second.sessionId, first.sessionId)
  const au2 = await startAu(lrs, second)
  const res = await au2.send([au2.statement('initialized'), au2.statement('completed', { result: { completion: true, duration: 'PT1S' }, moveOn: true }), passed(au2, second), au2.statement('failed', { result: { success: false, duration: 'PT1S' }, moveOn: true }), au2.statement('terminated', { result: { duration: 'PT2S' } })])
  t.equal(res.status, 200, 'in "record" mode the statements are stored anyway')
  t.same(lrs.violations().map(v => v.rule), ['completed-once-per-registration', 'passed-once-per-registration', 'passed-or-failed-once', 'failed-after-passed'])
  t.equal(lrs.received().length, 9, 'every statement is recorded as received')
})

t.test('cmi5: what the LMS refuses an AU token, and unfinished sessions', async t => {
  const lrs = await startLrs(t)
  const launch = lrs.launchCmi5()
  const au = await startAu(lrs, launch)
  const where = { activityId: launch.activityId, agent: JSON.stringify(launch.actor), registration: launch.registration, stateId: 'LMS.LaunchData' }
  t.equal((await xapi(lrs, 'PUT', 'activities/state', { auth: au.auth, query: where, body: { launchMode: 'Review' } })).status, 403, 'LMS.LaunchData is read-only for the AU')
  t.equal((await xapi(lrs, 'DELETE', 'activities/state', { auth: au.auth, query: where })).status, 403)
  t.equal((await xapi(lrs, 'PUT', 'activities/state', { auth: au.auth, query: { ...where, stateId: 'bookmark' }, body: { page: 3 } })).status, 204, 'its own state is fine')
  t.same(lrs.document('state', { activityId: launch.activityId, agent: launch.actor, registration: launch.registration, stateId: 'bookmark' })?.json, { page: 3 })
  t.match(lrs.document('state', { activityId: launch.activityId, agent: launch.actor, registration: launch.registration, stateId: 'LMS.LaunchData' })?.json, { launchMode: 'Normal' }, 'LaunchData unchanged')
  await au.send(au.statement('initialized'))
  const target = lrs.statementsOf(launch.sessionId)[0]!
  const voiding = { id: randomUUID(), actor: launch.actor, verb: { id: 'http://adlnet.gov/expapi/verbs/voided' }, object: { objectType: 'StatementRef', id: String(target.id) }, timestamp: new Date().toISOString() }
  t.equal((await au.send(voiding)).status, 403, 'an AU may not void')
  t.same(lrs.violations({ includeUnfinished: false }).map(v => v.rule), ['launch-data-read-only', 'launch-data-read-only', 'no-voiding'])
  t.same(lrs.violations().map(v => v.rule).slice(-1), ['terminated-missing'], 'a session without Terminated is reported at the end')

  // A new launch abandons the open session: the LMS records it and the old token stops working.
  const next = lrs.launchCmi5({ registration: launch.registration })
  t.equal(lrs.cmi5Sessions()[0]!.state, 'abandoned')
  t.ok(lrs.statements().some(s => (s.verb as JsonObject).id === cmi5.verbs.abandoned && ((s.context as JsonObject).extensions as JsonObject)[cmi5.contextExtensions.sessionId] === launch.sessionId))
  t.equal((await au.send(au.statement('terminated', { result: { duration: 'PT1S' } }))).status, 401)
  t.not(next.sessionId, launch.sessionId)
})

t.test('cmi5: a grace period after Terminated lets late statements in, as violations', async t => {
  const lrs = await startLrs(t, { terminatedGraceMs: 60_000 })
  const launch = lrs.launchCmi5()
  const au = await startAu(lrs, launch)
  await au.send([au.statement('initialized'), au.statement('terminated', { result: { duration: 'PT1S' } })])
  const late = await au.send(au.statement('completed', { result: { completion: true, duration: 'PT1S' }, moveOn: true }))
  t.equal(late.status, 400)
  t.match(late.text, /terminated-last/)
  t.same(lrs.violations().map(v => v.rule), ['terminated-last'])
})

t.test('per-launch credentials for Tin Can content work until revoked or expired', async t => {
  const lrs = await startLrs(t)
  const launch = lrs.tincanLaunch({ activityId: 'http://example.adlnet.gov/xapi/example/simpleCBT', ttlMs: 60_000 })
  const query = new URLSearchParams(launch.query)
  t.same([...query.keys()], ['endpoint', 'auth', 'actor', 'registration', 'activity_id'])
  t.equal(query.get('endpoint'), lrs.endpoint)
  const statement = { ...attempted(), actor: JSON.parse(query.get('actor')!), context: { registration: query.get('registration')! } }
  t.equal((await xapi(lrs, 'POST', 'statements', { body: statement, auth: query.get('auth')! })).status, 200)
  t.match(lrs.statements()[0], { authority: { account: { name: launch.credentials.username } } })
  t.equal(lrs.exchanges()[0]!.principal, launch.credentials.username)
  launch.credentials.revoke()
  const revoked = await xapi(lrs, 'POST', 'statements', { body: attempted(), auth: query.get('auth')! })
  t.equal(revoked.status, 401)
  t.match(revoked.text, /revoked/)
  const expired = lrs.issueCredentials({ ttlMs: 0 })
  t.match((await xapi(lrs, 'GET', 'statements', { auth: expired.authorization })).text, /expired/)
  t.same(JSON.parse(lrs.tincanLaunch({ activityId: 'http://example.com/a', actor: { objectType: 'Agent', mbox: 'mailto:tincan@scorm.com', name: 'Project Tin Can' }, legacyActor: true }).params.actor), { mbox: ['mailto:tincan@scorm.com'], name: ['Project Tin Can'] })
})
