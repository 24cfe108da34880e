// Sign-in and launches are limited per client address: a 429 with a code, a message a person
// can act on and Retry-After; nothing is appended; other addresses and the next minute go on.
import t from 'tap'
import { buildApp } from '../../src/http/app.ts'
import { loadConfig } from '../../src/config.ts'
import { harness, newLearner, operatorToken } from '../helpers/harness.ts'

const limits = { loginPerMinute: 5, loginPerEmailPerMinute: 3, launchPerMinute: 4 }

async function limitedApp (t: Parameters<typeof harness>[0]) {
  const h = await harness(t, { clock: Date.parse('2026-05-04T08:00:00Z') })
  const app = await buildApp(h.service.ctx, loadConfig({ DATA_DIR: h.dir, OPERATOR_TOKEN: operatorToken, SEED_DEMO: 'false' }), { rateLimits: limits })
  t.teardown(() => app.close())
  const send = async (method: 'GET' | 'POST', url: string, payload?: object, remoteAddress = '198.51.100.7') => {
    const res = await app.inject({ method, url, remoteAddress, ...(payload === undefined ? {} : { payload }) })
    return { status: res.statusCode, headers: res.headers, body: res.body, json: () => res.json() }
  }
  return { h, send }
}

t.test('sign-in: per address and email, then per address; 429 with Retry-After; the next minute is free again', async t => {
  const { h, send } = await limitedApp(t)
  const { adminKey } = await h.newAccount()
  const learner = await newLearner(h, adminKey)
  const wrong = { email: learner.email, password: 'not the password' }
  for (let i = 0; i < 3; i++) t.equal((await send('POST', '/v1/auth/login', wrong)).status, 401, `wrong password ${i + 1}`)
  const before = await h.eventCount()
  const limited = await send('POST', '/v1/auth/login', { email: learner.email, password: learner.password })
  t.equal(limited.status, 429, 'the fourth try for this email from this address waits, even with the right password')
  t.equal(limited.json().error.code, 'MS_ERR_RATE_LIMITED')
  t.match(limited.json().error.message, /wait \d+ seconds/)
  t.equal(limited.headers['retry-after'], '60')
  t.equal(await h.eventCount(), before, 'nothing appended')

  t.equal((await send('POST', '/v1/auth/login', { email: learner.email, password: learner.password }, '203.0.113.9')).status, 200, 'another address signs in')
  t.equal((await send('POST', '/v1/auth/login', { email: 'someone@example.org', password: 'whatever1' })).status, 401, 'another email from the first address: its fifth try')
  t.equal((await send('POST', '/v1/auth/login', { email: 'else@example.org', password: 'whatever1' })).status, 429, 'past five tries from one address, any email waits')

  h.clock.now += 45_000
  t.equal((await send('POST', '/v1/auth/login', wrong)).headers['retry-after'], '15', 'Retry-After counts down')
  h.clock.now += 15_000
  t.equal((await send('POST', '/v1/auth/login', { email: learner.email, password: learner.password })).status, 200, 'a minute later the learner signs in')
})

t.test('launches: the JSON launch answers 429; the launch pages an LMS opens show a page with Retry-After', async t => {
  const { send } = await limitedApp(t)
  const body = { packageId: 'pkg_nothing', revision: 1, launchKey: 'x'.repeat(43), standard: 'scorm12', lmsUserId: 'u' }
  for (let i = 0; i < 4; i++) t.equal((await send('POST', '/v1/lms/launch', body)).status, 404, `launch ${i + 1}: no such package`)
  const limited = await send('POST', '/v1/lms/launch', body)
  t.equal(limited.status, 429)
  t.equal(limited.json().error.code, 'MS_ERR_RATE_LIMITED')
  t.ok(Number(limited.headers['retry-after']) > 0)

  const page = await send('GET', '/lms/cmi5/launch?package=pkg_nothing&revision=1&key=x&endpoint=http://127.0.0.1:1/')
  t.equal(page.status, 429, 'launch pages share the address\'s count')
  t.match(page.headers['content-type'], /text\/html/)
  t.match(page.body, /Too many course launches from your network; wait \d+ seconds/)
  t.ok(Number(page.headers['retry-after']) > 0)
  t.equal((await send('GET', '/lms/aicc/launch?package=p&revision=1&key=x', undefined, '203.0.113.9')).status, 404, 'another address is not limited (refused for what it is)')
})

t.test('behind a trusted proxy each client counts for itself; IPv6 clients count per /64', async t => {
  const h = await harness(t)
  const config = loadConfig({ DATA_DIR: h.dir, OPERATOR_TOKEN: operatorToken, SEED_DEMO: 'false', TRUST_PROXY: '127.0.0.1' })
  const behindProxy = await buildApp(h.service.ctx, config, { rateLimits: limits })
  const direct = await buildApp(h.service.ctx, { ...config, trustProxy: false }, { rateLimits: limits })
  t.teardown(async () => { await behindProxy.close(); await direct.close() })
  const login = (app: typeof direct, client: string) => app.inject({ method: 'POST', url: '/v1/auth/login', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': client }, payload: { email: 'x@example.org', password: 'not the password' } })
  for (let i = 0; i < 3; i++) t.equal((await login(behindProxy, '198.51.100.1')).statusCode, 401)
  t.equal((await login(behindProxy, '198.51.100.1')).statusCode, 429, 'the fourth try of one client behind the proxy waits')
  t.equal((await login(behindProxy, '198.51.100.2')).statusCode, 401, 'another client behind the same proxy does not')
  for (let i = 0; i < 3; i++) await login(direct, `198.51.100.${10 + i}`)
  t.equal((await login(direct, '198.51.100.99')).statusCode, 429, 'without TRUST_PROXY the header is not believed: all are the proxy')

  for (let i = 0; i < 3; i++) await login(behindProxy, `2001:db8:1:2::${i + 1}`)
  t.equal((await login(behindProxy, '2001:db8:1:2:ffff::9')).statusCode, 429, 'another address of the same IPv6 /64 is the same client')
  t.equal((await login(behindProxy, '2001:db8:1:3::1')).statusCode, 401, 'the next /64 is another client')
})
