// The admin's progress routes, as the admin page reads them: the account's learners, a profile's
// learners with progress and mastered state, and a learner's LMS commit history. Each is scoped
// to the caller's account: another account's key gets 404 and sees none of it.
import t, { type Test } from 'tap'
import { harness, buildProfile, newLearner, tokenSecret, type Harness } from '../helpers/harness.ts'
import { launchKeyFor } from '../../src/app/credentials.ts'

async function answerAll (h: Harness, token: string, profileId: string) {
  const moment = await h.request('POST', '/v1/me/moments', { token, body: { profileId } })
  for (const a of moment.body.activities) {
    await h.request('POST', `/v1/me/moments/${moment.body.momentId}/answers`, { token, body: { activityId: a.activityId, selected: ['right'], responseMs: 1500 } })
  }
}

async function setup (t: Test) {
  const h = await harness(t, { clock: Date.parse('2026-05-04T08:00:00Z') })
  const account = await h.newAccount('growth')
  const token = account.adminKey
  const flags = await buildProfile(h, token, { goal: 3, concepts: 2 })
  const capitals = await buildProfile(h, token, { goal: 3, concepts: 1 })
  const ada = await newLearner(h, token, flags.profileId, 'ada@example.com')
  const bo = await newLearner(h, token, undefined, 'bo@example.com')
  await h.request('PATCH', '/v1/profiles/' + capitals.profileId, { token, body: { name: 'World Capitals' } })
  return { h, account, token, flags, capitals, ada, bo }
}

t.test('GET /v1/learners lists the account\'s learners with their assigned profiles', async t => {
  const { h, token, flags, ada, bo } = await setup(t)
  const reply = await h.request('GET', '/v1/learners', { token })
  t.equal(reply.status, 200)
  const byId = new Map(reply.body.learners.map((l: any) => [l.learnerId, l]))
  t.same([...byId.keys()].sort(), [ada.learnerId, bo.learnerId].sort(), 'both learners, nobody else')
  t.match(byId.get(ada.learnerId), { email: 'ada@example.com', name: 'Ada Learner', assignedProfileIds: [flags.profileId] })
  t.same((byId.get(bo.learnerId) as any).assignedProfileIds, [], 'an unassigned learner is listed too')

  const learnerToken = await h.request('GET', '/v1/learners', { token: ada.token })
  t.equal(learnerToken.status, 403, 'a learner session cannot list learners')
  t.equal(learnerToken.body.error.code, 'MS_ERR_FORBIDDEN')
  t.equal((await h.request('GET', '/v1/learners')).body.error.code, 'MS_ERR_UNAUTHENTICATED')
})

t.test('GET /v1/profiles/{id}/progress: the profile\'s learners with progress and mastered state, as their mastery reads', async t => {
  const { h, token, flags, capitals, ada, bo } = await setup(t)
  const before = await h.request('GET', `/v1/profiles/${flags.profileId}/progress`, { token })
  t.equal(before.status, 200)
  t.match(before.body, { profileId: flags.profileId, asOf: new Date(h.clock.now).toISOString() })
  t.same(before.body.learners.map((l: any) => [l.learnerId, l.progress, l.mastered]), [[ada.learnerId, 0, false]], 'only assigned learners, at 0 before practice')

  await answerAll(h, ada.token, flags.profileId)
  const after = await h.request('GET', `/v1/profiles/${flags.profileId}/progress`, { token })
  const [row] = after.body.learners
  const mastery = await h.request('GET', `/v1/learners/${ada.learnerId}/mastery`, { token })
  const own = mastery.body.profiles.find((p: any) => p.profileId === flags.profileId)
  t.ok(row.progress > 0, `progress after correct answers (${row.progress})`)
  t.equal(row.progress, own.progress, 'the same progress as the learner\'s mastery')
  t.equal(row.mastered, own.mastered)
  t.equal(row.name, 'Ada Learner')

  await h.request('PUT', `/v1/profiles/${capitals.profileId}/assignments/${bo.learnerId}`, { token, body: {} })
  const capitalsProgress = await h.request('GET', `/v1/profiles/${capitals.profileId}/progress`, { token })
  t.same(capitalsProgress.body.learners.map((l: any) => l.learnerId), [bo.learnerId], 'each profile lists its own learners')
})

t.test('GET /v1/learners/{id}/lms-commits: one commit per LMS exit, oldest first; none for app practice', async t => {
  const { h, token, flags, capitals, ada } = await setup(t)
  const empty = await h.request('GET', `/v1/learners/${ada.learnerId}/lms-commits`, { token })
  t.equal(empty.status, 200)
  t.same(empty.body, { learnerId: ada.learnerId, commits: [] })

  await answerAll(h, ada.token, flags.profileId)
  t.same((await h.request('GET', `/v1/learners/${ada.learnerId}/lms-commits`, { token })).body.commits, [], 'practice in the app commits nothing to an LMS (R14)')

  await h.request('PUT', `/v1/profiles/${flags.profileId}/lms-integration`, { token, body: { enabled: true } })
  const created = await h.request('POST', `/v1/profiles/${flags.profileId}/packages`, { token, body: { title: 'Flags', format: 'scorm2004' } })
  const packageId = created.body.packageId as string
  await h.request('POST', `/v1/learners/${ada.learnerId}/lms-links`, { token, body: { lmsUserId: 'lms-ada' } })
  const launchBody = { packageId, revision: 1, launchKey: launchKeyFor(tokenSecret, packageId, 1), standard: 'scorm2004', lmsUserId: 'lms-ada', lmsUserName: 'Ada' }
  for (const minutes of [5, 3]) {
    const launched = await h.request('POST', '/v1/lms/launch', { body: launchBody })
    t.equal(launched.status, 201, 'launched from the LMS')
    h.clock.now += minutes * 60_000
    const exited = await h.request('POST', `/v1/lms/sessions/${launched.body.sessionId}/exit`, { token: launched.body.token, body: { how: 'exit' } })
    t.equal(exited.status, 200, 'exited: committed')
  }

  // The exit reply carries no log position to read at: let the read models reach the head.
  await h.service.ctx.runner.waitFor(await h.service.ctx.store.headPosition())
  const reply = await h.request('GET', `/v1/learners/${ada.learnerId}/lms-commits`, { token })
  t.equal(reply.status, 200)
  const commits = reply.body.commits
  t.equal(commits.length, 2, 'one commit per exit')
  t.match(commits[0], { packageId, profileId: flags.profileId, format: 'scorm2004', completionStatus: 'incomplete', successStatus: 'unknown', mastered: false, sessionMs: 5 * 60_000, totalLmsMs: 5 * 60_000 })
  t.match(commits[1], { sessionMs: 3 * 60_000, totalLmsMs: 8 * 60_000 }, 'oldest first: the second exit adds to the LMS time')
  t.ok(commits[0].scoreRaw > 0 && commits[0].progressMeasure > 0, 'the progress the LMS was told')
  t.ok(Date.parse(commits[0].committedAt) < Date.parse(commits[1].committedAt))

  t.same((await h.request('GET', `/v1/learners/${ada.learnerId}/lms-commits?profileId=${capitals.profileId}`, { token })).body.commits, [], 'filtered by profile')
  t.equal((await h.request('GET', `/v1/learners/${ada.learnerId}/lms-commits?profileId=${flags.profileId}`, { token })).body.commits.length, 2)
})

t.test('another account\'s key is refused with 404 and sees nothing; nothing is appended', async t => {
  const { h, flags, ada } = await setup(t)
  const other = await h.newAccount('growth')
  const before = await h.eventCount()
  for (const url of [`/v1/profiles/${flags.profileId}/progress`, `/v1/learners/${ada.learnerId}/lms-commits`]) {
    const res = await h.request('GET', url, { token: other.adminKey })
    t.equal(res.status, 404, `${url} is not found for another account`)
    t.equal(res.body.error.code, 'MS_ERR_NOT_FOUND')
    t.type(res.body.error.message, 'string')
  }
  t.same((await h.request('GET', '/v1/learners', { token: other.adminKey })).body, { learners: [] }, 'the other account lists none of these learners')
  t.equal(await h.eventCount(), before, 'reads append nothing')
})

t.test('the progress routes are in the OpenAPI document under their tag', async t => {
  const { h } = await setup(t)
  const doc = (await h.request('GET', '/docs/json')).body
  for (const path of ['/v1/learners', '/v1/profiles/{profileId}/progress', '/v1/learners/{learnerId}/lms-commits']) {
    t.same(doc.paths[path]?.get?.tags, ['progress'], path)
    t.ok(doc.paths[path].get.responses['200'], `${path} declares its reply`)
  }
  t.notOk(Object.keys(doc.paths).some((p: string) => p.startsWith('/admin')), 'the admin page is not an API route')
})
