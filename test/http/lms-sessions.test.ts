// LMS sessions through the HTTP API, as the launcher in a package drives them.
// (The browser end-to-end with a real SCORM runtime is in test/browser/.)
import t, { type Test } from 'tap'
import { harness, buildProfile, newLearner, operatorToken, tokenSecret, type Harness } from '../helpers/harness.ts'
import { launchKeyFor } from '../../src/app/credentials.ts'

const day = 24 * 3600_000

async function setup (t: Test, options: { goal?: number, concepts?: number } = {}) {
  const h = await harness(t, { clock: Date.parse('2026-05-04T08:00:00Z') })
  const account = await h.newAccount('growth')
  const token = account.adminKey
  const profile = await buildProfile(h, token, { goal: options.goal ?? 1, concepts: options.concepts ?? 1 })
  await h.request('PUT', `/v1/profiles/${profile.profileId}/lms-integration`, { token, body: { enabled: true } })
  const created = await h.request('POST', `/v1/profiles/${profile.profileId}/packages`, { token, body: { title: 'Flags', format: 'scorm2004' } })
  const packageId = created.body.packageId as string
  const learner = await newLearner(h, token)
  t.equal((await h.request('POST', `/v1/learners/${learner.learnerId}/lms-links`, { token, body: { lmsUserId: 'lms-user-42' } })).status, 201)
  const launchBody = (overrides: Record<string, unknown> = {}) => ({ packageId, revision: 1, launchKey: launchKeyFor(tokenSecret, packageId, 1), standard: 'scorm2004', lmsUserId: 'lms-user-42', lmsUserName: 'Ada', ...overrides })
  return { h, account, token, profile, packageId, learner, launchBody }
}

async function answerAll (h: Harness, token: string, profileId: string, correct = true, responseMs = 1500) {
  const moment = await h.request('POST', '/v1/me/moments', { token, body: { profileId } })
  for (const a of moment.body.activities) {
    await h.request('POST', `/v1/me/moments/${moment.body.momentId}/answers`, { token, body: { activityId: a.activityId, selected: [correct ? 'right' : 'wrong'], responseMs } })
  }
  return moment.body
}

const commits = async (h: Harness) => (await h.service.ctx.store.readAll({ maxCount: 100_000 })).filter(e => e.type === 'LmsProgressCommitted')

t.test('a launch opens a session locked to the profile, auto-assigns it, and commits once on exit', async t => {
  const { h, profile, learner, launchBody } = await setup(t, { goal: 3, concepts: 2 })
  const launched = await h.request('POST', '/v1/lms/launch', { body: launchBody(), headers: { origin: 'https://lms.example.com' } })
  t.equal(launched.status, 201, launched.text)
  t.equal(launched.headers['access-control-allow-origin'], '*', 'callable from the LMS origin')
  t.match(launched.body, { title: 'Flags', values: { completionStatus: 'incomplete', successStatus: 'unknown', scoreRaw: 0, exit: 'suspend' } })
  t.match(launched.body.playerUrl, /\/player\/\?session=lms_[^#]+#token=mst_[^&]+&session=lms_/)
  const { sessionId, token } = launched.body

  const assigned = (await h.service.ctx.store.readStream(`learner-${learner.learnerId}`)).find(e => e.type === 'ProfileAssigned')
  t.match(assigned?.data, { profileId: profile.profileId, reason: /launched from an LMS/ }, 'R12: assigned with the reason')

  const mine = await h.request('GET', '/v1/me/profiles', { token })
  t.same(mine.body.profiles.map((p: { profileId: string }) => p.profileId), [profile.profileId])
  t.equal((await h.request('PUT', '/v1/me/password', { token, body: { currentPassword: learner.password, newPassword: 'a brand new password' } })).body.error.code, 'MS_ERR_PASSWORD_CHANGE_LOCKED')
  const other = await buildProfile(h, (await h.newAccount('growth')).adminKey)
  t.equal((await h.request('POST', '/v1/me/moments', { token, body: { profileId: other.profileId } })).body.error.code, 'MS_ERR_LOCKED_TO_PROFILE')
  const mini = await h.request('POST', '/v1/me/moments', { token, body: {} })
  t.equal(mini.body.kind, 'mini', 'play starts a Mini Moment of the launched profile')
  t.equal(mini.body.profileId, profile.profileId)

  await answerAll(h, token, profile.profileId)
  h.clock.now += 7 * 60_000
  const preview = await h.request('GET', `/v1/lms/sessions/${sessionId}/values`, { token: token })
  t.ok(preview.body.values.scoreRaw > 0, 'progress shows before the exit')
  t.equal((await commits(h)).length, 0, 'nothing is committed before the exit')

  const exited = await h.request('POST', `/v1/lms/sessions/${sessionId}/exit`, { token, body: { how: 'exit' } })
  t.equal(exited.status, 200, exited.text)
  const values = exited.body.values
  t.match(values, { completionStatus: 'incomplete', successStatus: 'unknown', exit: 'suspend', sessionMs: 7 * 60_000, totalLmsMs: 7 * 60_000 })
  t.ok(values.scoreRaw > 0 && values.scoreRaw < 100)
  t.equal(values.scoreScaled, values.progressMeasure)

  // The window closes right after: the beacon arrives as text/plain with the token in the body.
  const beacon = await h.app.inject({ method: 'POST', url: `/v1/lms/sessions/${sessionId}/exit`, headers: { 'content-type': 'text/plain;charset=UTF-8' }, payload: JSON.stringify({ how: 'unload', token }) })
  t.equal(beacon.statusCode, 200, beacon.body)
  t.same(beacon.json().values, values, 'a retried exit returns the same commit')
  t.equal((await commits(h)).length, 1, 'committed exactly once')
  const after = await h.request('GET', '/v1/me/profiles', { token })
  t.equal(after.body.error.code, 'MS_ERR_LMS_SESSION_ENDED', 'the session token is void after exit')
})

t.test('a course left open past the 12-hour session: the player says so, and Exit still commits what was done', async t => {
  const { h, profile, launchBody } = await setup(t, { goal: 3, concepts: 2 })
  const launched = await h.request('POST', '/v1/lms/launch', { body: launchBody() })
  const { sessionId, token } = launched.body
  await answerAll(h, token, profile.profileId)
  h.clock.now += 13 * 3600_000

  const late = await h.request('POST', '/v1/me/moments', { token, body: {} })
  t.equal(late.status, 409, late.text)
  t.equal(late.body.error.code, 'MS_ERR_LMS_SESSION_ENDED')
  t.match(late.body.error.message, /open for more than 12 hours.*Choose Exit to send your progress to your LMS/, 'the learner is told what to do')
  t.equal((await commits(h)).length, 0, 'nothing committed yet')

  const exited = await h.request('POST', `/v1/lms/sessions/${sessionId}/exit`, { token, body: { how: 'exit' } })
  t.equal(exited.status, 200, exited.text)
  t.ok(exited.body.values.scoreRaw > 0, 'the answers given in time reach the LMS')
  t.equal(exited.body.values.sessionMs, 13 * 3600_000)
  t.equal((await commits(h)).length, 1, 'committed once')

  // A token that is not ours gets no LMS words, expired or not.
  const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA')
  const refused = await h.request('POST', '/v1/me/moments', { token: forged, body: {} })
  t.equal(refused.status, 401)
  t.equal(refused.body.error.code, 'MS_ERR_UNAUTHENTICATED')
})

t.test('launch refusals are clear and write nothing to the session log', async t => {
  const { h, account, token, profile, packageId, launchBody } = await setup(t)
  const code = async (body: Record<string, unknown>) => (await h.request('POST', '/v1/lms/launch', { body })).body.error?.code
  t.equal(await code(launchBody({ launchKey: 'forged' })), 'MS_ERR_LAUNCH_KEY_INVALID')
  t.equal(await code(launchBody({ revision: 2 })), 'MS_ERR_LAUNCH_KEY_INVALID', 'a revision that does not exist yet')
  t.equal(await code(launchBody({ packageId: 'pkg_unknown' })), 'MS_ERR_NOT_FOUND')
  t.equal(await code(launchBody({ lmsUserId: 'nobody-linked' })), 'MS_ERR_LMS_USER_NOT_LINKED')
  const notLinked = await h.request('POST', '/v1/lms/launch', { body: launchBody({ lmsUserId: 'nobody-linked' }) })
  t.match(notLinked.body.error.message, /ask your administrator to link/i)
  await h.request('PUT', `/v1/profiles/${profile.profileId}/lms-integration`, { token, body: { enabled: false } })
  t.equal(await code(launchBody()), 'MS_ERR_LMS_INTEGRATION_OFF')
  await h.request('PUT', `/v1/profiles/${profile.profileId}/lms-integration`, { token, body: { enabled: true } })
  await h.request('PATCH', `/v1/accounts/${account.accountId}`, { token: operatorToken, body: { plan: 'starter' } })
  t.equal(await code(launchBody()), 'MS_ERR_PLAN_REQUIRED')
  await h.request('PATCH', `/v1/accounts/${account.accountId}`, { token: operatorToken, body: { plan: 'growth' } })
  await h.request('DELETE', `/v1/packages/${packageId}`, { token })
  t.equal(await code(launchBody()), 'MS_ERR_PACKAGE_RETIRED')
  const sessions = (await h.service.ctx.store.readAll({ maxCount: 100_000 })).filter(e => e.streamId.startsWith('lms-session-'))
  t.same(sessions, [], 'no session was opened')
  t.equal(await code({ ...launchBody(), lmsUserId: '   ' }), 'MS_ERR_VALIDATION')
})

t.test('an unknown LMS user is provisioned when the account says so', async t => {
  const { h, token, launchBody } = await setup(t)
  await h.request('PUT', '/v1/account/settings', { token, body: { unknownLmsUsers: 'provision' } })
  const launched = await h.request('POST', '/v1/lms/launch', { body: launchBody({ lmsUserId: 'new-person-7', lmsUserName: 'Grace' }) })
  t.equal(launched.status, 201, launched.text)
  const again = await h.request('POST', '/v1/lms/launch', { body: launchBody({ lmsUserId: 'new-person-7' }) })
  const learnerOf = async (sessionToken: string) => (await h.request('GET', '/v1/me/profiles', { token: sessionToken })).body.learnerId
  t.equal(await learnerOf(launched.body.token), await learnerOf(again.body.token), 'the same learner both times')
})

t.test('mastery reached in the app reaches the LMS at the next launch and exit, not before; passed is never downgraded', async t => {
  const { h, token: adminKey, profile, learner, launchBody } = await setup(t, { goal: 1 })
  const signIn = async () => (await h.request('POST', '/v1/auth/login', { body: { email: learner.email, password: learner.password } })).body.token as string
  const first = await h.request('POST', '/v1/lms/launch', { body: launchBody() })
  h.clock.now += 60_000
  const firstExit = await h.request('POST', `/v1/lms/sessions/${first.body.sessionId}/exit`, { token: first.body.token, body: { how: 'exit' } })
  t.match(firstExit.body.values, { completionStatus: 'incomplete', scoreRaw: 0, totalLmsMs: 60_000 })

  // Direct use of the app: the learner masters the profile there.
  h.clock.now += day
  const appToken = await signIn()
  await answerAll(h, appToken, profile.profileId)
  await answerAll(h, appToken, profile.profileId)
  const app = await h.request('GET', '/v1/me/profiles', { token: appToken })
  t.equal(app.body.profiles[0].mastered, true, 'mastered in the app')
  t.equal((await commits(h)).length, 1, 'the LMS heard nothing of it (R14)')

  h.clock.now += day
  const second = await h.request('POST', '/v1/lms/launch', { body: launchBody() })
  h.clock.now += 2 * 60_000
  const secondExit = await h.request('POST', `/v1/lms/sessions/${second.body.sessionId}/exit`, { token: second.body.token, body: { how: 'terminate' } })
  t.match(secondExit.body.values, { completionStatus: 'completed', successStatus: 'passed', scoreRaw: 100, scoreScaled: 1, progressMeasure: 1, exit: 'normal', sessionMs: 2 * 60_000, totalLmsMs: 3 * 60_000 }, 'time counts LMS sessions only')

  // Months later, forgotten: the LMS registration stays passed.
  h.clock.now += 120 * day
  const third = await h.request('POST', '/v1/lms/launch', { body: launchBody() })
  t.equal(third.body.values.successStatus, 'passed')
  const thirdExit = await h.request('POST', `/v1/lms/sessions/${third.body.sessionId}/exit`, { token: third.body.token, body: { how: 'exit' } })
  t.match(thirdExit.body.values, { successStatus: 'passed', completionStatus: 'completed', scoreRaw: 100 })
  const forgotten = await h.request('GET', `/v1/learners/${learner.learnerId}/mastery`, { token: adminKey })
  t.equal(forgotten.body.profiles[0].mastered, false, 'the learner has forgotten since, yet the LMS keeps passed')
})
