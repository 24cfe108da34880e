// Who may frame the player: in an open LMS session, its account's allowed LMS origins become
// the page's CSP frame-ancestors; the app's own page may not be framed at all.
import t, { type Test } from 'tap'
import { harness, buildProfile, newLearner, tokenSecret, type Harness } from '../helpers/harness.ts'
import { launchKeyFor } from '../../src/app/credentials.ts'

const frameAncestors = (csp: unknown): string | undefined => /frame-ancestors ([^;]+)/.exec(String(csp))?.[1]

/** An account with a package and a linked LMS user; `launch()` opens a session and reads its player page's policy. */
async function lmsAccount (t: Test, h: Harness) {
  const { adminKey: token } = await h.newAccount('growth')
  const profile = await buildProfile(h, token)
  await h.request('PUT', `/v1/profiles/${profile.profileId}/lms-integration`, { token, body: { enabled: true } })
  const pkg = await h.request('POST', `/v1/profiles/${profile.profileId}/packages`, { token, body: { title: 'Flags', format: 'scorm12' } })
  const learner = await newLearner(h, token)
  await h.request('POST', `/v1/learners/${learner.learnerId}/lms-links`, { token, body: { lmsUserId: 'u-1' } })
  const launch = async () => {
    const res = await h.request('POST', '/v1/lms/launch', { body: { packageId: pkg.body.packageId, revision: 1, launchKey: launchKeyFor(tokenSecret, pkg.body.packageId, 1), standard: 'scorm12', lmsUserId: 'u-1' } })
    t.equal(res.status, 201, res.text)
    const url = new URL(res.body.playerUrl)
    t.equal(url.searchParams.get('session'), res.body.sessionId, 'the player URL names the session (the token stays in the fragment)')
    t.notOk(url.search.includes('token'), 'no token in the query')
    const page = url.pathname + url.search
    return { page, sessionToken: res.body.token as string, sessionId: res.body.sessionId as string, policy: frameAncestors((await h.request('GET', page)).headers['content-security-policy']) }
  }
  const settings = async (lmsOrigins?: string[]) => {
    const set = await h.request('PUT', '/v1/account/settings', { token, body: { unknownLmsUsers: 'reject', ...(lmsOrigins === undefined ? {} : { lmsOrigins }) } })
    t.equal(set.status, 200, set.text)
    await h.request('GET', '/v1/account', { token, headers: { 'x-min-position': String(set.body.position) } })
  }
  return { token, launch, settings }
}

t.test('lmsOrigins: any origin by default, only the listed ones once set, back to any when left out', async t => {
  const h = await harness(t)
  const a = await lmsAccount(t, h)
  t.equal((await a.launch()).policy, '*', 'default: any LMS may frame the player')

  const origins = ['https://lms.example.edu', 'https://*.cdn.example.edu:8443', 'http://localhost:8080']
  await a.settings([...origins, origins[0] as string])
  t.same((await h.request('GET', '/v1/account', { token: a.token })).body.settings, { unknownLmsUsers: 'reject', lmsOrigins: origins }, 'stored once each')
  t.equal((await a.launch()).policy, origins.join(' '), 'only the listed origins')

  await a.settings()
  t.equal((await a.launch()).policy, '*', 'settings are replaced as a whole: leaving lmsOrigins out allows any origin again')
})

t.test('the rule follows the launched session: an account named in the URL or an unknown session cannot lift it', async t => {
  const h = await harness(t)
  const strict = await lmsAccount(t, h)
  const open = await lmsAccount(t, h)
  await strict.settings(['https://lms.example.edu'])
  const mine = await strict.launch()
  t.equal(mine.policy, 'https://lms.example.edu')
  const theirs = await open.launch()
  t.equal(theirs.policy, '*', 'an account without a list: any origin, for its own sessions only')

  const policyOf = async (url: string) => frameAncestors((await h.request('GET', url)).headers['content-security-policy'])
  t.equal(await policyOf(`/player/?account=${encodeURIComponent('whatever')}`), "'none'", 'an account named in the query is not a launch')
  t.equal(await policyOf('/player/?session=lms_nothing'), "'none'", 'an unknown session')
  const exited = await h.request('POST', `/v1/lms/sessions/${mine.sessionId}/exit`, { token: mine.sessionToken, body: { how: 'exit' } })
  t.equal(exited.status, 200, exited.text)
  t.equal(await policyOf(mine.page), 'https://lms.example.edu', 'after Exit the rule stays (a reload in the LMS says the session ended)')
})

t.test('the player opened directly (the app) may not be framed', async t => {
  const h = await harness(t)
  for (const url of ['/player/', '/player/?session=lms_nobody', '/player/?session=%27self%27%3B%20script-src%20*', '/player/player.js']) {
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
