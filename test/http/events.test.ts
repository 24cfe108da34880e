import t from 'tap'
import { harness, buildProfile, newLearner } from '../helpers/harness.ts'

const lines = (text: string) => text.split('\n').filter(l => l !== '').map(l => JSON.parse(l))

t.test('GET /v1/events streams the account\'s log as NDJSON, in order, with filters', async t => {
  const h = await harness(t)
  const { adminKey } = await h.newAccount()
  const { profileId } = await buildProfile(h, adminKey)
  await newLearner(h, adminKey, profileId)
  const res = await h.app.inject({ method: 'GET', url: '/v1/events', headers: { authorization: `Bearer ${adminKey}` } })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /application\/x-ndjson/)
  const all = lines(res.body)
  t.ok(all.length > 10)
  const positions = all.map(e => e.position)
  t.same([...positions].sort((a, b) => a - b), positions, 'log order')
  t.match(all[0], { type: 'AccountCreated', revision: 0, streamId: /^account-/, recordedAt: /Z$/ })

  const registered = all.find(e => e.type === 'LearnerRegistered')
  t.equal(registered.data.passwordHash, '[redacted]', 'password hashes never leave through history')

  const page = lines((await h.request('GET', `/v1/events?after=${positions[2]}&limit=3`, { token: adminKey })).text)
  t.same(page.map(e => e.position), positions.slice(3, 6))

  const typed = lines((await h.request('GET', '/v1/events?type=ProfileCreated,ProfileModuleGoalSet', { token: adminKey })).text)
  t.same([...new Set(typed.map(e => e.type))].sort(), ['ProfileCreated', 'ProfileModuleGoalSet'])

  const stream = lines((await h.request('GET', `/v1/events?stream=profile-${profileId}`, { token: adminKey })).text)
  t.ok(stream.every(e => e.streamId === `profile-${profileId}`) && stream.length === 2)
  const prefix = lines((await h.request('GET', '/v1/events?stream=module-*', { token: adminKey })).text)
  t.ok(prefix.length > 0 && prefix.every(e => e.streamId.startsWith('module-')))

  t.equal((await h.request('GET', '/v1/events?limit=0', { token: adminKey })).body.error.code, 'MS_ERR_VALIDATION')
  t.equal((await h.request('GET', '/v1/events?after=-1', { token: adminKey })).body.error.code, 'MS_ERR_VALIDATION')
})
