// Every answer carries a Content-Security-Policy: the pages their own (none inline scripts
// except swagger-ui's hashed ones), the API a deny-all one; none of them can be framed except
// the player in an LMS launch (test/http/framing.test.ts).
import t from 'tap'
import { harness } from '../helpers/harness.ts'

t.test('a CSP and nosniff on every kind of answer; pages that are not the player may not be framed', async t => {
  const h = await harness(t)
  const { adminKey } = await h.newAccount()
  const answers = {
    'API JSON': await h.request('GET', '/v1/profiles', { token: adminKey }),
    'API error': await h.request('GET', '/v1/profiles'),
    'no such route': await h.request('GET', '/nothing'),
    'undecodable path (a router error)': await h.request('GET', '/v1/profiles/%zz'),
    health: await h.request('GET', '/health'),
    'OpenAPI JSON': await h.request('GET', '/docs/json'),
    'API reference page': await h.request('GET', '/docs/'),
    'admin page': await h.request('GET', '/admin/'),
    'launch refusal page': await h.request('GET', '/lms/aicc/launch?package=p&revision=1&key=k'),
    'player (no launch)': await h.request('GET', '/player/')
  }
  for (const [what, res] of Object.entries(answers)) {
    const csp = String(res.headers['content-security-policy'] ?? '')
    t.ok(csp.length > 0, `${what} (${res.status}): ${csp}`)
    t.equal(res.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`)
    if (what !== 'launch refusal page') t.match(csp, /frame-ancestors 'none'/, `${what}: not framed`)
  }
  t.match(answers['API JSON'].headers['content-security-policy'], /^default-src 'none'/, 'data answers: nothing may run')
  t.equal(answers['API reference page'].status, 200)
  t.match(answers['API reference page'].text, /<html/i, 'the reference page itself')
  t.notMatch(answers['API reference page'].headers['content-security-policy'], /unsafe-inline|upgrade-insecure-requests|frame-ancestors 'self'/, 'no inline script, no scheme upgrade, no framing')
})
