import t from 'tap'
import { harness, buildProfile } from '../helpers/harness.ts'

t.test('malformed requests get stable codes, not 5xx', async t => {
  const h = await harness(t)
  const { adminKey } = await h.newAccount()
  const before = await h.eventCount()
  const badJson = await h.app.inject({ method: 'POST', url: '/v1/modules', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, payload: '{"title": ' })
  t.equal(badJson.statusCode, 400)
  t.equal(badJson.json().error.code, 'MS_ERR_BAD_JSON')
  const wrongType = await h.app.inject({ method: 'POST', url: '/v1/modules', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'text/xml' }, payload: '<title/>' })
  t.equal(wrongType.statusCode, 415)
  t.equal(wrongType.json().error.code, 'MS_ERR_UNSUPPORTED_MEDIA_TYPE')
  const huge = await h.app.inject({ method: 'POST', url: '/v1/modules', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, payload: JSON.stringify({ title: 'x'.repeat(2 * 1024 * 1024) }) })
  t.equal(huge.statusCode, 413)
  t.equal(huge.json().error.code, 'MS_ERR_BODY_TOO_LARGE')
  const noRoute = await h.request('GET', '/v1/nothing-here')
  t.equal(noRoute.status, 404)
  t.equal(noRoute.body.error.code, 'MS_ERR_ROUTE_NOT_FOUND')
  const badParam = await h.request('GET', '/v1/modules/has%20space', { token: adminKey })
  t.equal(badParam.body.error.code, 'MS_ERR_VALIDATION')
  const longParam = await h.request('GET', `/v1/modules/${'x'.repeat(5000)}`, { token: adminKey })
  t.equal(longParam.status, 414, 'a path part longer than any id: our error shape, not the router\'s')
  t.equal(longParam.body.error.code, 'MS_ERR_URI_TOO_LONG')
  const badPercent = await h.request('GET', '/v1/modules/%zz', { token: adminKey })
  t.equal(badPercent.status, 400)
  t.equal(badPercent.body.error.code, 'MS_ERR_VALIDATION')
  const noAuth = await h.request('GET', '/v1/profiles', { headers: { authorization: 'Basic abc' } })
  t.equal(noAuth.body.error.code, 'MS_ERR_UNAUTHENTICATED')
  t.equal(await h.eventCount(), before, 'nothing appended')
})

t.test('unicode, markup and long text are stored as given and returned intact', async t => {
  const h = await harness(t)
  const { adminKey } = await h.newAccount()
  const title = '<script>alert("x")</script> Flaggen & Fähnchen 🇩🇪 \u202e'
  const m = await h.request('POST', '/v1/modules', { token: adminKey, body: { title } })
  t.equal(m.status, 201)
  t.equal((await h.request('GET', `/v1/modules/${m.body.id}`, { token: adminKey })).body.title, title)
})

t.test('X-Min-Position makes a read wait for a write; an unreachable position times out with a code', async t => {
  const h = await harness(t)
  const { adminKey } = await h.newAccount()
  const { profileId } = await buildProfile(h, adminKey)
  const w = await h.request('PUT', `/v1/profiles/${profileId}/lms-integration`, { token: adminKey, body: { enabled: true } })
  const r = await h.request('GET', `/v1/profiles/${profileId}`, { token: adminKey, headers: { 'x-min-position': String(w.body.position) } })
  t.equal(r.body.lmsIntegration.enabled, true)
  const far = await h.request('GET', `/v1/profiles/${profileId}`, { token: adminKey, headers: { 'x-min-position': '999999999' } })
  t.equal(far.status, 503)
  t.equal(far.body.error.code, 'MS_ERR_READ_TIMEOUT')
})

t.test('the OpenAPI document describes the public contract', async t => {
  const h = await harness(t)
  const res = await h.request('GET', '/docs/json')
  t.equal(res.status, 200)
  const paths = Object.keys(res.body.paths)
  for (const path of ['/v1/accounts', '/v1/modules', '/v1/modules/{moduleId}/concepts', '/v1/concepts/{conceptId}/activities', '/v1/concepts/{conceptId}/cards',
    '/v1/activities/{id}', '/v1/cards/{id}', '/v1/profiles', '/v1/profiles/{profileId}', '/v1/profiles/{profileId}/modules/{moduleId}',
    '/v1/profiles/{profileId}/lms-integration', '/v1/learners', '/v1/learners/{learnerId}', '/v1/profiles/{profileId}/assignments/{learnerId}',
    '/v1/learners/{learnerId}/mastery', '/v1/auth/login', '/v1/auth/logout', '/v1/me/profiles', '/v1/me/moments', '/v1/me/moments/{momentId}/answers',
    '/v1/me/profiles/{profileId}/cards', '/v1/me/password', '/v1/activity', '/v1/events', '/health', '/ready']) {
    t.ok(paths.includes(path), `${path} is documented`)
  }
  t.equal((await h.request('GET', '/health')).body.status, 'ok')
  t.equal((await h.request('GET', '/ready')).status, 200)
})

t.test('a database out of reach is a retryable 503 with its own code, not a 500', async t => {
  const { toErrorReply } = await import('../../src/http/error-handler.ts')
  const cases = [
    Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    new Error('Client has encountered a connection error and is not queryable'),
    new TypeError('fetch failed', { cause: Object.assign(new Error('server closed the connection'), { code: '08006' }) })
  ]
  for (const error of cases) t.match(toErrorReply(error), { status: 503, body: { error: { code: 'MS_ERR_STORE_UNAVAILABLE' } } }, error.message)
  t.equal(toErrorReply(new Error('something else')), undefined, 'other errors stay unexpected (500, logged)')
})
