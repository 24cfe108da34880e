// Who may frame the player: the account's allowed LMS origins become the page's CSP
// frame-ancestors in an LMS launch; the app's own page may not be framed at all.
import t from 'tap'
import { harness, buildProfile, newLearner, tokenSecret } from '../helpers/harness.ts'
import { launchKeyFor } from '../../src/app/credentials.ts'

const frameAncestors = (csp: unknown): string | undefined => /frame-ancestors ([^;]+)/.exec(String(csp))?.[1]

t.test('lmsOrigins: any origin by default, only the listed ones once set, back to any when left out', async t => {
  const h = await harness(t)
  const { adminKey: token, accountId } = await h.newAccount('growth')
  const profile = await buildProfile(h, token)
  await h.request('PUT', `/v1/profiles/${profile.profileId}/lms-integration`, { token, body: { enabled: true } })
  const pkg = await h.request('POST', `/v1/profiles/${profile.profileId}/packages`, { token, body: { title: 'Flags', format: 'scorm12' } })
  const learner = await newLearner(h, token)
  await h.request('POST', `/v1/learners/${learner.learnerId}/lms-links`, { token, body: { lmsUserId: 'u-1' } })
  const launch = async () => {
    const res = await h.request('POST', '/v1/lms/launch', { body: { packageId: pkg.body.packageId, revision: 1, launchKey: launchKeyFor(tokenSecret, pkg.body.packageId, 1), standard: 'scorm12', lmsUserId: 'u-1' } })
    t.equal(res.status, 201, res.text)
    const url = new URL(res.body.playerUrl)
    t.equal(url.searchParams.get('account'), accountId, 'the player URL names the account (the token stays in the fragment)')
    t.notOk(url.search.includes('token'), 'no token in the query')
    return (await h.request('GET', url.pathname + url.search)).headers['content-security-policy']
  }

  t.equal(frameAncestors(await launch()), '*', 'default: any LMS may frame the player')

  const origins = ['https://lms.example.edu', 'https://*.cdn.example.edu:8443', 'http://localhost:8080']
  const set = await h.request('PUT', '/v1/account/settings', { token, body: { unknownLmsUsers: 'reject', lmsOrigins: [...origins, origins[0]] } })
  t.equal(set.status, 200, set.text)
  t.same((await h.request('GET', '/v1/account', { token, headers: { 'x-min-position': String(set.body.position) } })).body.settings, { unknownLmsUsers: 'reject', lmsOrigins: origins }, 'stored once each')
  t.equal(frameAncestors(await launch()), origins.join(' '), 'only the listed origins')

  const cleared = await h.request('PUT', '/v1/account/settings', { token, body: { unknownLmsUsers: 'reject' } })
  await h.request('GET', '/v1/account', { token, headers: { 'x-min-position': String(cleared.body.position) } })
  t.equal(frameAncestors(await launch()), '*', 'settings are replaced as a whole: leaving lmsOrigins out allows any origin again')
})

t.test('the player opened directly (the app) or for an unknown account may not be framed', async t => {
  const h = await harness(t)
  for (const url of ['/player/', '/player/?account=acc_nobody', '/player/?account=%27self%27%3B%20script-src%20*', '/player/player.js']) {
    const res = await h.request('GET', url)
    t.equal(res.status, 200)
    t.equal(frameAncestors(res.headers['content-security-policy']), "'none'", url)
  }
})

t.test('an origin that is not a plain scheme://host[:port] is refused, and nothing is written', async t => {
  const h = await harness(t)
  const { adminKey: token } = await h.newAccount('growth')
  const before = await h.eventCount()
  for (const origin of ['*', "'self'", 'https://lms.example.edu/path', 'https://lms.example.edu; script-src *', 'javascript:alert(1)', 'https://*', 'lms.example.edu', 'https://a b.example', 'ftp://lms.example.edu']) {
    const res = await h.request('PUT', '/v1/account/settings', { token, body: { unknownLmsUsers: 'reject', lmsOrigins: [origin] } })
    t.equal(res.status, 400, origin)
    t.equal(res.body.error.code, 'MS_ERR_VALIDATION', origin)
  }
  t.equal((await h.request('PUT', '/v1/account/settings', { token, body: { unknownLmsUsers: 'reject', lmsOrigins: [] } })).status, 400, 'an empty list (no LMS could launch) is refused')
  t.equal(await h.eventCount(), before, 'nothing appended')
})
