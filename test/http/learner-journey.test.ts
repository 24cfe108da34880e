import t from 'tap'
import { harness, buildProfile, newLearner } from '../helpers/harness.ts'

t.test('a learner signs in, practises a Mini Moment, reads cards and sees progress grow', async t => {
  const h = await harness(t)
  const { adminKey } = await h.newAccount()
  const { profileId, concepts } = await buildProfile(h, adminKey)
  const learner = await newLearner(h, adminKey, profileId)
  t.match(learner.token, /^mst_/)

  const before = await h.request('GET', '/v1/me/profiles', { token: learner.token })
  t.equal(before.status, 200)
  t.equal(before.body.profiles[0].profileId, profileId)
  t.equal(before.body.profiles[0].progress, 0)

  const moment = await h.request('POST', '/v1/me/moments', { token: learner.token, body: { profileId } })
  t.equal(moment.status, 201, moment.text)
  t.equal(moment.body.kind, 'mini')
  t.ok(moment.body.activities.length > 0)
  for (const a of moment.body.activities) t.notOk('correct' in a.options[0], 'options do not reveal the answer')

  const first = moment.body.activities[0]
  const answer = await h.request('POST', `/v1/me/moments/${moment.body.momentId}/answers`, { token: learner.token, body: { activityId: first.activityId, selected: ['right'], responseMs: 2000 } })
  t.equal(answer.status, 200, answer.text)
  t.equal(answer.body.correct, true)
  t.same(answer.body.correctOptionIds, ['right'])
  t.ok(answer.body.level > 0, 'a correct answer raised the concept level')
  t.ok(answer.body.profiles[0].progress > 0)

  const again = await h.request('POST', `/v1/me/moments/${moment.body.momentId}/answers`, { token: learner.token, body: { activityId: first.activityId, selected: ['right'], responseMs: 2000 } })
  t.equal(again.status, 409)
  t.equal(again.body.error.code, 'MS_ERR_ALREADY_ANSWERED')

  const outside = concepts.flatMap(c => c.activities).find(a => !moment.body.activities.some((m: { activityId: string }) => m.activityId === a.activityId))
  if (outside !== undefined) {
    const res = await h.request('POST', `/v1/me/moments/${moment.body.momentId}/answers`, { token: learner.token, body: { activityId: outside.activityId, selected: ['right'], responseMs: 2000 } })
    t.equal(res.body.error.code, 'MS_ERR_NOT_IN_MOMENT')
  }

  const cards = await h.request('GET', `/v1/me/profiles/${profileId}/cards`, { token: learner.token })
  t.equal(cards.status, 200)
  t.equal(cards.body.cards.length, concepts.length)

  const after = await h.request('GET', '/v1/me/profiles', { token: learner.token })
  t.ok(after.body.profiles[0].progress > 0)
  t.equal(after.body.profiles[0].mastered, false)
})

t.test('a Mastery Moment draws from every assigned profile; an unassigned profile is refused', async t => {
  const h = await harness(t)
  const { adminKey } = await h.newAccount()
  const a = await buildProfile(h, adminKey)
  const b = await buildProfile(h, adminKey)
  const learner = await newLearner(h, adminKey, a.profileId)
  await h.request('PUT', `/v1/profiles/${b.profileId}/assignments/${learner.learnerId}`, { token: adminKey, body: { reason: 'second profile' } })
  const moment = await h.request('POST', '/v1/me/moments', { token: learner.token, body: {} })
  t.equal(moment.body.kind, 'mastery')
  const all = new Set([...a.concepts, ...b.concepts].map(c => c.conceptId))
  for (const act of moment.body.activities) t.ok(all.has(act.conceptId))
  const modules = new Set(moment.body.activities.map((x: { conceptId: string }) => a.concepts.some(c => c.conceptId === x.conceptId) ? 'a' : 'b'))
  t.equal(modules.size, 2, 'both profiles are represented')

  const c = await buildProfile(h, adminKey)
  const refused = await h.request('POST', '/v1/me/moments', { token: learner.token, body: { profileId: c.profileId } })
  t.equal(refused.status, 403)
  t.equal(refused.body.error.code, 'MS_ERR_NOT_ASSIGNED')
})

t.test('changing the password ends old sessions; logout ends the current one', async t => {
  const h = await harness(t)
  const { adminKey } = await h.newAccount()
  const { profileId } = await buildProfile(h, adminKey)
  const learner = await newLearner(h, adminKey, profileId)
  const wrong = await h.request('PUT', '/v1/me/password', { token: learner.token, body: { currentPassword: 'nope', newPassword: 'another long password' } })
  t.equal(wrong.body.error.code, 'MS_ERR_WRONG_PASSWORD')
  const changed = await h.request('PUT', '/v1/me/password', { token: learner.token, body: { currentPassword: learner.password, newPassword: 'another long password' } })
  t.equal(changed.status, 200, changed.text)
  t.equal((await h.request('GET', '/v1/me/profiles', { token: learner.token })).status, 401, 'the old token is void')
  t.equal((await h.request('GET', '/v1/me/profiles', { token: changed.body.token })).status, 200)
  t.equal((await h.request('POST', '/v1/auth/login', { body: { email: learner.email, password: learner.password } })).status, 401, 'old password refused')
  const fresh = await h.request('POST', '/v1/auth/login', { body: { email: learner.email, password: 'another long password' } })
  t.equal(fresh.status, 200)
  t.equal((await h.request('POST', '/v1/auth/logout', { token: fresh.body.token })).status, 204)
  t.equal((await h.request('GET', '/v1/me/profiles', { token: fresh.body.token })).status, 401, 'signed out')
})

t.test('a wrong email or password gives the same refusal', async t => {
  const h = await harness(t)
  const { adminKey } = await h.newAccount()
  const learner = await newLearner(h, adminKey)
  const badPassword = await h.request('POST', '/v1/auth/login', { body: { email: learner.email, password: 'wrong password' } })
  const badEmail = await h.request('POST', '/v1/auth/login', { body: { email: 'nobody@example.com', password: 'wrong password' } })
  t.equal(badPassword.status, 401)
  t.same(badPassword.body, badEmail.body)
})

t.test('live content: an edited activity is what the next moment shows', async t => {
  const h = await harness(t)
  const { adminKey } = await h.newAccount()
  const { profileId, concepts } = await buildProfile(h, adminKey, { concepts: 1 })
  const learner = await newLearner(h, adminKey, profileId)
  const activityId = concepts[0]?.activities[0]?.activityId as string
  const patch = await h.request('PATCH', `/v1/activities/${activityId}`, { token: adminKey, body: { prompt: 'Edited question?' } })
  t.equal(patch.status, 200, patch.text)
  const moment = await h.request('POST', '/v1/me/moments', { token: learner.token, body: { profileId } })
  t.ok(moment.body.activities.some((a: { prompt: string }) => a.prompt === 'Edited question?'))
  await h.request('DELETE', `/v1/activities/${activityId}`, { token: adminKey })
  const next = await h.request('POST', '/v1/me/moments', { token: learner.token, body: { profileId } })
  t.notOk(next.body.activities.some((a: { activityId: string }) => a.activityId === activityId), 'a removed activity is not drawn')
})
