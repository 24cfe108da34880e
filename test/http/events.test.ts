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
  const keyIssued = all.find(e => e.type === 'AdminKeyIssued')
  t.equal(keyIssued.data.keyHash, '[redacted]', 'nor do admin key hashes')

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

t.test('GET /v1/events filters by recorded time and by several streams; bad filters are 400 with a stable code', async t => {
  const day1 = Date.parse('2026-03-01T08:00:00Z')
  const day2 = Date.parse('2026-03-02T08:00:00Z')
  const h = await harness(t, { clock: day1 })
  const { adminKey } = await h.newAccount()
  const { profileId, moduleId } = await buildProfile(h, adminKey)
  h.clock.now = day2
  await newLearner(h, adminKey, profileId)
  const all = lines((await h.request('GET', '/v1/events', { token: adminKey })).text)
  const firstDay = all.filter(e => e.recordedAt === '2026-03-01T08:00:00.000Z')
  t.ok(firstDay.length > 5 && firstDay.length < all.length)

  const to = lines((await h.request('GET', '/v1/events?to=2026-03-02T08:00:00Z', { token: adminKey })).text)
  t.same(to, firstDay, 'to is exclusive')
  const from = lines((await h.request('GET', '/v1/events?from=2026-03-02T08:00:00Z', { token: adminKey })).text)
  t.same(from, all.slice(firstDay.length), 'from is inclusive')
  t.ok(from.some(e => e.type === 'LearnerRegistered'))
  const range = lines((await h.request('GET', '/v1/events?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z&type=ProfileCreated', { token: adminKey })).text)
  t.same(range.map(e => e.type), ['ProfileCreated'])

  const streams = lines((await h.request('GET', `/v1/events?stream=profile-${profileId},module-${moduleId}`, { token: adminKey })).text)
  t.same(streams, all.filter(e => e.streamId === `profile-${profileId}` || e.streamId === `module-${moduleId}`))
  const prefixes = lines((await h.request('GET', '/v1/events?stream=learner-*,account-*', { token: adminKey })).text)
  t.same(prefixes, all.filter(e => e.streamId.startsWith('learner-') || e.streamId.startsWith('account-')))

  for (const [query, message] of [
    ['type=ProfileCreated,NoSuchEvent', /unknown event type NoSuchEvent; the event types are .*ActivityAnswered.*ProfileCreated/],
    ['type=,', /type names no event type/],
    ['stream=mod*ule', /a stream is an exact id or a prefix ending in \*/],
    ['from=last%20week', /from must be an ISO 8601 time/],
    ['to=2026-02-30T00:00:00Z', /to must be an ISO 8601 time/],
    ['from=2026-03-02T00:00:00Z&to=2026-03-02T00:00:00Z', /from \(2026-03-02T00:00:00Z\) must be before to/]
  ] as const) {
    const res = await h.request('GET', `/v1/events?${query}`, { token: adminKey })
    t.equal(res.status, 400, query)
    t.equal(res.body.error.code, 'MS_ERR_INVALID_FILTER', query)
    t.match(res.body.error.message, message, query)
  }
})

t.test('GET /v1/events streams: it reads the log a page at a time, as the client takes the lines', async t => {
  const h = await harness(t)
  const { accountId, adminKey } = await h.newAccount()
  const pages = 12
  for (let p = 0; p < pages; p++) {
    await h.service.ctx.store.append(`activity-lrn_paged${p}`, Array.from({ length: 1000 }, (_, i) => ({
      id: `paged-${p}-${i}`,
      type: 'CardViewed',
      data: { learnerId: `lrn_paged${p}`, cardId: 'crd_x', conceptId: 'con_x', occurredAt: new Date(h.clock.now).toISOString(), note: 'x'.repeat(200) },
      metadata: { accountId, actor: { kind: 'app', id: 'test' } }
    })))
  }
  // Count the pages the route asks the store for.
  const store = h.service.ctx.store
  const readAll = store.readAll.bind(store)
  let reads = 0
  store.readAll = async options => { reads++; return readAll(options) }
  t.teardown(() => { store.readAll = readAll })

  const res = await h.app.inject({ method: 'GET', url: '/v1/events?limit=100000', headers: { authorization: `Bearer ${adminKey}` }, payloadAsStream: true })
  t.equal(res.statusCode, 200)
  const body = res.stream()
  const chunks: Buffer[] = []
  await new Promise<void>(resolve => body.on('data', (chunk: Buffer) => {
    chunks.push(chunk)
    if (chunks.length === 1) {
      body.pause()
      resolve()
    }
  }))
  t.match(chunks[0]?.toString('utf8'), /^\{"position":1,/)
  // A paused client holds the reading back: between the route and the client a few pages are
  // buffered (the route's stream, the response, the client's side), not the log.
  await new Promise(resolve => setImmediate(resolve))
  t.ok(reads <= pages / 2, `read ${reads} pages of ${pages} before the client took more`)
  const ended = new Promise(resolve => body.once('end', resolve))
  body.resume()
  await ended
  const text = Buffer.concat(chunks).toString('utf8')
  t.equal(lines(text).length, pages * 1000 + 2, 'then every event (and the account\'s own two)')
  t.ok(reads >= pages, 'page by page')
})
