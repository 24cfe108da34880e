import t, { type Test } from 'tap'
import { harness, buildProfile, newLearner } from '../helpers/harness.ts'

const day = 24 * 3600_000

async function setup (t: Test) {
  const h = await harness(t, { clock: Date.parse('2026-06-01T12:00:00Z') })
  const { adminKey } = await h.newAccount()
  const profile = await buildProfile(h, adminKey, { concepts: 1, goal: 1 })
  const learner = await newLearner(h, adminKey, profile.profileId)
  const activityId = profile.concepts[0]?.activities[0]?.activityId as string
  const answer = (eventId: string, occurredAt: number, selected = ['right']) => ({ eventId, type: 'ActivityAnswered', learnerId: learner.learnerId, activityId, selected, responseMs: 1500, occurredAt: new Date(occurredAt).toISOString() })
  return { h, adminKey, profile, learner, activityId, answer }
}

t.test('app clients post batches; a retried batch is a no-op', async t => {
  const { h, adminKey, answer } = await setup(t)
  const now = h.clock.now
  const batch = { events: [answer('evt-0000001', now - 60_000), answer('evt-0000002', now - 30_000, ['wrong'])] }
  const first = await h.request('POST', '/v1/activity', { token: adminKey, body: batch })
  t.equal(first.status, 202, first.text)
  t.match(first.body, { accepted: 2, duplicates: 0 })
  const count = await h.eventCount()
  const retry = await h.request('POST', '/v1/activity', { token: adminKey, body: batch })
  t.equal(retry.status, 202)
  t.match(retry.body, { accepted: 0, duplicates: 2 })
  t.equal(await h.eventCount(), count, 'the retry appended nothing')
})

t.test('a learner may post their own activity, not someone else\'s', async t => {
  const { h, adminKey, profile, learner, answer } = await setup(t)
  const other = await newLearner(h, adminKey, profile.profileId)
  const own = await h.request('POST', '/v1/activity', { token: learner.token, body: { events: [{ ...answer('evt-own-0001', h.clock.now), learnerId: undefined }] } })
  t.equal(own.status, 202, own.text)
  const foreign = await h.request('POST', '/v1/activity', { token: learner.token, body: { events: [{ ...answer('evt-own-0002', h.clock.now), learnerId: other.learnerId }] } })
  t.equal(foreign.body.error.code, 'MS_ERR_FORBIDDEN')
})

t.test('a batch with one bad item is refused whole, with the item named', async t => {
  const { h, adminKey, answer } = await setup(t)
  const before = await h.eventCount()
  const res = await h.request('POST', '/v1/activity', { token: adminKey, body: { events: [answer('evt-ok-00001', h.clock.now), answer('evt-bad-0001', h.clock.now, ['no-such-option'])] } })
  t.equal(res.status, 422)
  t.equal(res.body.error.code, 'MS_ERR_UNKNOWN_OPTION')
  t.match(res.body.error.message, /Item 1/)
  t.equal(res.body.error.details.items[0].index, 1)
  t.equal(await h.eventCount(), before)
})

t.test('occurredAt: future and older than 30 days are refused; late within 30 days is accepted', async t => {
  const { h, adminKey, answer } = await setup(t)
  const now = h.clock.now
  const future = await h.request('POST', '/v1/activity', { token: adminKey, body: { events: [answer('evt-future-01', now + day)] } })
  t.equal(future.status, 422)
  t.equal(future.body.error.code, 'MS_ERR_OCCURRED_AT_OUT_OF_RANGE')
  const ancient = await h.request('POST', '/v1/activity', { token: adminKey, body: { events: [answer('evt-ancient-1', now - 31 * day)] } })
  t.equal(ancient.body.error.code, 'MS_ERR_OCCURRED_AT_OUT_OF_RANGE')
  const late = await h.request('POST', '/v1/activity', { token: adminKey, body: { events: [answer('evt-late-0001', now - 29 * day)] } })
  t.equal(late.status, 202)
  const notIso = await h.request('POST', '/v1/activity', { token: adminKey, body: { events: [{ ...answer('evt-noiso-001', now), occurredAt: 'yesterday' }] } })
  t.equal(notIso.body.error.code, 'MS_ERR_VALIDATION')
})

t.test('mastery follows when things happened, not when they arrived', async t => {
  const { h, adminKey, learner, answer } = await setup(t)
  const now = h.clock.now
  // Two devices: one syncs a week-old answer after today's was already recorded.
  const today = await h.request('POST', '/v1/activity', { token: adminKey, body: { events: [answer('evt-order-002', now - 60_000)] } })
  t.equal(today.status, 202)
  const late = await h.request('POST', '/v1/activity', { token: adminKey, body: { events: [answer('evt-order-001', now - 7 * day)] } })
  t.equal(late.status, 202)
  const outOfOrder = await h.request('GET', `/v1/learners/${learner.learnerId}/mastery`, { token: adminKey, headers: { 'x-min-position': String(late.body.position) } })

  // The same two answers delivered in time order, for a second learner.
  const twin = await newLearner(h, adminKey, undefined)
  const profileId = outOfOrder.body.profiles[0].profileId
  await h.request('PUT', `/v1/profiles/${profileId}/assignments/${twin.learnerId}`, { token: adminKey, body: {} })
  await h.request('POST', '/v1/activity', { token: adminKey, body: { events: [{ ...answer('evt-twin-0001', now - 7 * day), learnerId: twin.learnerId }] } })
  const last = await h.request('POST', '/v1/activity', { token: adminKey, body: { events: [{ ...answer('evt-twin-0002', now - 60_000), learnerId: twin.learnerId }] } })
  const inOrder = await h.request('GET', `/v1/learners/${twin.learnerId}/mastery`, { token: adminKey, headers: { 'x-min-position': String(last.body.position) } })
  t.equal(outOfOrder.body.profiles[0].concepts[0].level, inOrder.body.profiles[0].concepts[0].level)
  t.ok(inOrder.body.profiles[0].concepts[0].level > 0.5, 'both answers count: one correct answer alone gains at most 0.5')
})

t.test('mastery as of a past instant is computed from the events up to it', async t => {
  const { h, adminKey, learner, answer } = await setup(t)
  const now = h.clock.now
  const res = await h.request('POST', '/v1/activity', { token: adminKey, body: { events: [answer('evt-asof-0001', now - 10 * day), answer('evt-asof-0002', now - 2 * day)] } })
  const opts = { token: adminKey, headers: { 'x-min-position': String(res.body.position) } }
  const beforeAny = await h.request('GET', `/v1/learners/${learner.learnerId}/mastery?asOf=${new Date(now - 11 * day).toISOString()}`, opts)
  t.equal(beforeAny.status, 200, beforeAny.text)
  t.same(beforeAny.body.profiles, [], 'not yet assigned eleven days ago... the profile was created now')
  const current = await h.request('GET', `/v1/learners/${learner.learnerId}/mastery`, opts)
  t.ok(current.body.profiles[0].concepts[0].level > 0)
  t.match(current.body.profiles[0].concepts[0].title, /^Concept \d+$/, 'concepts come with their titles, not only ids')
  const bad = await h.request('GET', `/v1/learners/${learner.learnerId}/mastery?asOf=not-a-time`, opts)
  t.equal(bad.body.error.code, 'MS_ERR_VALIDATION')
})

t.test('answers to activities of a removed concept are refused', async t => {
  const { h, adminKey, profile, answer } = await setup(t)
  await h.request('DELETE', `/v1/concepts/${profile.concepts[0]?.conceptId}`, { token: adminKey })
  const res = await h.request('POST', '/v1/activity', { token: adminKey, body: { events: [answer('evt-removed-01', h.clock.now)] } })
  t.equal(res.status, 410)
  t.equal(res.body.error.code, 'MS_ERR_REMOVED')
})
