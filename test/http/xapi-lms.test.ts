// cmi5 and xAPI (Tin Can) end to end: an LMS launches the package's URL with its parameters,
// the service reads the learner and the LRS server to server, the learner plays, and on exit
// the service sends the statements itself, through the delivery outbox. The LMS and its LRS
// are a real HTTP server written from the cmi5 and xAPI specifications
// (test/helpers/peers/lrs.ts), which checks every cmi5 MUST it can.
import t, { type Test } from 'tap'
import { harness, buildProfile, newLearner, tokenSecret, type Harness } from '../helpers/harness.ts'
import { startLrs, type Lrs } from '../helpers/peers/lrs.ts'
import { launchKeyFor } from '../../src/app/credentials.ts'
import type { DeliverySenderOptions } from '../../src/lms/delivery-sender.ts'
import { openSqlite } from '../../src/store/sqlite/database.ts'
import { join } from 'node:path'

const lmsUser = 'lms-user-42'
const verbOf = (s: unknown): string => String((s as { verb: { id: string } }).verb.id).split('/').pop() ?? ''

interface World { h: Harness, token: string, lrs: Lrs, packageId: string, profileId: string }

async function world (t: Test, format: 'cmi5' | 'xapi', options: { dir?: string, delivery?: DeliverySenderOptions, lrs?: Lrs, existing?: Omit<World, 'h' | 'lrs'> } = {}): Promise<World> {
  const h = await harness(t, { ...(options.dir === undefined ? {} : { dir: options.dir }), delivery: options.delivery ?? { backoffMs: [20, 20, 20] } })
  const lrs = options.lrs ?? await startLrs(t)
  if (options.existing !== undefined) return { h, lrs, ...options.existing }
  const token = (await h.newAccount('growth')).adminKey
  const profile = await buildProfile(h, token, { goal: 1, concepts: 1 })
  await h.request('PUT', `/v1/profiles/${profile.profileId}/lms-integration`, { token, body: { enabled: true } })
  const created = await h.request('POST', `/v1/profiles/${profile.profileId}/packages`, { token, body: { title: `Flags (${format})`, format } })
  t.equal(created.status, 202, created.text)
  const learner = await newLearner(h, token)
  t.equal((await h.request('POST', `/v1/learners/${learner.learnerId}/lms-links`, { token, body: { lmsUserId: lmsUser } })).status, 201)
  return { h, token, lrs, packageId: created.body.packageId as string, profileId: profile.profileId }
}

const actor = (lrs: Lrs) => ({ objectType: 'Agent', name: 'Ada Lovelace', account: { homePage: lrs.origin, name: lmsUser } })

function launchUrl (w: World, format: 'cmi5' | 'xapi', lmsQuery: string, key = launchKeyFor(tokenSecret, w.packageId, 1)): string {
  return `/lms/${format}/launch?package=${w.packageId}&revision=1&key=${encodeURIComponent(key)}&${lmsQuery}`
}

/** Opens the launch URL as the LMS's window would, and follows the redirect into the player's fragment. */
async function open (w: World, url: string) {
  const launched = await w.h.app.inject({ method: 'GET', url })
  const fragment = new URLSearchParams(String(launched.headers.location ?? '').split('#')[1])
  return { launched, token: fragment.get('token') ?? '', sessionId: fragment.get('session') ?? '' }
}

async function play (w: World, token: string, moments: number) {
  for (let i = 0; i < moments; i++) {
    const moment = await w.h.request('POST', '/v1/me/moments', { token, body: { profileId: w.profileId } })
    for (const a of moment.body.activities) {
      await w.h.request('POST', `/v1/me/moments/${moment.body.momentId}/answers`, { token, body: { activityId: a.activityId, selected: ['right'], responseMs: 1500 } })
    }
  }
}

async function settled (w: World, sessionId: string) {
  await w.h.service.deliverySender.idle()
  const head = await w.h.service.ctx.store.headPosition()
  return w.h.request('GET', `/v1/lms/sessions/${sessionId}/delivery`, { token: w.token, headers: { 'x-min-position': String(head) } })
}

t.test('cmi5: launched by the LMS, the learner plays, and on exit the LRS gets Completed, Passed and Terminated, in order and once', async t => {
  const w = await world(t, 'cmi5')
  const lms = w.lrs.launchCmi5({ actor: actor(w.lrs), returnURL: 'https://lms.example.com/courses/7?done=1', moveOn: 'CompletedAndPassed', masteryScore: 1 })
  const { launched, token, sessionId } = await open(w, launchUrl(w, 'cmi5', lms.query))
  t.equal(launched.statusCode, 303, launched.body)
  t.match(String(launched.headers.location), /\/player\/\?session=lms_[^#]+#token=mst_/)
  const cmi5Session = w.lrs.cmi5Sessions().find(s => s.sessionId === lms.sessionId)
  t.equal(cmi5Session?.fetchCount, 1, 'the token was fetched once, with POST')
  t.same(w.lrs.statementsOf(lms.sessionId).map(verbOf), ['initialized'], 'Initialized at launch')
  const launchedEvent = (await w.h.service.ctx.store.readStream(`lms-session-${sessionId}`))[0]
  t.notMatch(JSON.stringify(launchedEvent), /Basic|cmi5-/, 'the LRS credential is not in the log')
  t.equal(launchedEvent?.data && (launchedEvent.data as { lmsUserId: string }).lmsUserId, lmsUser, 'the learner is the actor\'s account name')

  await play(w, token, 2)
  const exited = await w.h.request('POST', `/v1/lms/sessions/${sessionId}/exit`, { token, body: { how: 'exit' } })
  t.equal(exited.status, 200, exited.text)
  t.match(exited.body, { committed: true, delivery: 'delivered', returnUrl: 'https://lms.example.com/courses/7?done=1' }, 'Exit waits for the delivery and says where to go')
  t.match(exited.body.values, { successStatus: 'passed', completionStatus: 'completed' }, 'mastered in this session')
  t.same(w.lrs.statementsOf(lms.sessionId).map(verbOf), ['initialized', 'completed', 'passed', 'terminated'])
  t.same(w.lrs.violations({ includeUnfinished: true }), [], 'no cmi5 rule broken')
  t.match(await settled(w, sessionId), { body: { state: 'delivered', attempts: 1 } })
  t.equal(await w.h.service.ctx.lmsCredentials.get(sessionId), undefined, 'the credential is gone once delivered')

  // Next session of the same registration: already passed, so only Initialized and Terminated.
  const again = w.lrs.launchCmi5({ registration: lms.registration })
  const second = await open(w, launchUrl(w, 'cmi5', again.query))
  const secondExit = await w.h.request('POST', `/v1/lms/sessions/${second.sessionId}/exit`, { token: second.token, body: { how: 'exit' } })
  t.match(secondExit.body, { delivery: 'delivered', values: { successStatus: 'passed' } })
  t.same(w.lrs.statementsOf(again.sessionId).map(verbOf), ['initialized', 'terminated'], 'completed and passed once per registration')
  const plan = (await w.h.service.ctx.store.readStream(`lms-delivery-${second.sessionId}`)).find(e => e.type === 'LmsDeliveryStarted')?.data as { sentBefore?: string[] }
  t.same([...(plan.sentBefore ?? [])].sort(), ['completed', 'passed', 'terminated'], 'planned from what the registration had delivered')
  t.same(w.lrs.violations({ includeUnfinished: true }), [])
})

t.test('cmi5: short of mastery, Terminated carries the progress; Browse mode sends only Initialized and Terminated', async t => {
  const w = await world(t, 'cmi5')
  const lms = w.lrs.launchCmi5({ actor: actor(w.lrs) })
  const first = await open(w, launchUrl(w, 'cmi5', lms.query))
  const exited = await w.h.request('POST', `/v1/lms/sessions/${first.sessionId}/exit`, { token: first.token, body: { how: 'exit' } })
  t.match(exited.body, { delivery: 'delivered', values: { completionStatus: 'incomplete' } })
  t.notOk('returnUrl' in exited.body, 'no returnURL given, none sent back')
  const statements = w.lrs.statementsOf(lms.sessionId)
  t.same(statements.map(verbOf), ['initialized', 'terminated'])
  t.equal((statements[1] as { result: { extensions: Record<string, unknown> } }).result.extensions['https://w3id.org/xapi/cmi5/result/extensions/progress'], exited.body.values.scoreRaw)

  const browse = w.lrs.launchCmi5({ actor: actor(w.lrs), launchMode: 'Browse' })
  const session = await open(w, launchUrl(w, 'cmi5', browse.query))
  await play(w, session.token, 2)
  const browsed = await w.h.request('POST', `/v1/lms/sessions/${session.sessionId}/exit`, { token: session.token, body: { how: 'exit' } })
  t.match(browsed.body, { delivery: 'delivered', values: { successStatus: 'passed' } }, 'the service counts the learning')
  t.same(w.lrs.statementsOf(browse.sessionId).map(verbOf), ['initialized', 'terminated'], 'but Browse mode reports nothing of it')
  t.same(w.lrs.violations({ includeUnfinished: true }), [])
})

t.test('cmi5: refusals are pages a learner can act on; a forged link never makes the service call the LMS', async t => {
  const w = await world(t, 'cmi5')
  const before = await w.h.eventCount()
  const forged = w.lrs.launchCmi5({ actor: actor(w.lrs) })
  const refused = await w.h.app.inject({ method: 'GET', url: launchUrl(w, 'cmi5', forged.query, 'not-the-key') })
  t.equal(refused.statusCode, 401)
  t.match(refused.body, /MS_ERR_LAUNCH_KEY_INVALID/)
  t.equal(w.lrs.exchanges().length, 0, 'nothing was sent to the LMS')

  const partial = new URLSearchParams(forged.query)
  partial.delete('fetch')
  const missing = await w.h.app.inject({ method: 'GET', url: launchUrl(w, 'cmi5', partial.toString()) })
  t.equal(missing.statusCode, 400)
  t.match(missing.headers['content-type'], /text\/html/)
  t.match(missing.body, /MS_ERR_XAPI_LAUNCH_INVALID/)
  t.match(missing.body, /fetch/)

  const stranger = w.lrs.launchCmi5({ actor: { objectType: 'Agent', account: { homePage: w.lrs.origin, name: 'not-linked' } } })
  const unlinked = await w.h.app.inject({ method: 'GET', url: launchUrl(w, 'cmi5', stranger.query) })
  t.match(unlinked.body, /MS_ERR_LMS_USER_NOT_LINKED/)
  t.match(unlinked.body, /not-linked/)
  t.equal(await w.h.eventCount(), before, 'refused launches append nothing')
  const db = openSqlite({ filename: join(w.h.dir, 'mastery-sync.sqlite') })
  t.same(db.prepare('SELECT session_id FROM lms_credentials').all(), [], 'and keep no LRS credential (the unlinked one fetched a token)')
  db.close()

  const xapiUrl = await w.h.app.inject({ method: 'GET', url: launchUrl(w, 'xapi', forged.query) })
  t.equal(xapiUrl.statusCode, 400, 'a cmi5 package opened as Tin Can is refused')
  t.match(xapiUrl.body, /not an xAPI/)
})

t.test('cmi5: an LRS that fails is retried with backoff until it answers; every statement arrives once', async t => {
  const w = await world(t, 'cmi5')
  const lms = w.lrs.launchCmi5({ actor: actor(w.lrs) })
  const { token, sessionId } = await open(w, launchUrl(w, 'cmi5', lms.query))
  await play(w, token, 2)
  w.lrs.failNext(2, { kind: 'status', status: 503 }, { method: 'PUT', path: 'statements' })
  await w.h.request('POST', `/v1/lms/sessions/${sessionId}/exit`, { token, body: { how: 'exit' } })
  const delivery = await settled(w, sessionId)
  t.match(delivery.body, { state: 'delivered', attempts: 3 })
  const starts = (await w.h.service.ctx.store.readStream(`lms-delivery-${sessionId}`)).filter(e => e.type === 'LmsDeliveryStarted').map(e => (e.data as { sentBefore?: string[] }).sentBefore)
  t.same(starts, [[], [], []], 'every attempt builds from the plan of the first')
  t.same(w.lrs.statementsOf(lms.sessionId).map(verbOf), ['initialized', 'completed', 'passed', 'terminated'])
  t.same(w.lrs.violations({ includeUnfinished: true }), [])
})

t.test('cmi5: a restart between the commit and its delivery: after it, exactly one delivery arrives', async t => {
  const dir = t.testdir()
  const lrs = await startLrs(t)
  // The first process commits and stops before its sender got to the commit.
  const first = await world(t, 'cmi5', { dir, lrs })
  const lms = lrs.launchCmi5({ actor: actor(lrs) })
  const { token, sessionId } = await open(first, launchUrl(first, 'cmi5', lms.query))
  await play(first, token, 2)
  await first.h.service.deliverySender.stop()
  const exited = await first.h.request('POST', `/v1/lms/sessions/${sessionId}/exit`, { token, body: { how: 'exit' } })
  t.match(exited.body, { committed: true, delivery: 'pending' }, 'Exit says the delivery is still on its way')
  t.same(lrs.statementsOf(lms.sessionId).map(verbOf), ['initialized'], 'nothing of the exit reached the LRS')
  await first.h.app.close()
  await first.h.service.close()

  const second = await world(t, 'cmi5', { dir, lrs, existing: { packageId: first.packageId, profileId: first.profileId, token: first.token } })
  t.match((await settled(second, sessionId)).body, { state: 'delivered', attempts: 1 })
  t.same(lrs.statementsOf(lms.sessionId).map(verbOf), ['initialized', 'completed', 'passed', 'terminated'], 'one delivery after the restart')
  t.same(lrs.violations({ includeUnfinished: true }), [])
})

t.test('Tin Can: both actor forms launch; exit sends progress, Completed, Passed, Mastered and Terminated, and resume data through the State API', async t => {
  const w = await world(t, 'xapi')
  const activityId = 'https://lms.example.com/activities/flags'
  for (const legacyActor of [true, false]) {
    const lms = w.lrs.tincanLaunch({ activityId, actor: actor(w.lrs), legacyActor })
    const { launched, token, sessionId } = await open(w, `${launchUrl(w, 'xapi', lms.query)}&unknown_extra=1`)
    t.equal(launched.statusCode, 303, `${legacyActor ? 'the old array form' : 'an xAPI 1.0 Agent'}: ${launched.body}`)
    t.notMatch(JSON.stringify(await w.h.service.ctx.store.readAll({ maxCount: 100_000 })), new RegExp(lms.credentials.password), 'the LRS credential is not in the log')
    if (legacyActor) {
      await play(w, token, 2)
      const exited = await w.h.request('POST', `/v1/lms/sessions/${sessionId}/exit`, { token, body: { how: 'exit' } })
      t.match(exited.body, { delivery: 'delivered', values: { successStatus: 'passed' } })
      const sent = w.lrs.statements().filter(s => (s as { context?: { registration?: string } }).context?.registration === lms.params.registration)
      t.same(sent.map(verbOf), ['progressed', 'completed', 'passed', 'mastered', 'terminated'])
      t.match(sent[0], { result: { score: { scaled: 1 } } })
      const resume = w.lrs.document('state', { activityId, agent: actor(w.lrs), registration: lms.params.registration, stateId: 'http://127.0.0.1:3000/xapi/state/resume' })
      t.match(resume?.json, { mastered: true, progress: 1 }, 'resume data for the next launch')
    } else {
      const exited = await w.h.request('POST', `/v1/lms/sessions/${sessionId}/exit`, { token, body: { how: 'exit' } })
      t.match(exited.body, { delivery: 'delivered' })
    }
  }
  // A launch without resume data finds none (404); nothing else may be refused.
  t.same(w.lrs.refusals().filter(r => !(r.method === 'GET' && r.status === 404)), [], 'the LRS refused nothing')
})

t.test('Tin Can: a pass the LRS holds in its resume state is never downgraded', async t => {
  const w = await world(t, 'xapi')
  const activityId = 'https://lms.example.com/activities/flags'
  const registration = '6a1b7c8d-0e1f-4a2b-8c3d-4e5f6a7b8c9d'
  w.lrs.putDocument('state', { activityId, agent: actor(w.lrs), registration, id: 'http://127.0.0.1:3000/xapi/state/resume' }, { mastered: true, progress: 1 })
  const lms = w.lrs.tincanLaunch({ activityId, actor: actor(w.lrs), registration })
  const { token, sessionId } = await open(w, launchUrl(w, 'xapi', lms.query))
  const exited = await w.h.request('POST', `/v1/lms/sessions/${sessionId}/exit`, { token, body: { how: 'exit' } })
  t.match(exited.body.values, { successStatus: 'passed', completionStatus: 'completed' })
})

t.test('cmi5: the answer to Terminated is lost; the retry finds the token closed, and that counts as delivered', async t => {
  const w = await world(t, 'cmi5')
  const lms = w.lrs.launchCmi5({ actor: actor(w.lrs) })
  const { token, sessionId } = await open(w, launchUrl(w, 'cmi5', lms.query))
  w.lrs.failNext(1, { kind: 'drop-response' }, { method: 'PUT', path: 'statements' })
  await w.h.request('POST', `/v1/lms/sessions/${sessionId}/exit`, { token, body: { how: 'exit' } })
  t.match((await settled(w, sessionId)).body, { state: 'delivered', attempts: 2 })
  const events = (await w.h.service.ctx.store.readStream(`lms-delivery-${sessionId}`)).map(e => ({ type: e.type, valuesAccepted: (e.data as { valuesAccepted?: boolean }).valuesAccepted }))
  t.match(events, [{ type: 'LmsDeliveryStarted' }, { type: 'LmsDeliveryAttemptFailed', valuesAccepted: true }, { type: 'LmsDeliveryStarted' }, { type: 'LmsDelivered' }])
  t.same(w.lrs.statementsOf(lms.sessionId).map(verbOf), ['initialized', 'terminated'], 'Terminated once')
  t.ok(w.lrs.refusals().some(r => r.status === 401), 'the retry was refused: the session\'s token closed with Terminated')
  t.same(w.lrs.violations({ includeUnfinished: true }), [])
})
