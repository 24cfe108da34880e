import t from 'tap'
import { harness, buildProfile, newLearner } from '../helpers/harness.ts'

t.test('one account can never read or change another account\'s data', async t => {
  const h = await harness(t)
  const a = await h.newAccount()
  const b = await h.newAccount()
  const { profileId, moduleId, concepts } = await buildProfile(h, a.adminKey)
  const learner = await newLearner(h, a.adminKey, profileId)
  const concept = concepts[0]?.conceptId as string
  const activity = concepts[0]?.activities[0]?.activityId as string
  const before = await h.eventCount()
  const asB = { token: b.adminKey }

  const attempts: [string, string, unknown?][] = [
    ['GET', `/v1/profiles/${profileId}`],
    ['GET', `/v1/modules/${moduleId}`],
    ['GET', `/v1/learners/${learner.learnerId}`],
    ['GET', `/v1/learners/${learner.learnerId}/mastery`],
    ['PATCH', `/v1/modules/${moduleId}`, { title: 'Hijacked' }],
    ['DELETE', `/v1/modules/${moduleId}`],
    ['POST', `/v1/modules/${moduleId}/concepts`, { title: 'Injected' }],
    ['POST', `/v1/concepts/${concept}/activities`, { prompt: 'Q?', options: [{ id: 'a', text: 'A', correct: true }, { id: 'b', text: 'B', correct: false }] }],
    ['POST', `/v1/concepts/${concept}/cards`, { title: 'T', body: 'B' }],
    ['PATCH', `/v1/activities/${activity}`, { prompt: 'Hijacked?' }],
    ['DELETE', `/v1/activities/${activity}`],
    ['PUT', `/v1/profiles/${profileId}/modules/${moduleId}`, { goal: 1 }],
    ['PUT', `/v1/profiles/${profileId}/lms-integration`, { enabled: true }],
    ['PUT', `/v1/profiles/${profileId}/assignments/${learner.learnerId}`, {}],
    ['DELETE', `/v1/profiles/${profileId}/assignments/${learner.learnerId}`]
  ]
  for (const [method, url, body] of attempts) {
    const res = await h.request(method, url, { ...asB, ...(body === undefined ? {} : { body }) })
    t.equal(res.status, 404, `${method} ${url} is not found for another account`)
  }
  const ingest = await h.request('POST', '/v1/activity', { ...asB, body: { events: [{ eventId: 'evt-cross-0001', type: 'ActivityAnswered', learnerId: learner.learnerId, activityId: activity, selected: ['right'], responseMs: 1000, occurredAt: new Date().toISOString() }] } })
  t.equal(ingest.status, 404)
  t.equal((await h.request('GET', '/v1/profiles', asB)).body.length, 0)
  const history = await h.request('GET', '/v1/events', asB)
  const foreign = history.text.split('\n').filter(l => l !== '').map(l => JSON.parse(l)).filter(e => e.metadata.accountId !== b.accountId)
  t.same(foreign, [], 'history shows only the caller\'s own events')
  t.equal(await h.eventCount(), before, 'nothing was appended by the other account')
})
