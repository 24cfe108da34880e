// AICC launches: the LMS opens our launch URL with aicc_sid and aicc_url; the service asks the
// LMS who the learner is (GetParam) against a stand-in LMS that is a real HTTP server written
// from CMI001 (test/helpers/peers/aicc-hacp-lms.ts), then applies the usual launch rules.
import t, { type Test } from 'tap'
import { harness, tokenSecret } from '../helpers/harness.ts'
import { aiccAccount } from '../helpers/aicc.ts'
import { startAiccHacpLms } from '../helpers/peers/aicc-hacp-lms.ts'
import { launchKeyFor } from '../../src/app/credentials.ts'

async function setup (t: Test) {
  const h = await harness(t)
  const { token, profile, packageId, learner } = await aiccAccount(h)
  const lms = await startAiccHacpLms(t)
  const key = launchKeyFor(tokenSecret, packageId, 1)
  const launchUrl = (query: string) => `/lms/aicc/launch?package=${packageId}&revision=1&key=${encodeURIComponent(key)}${query === '' ? '' : `&${query}`}`
  return { h, token, profile, packageId, learner, lms, key, launchUrl }
}

t.test('the learner is who the LMS says, not who the URL says; the player opens locked to the profile', async t => {
  const { h, profile, learner, lms, launchUrl } = await setup(t)
  const session = lms.createSession({ studentId: 'lms-user-42', studentName: 'Lovelace, Ada' })
  const res = await h.app.inject({ method: 'GET', url: launchUrl(`${session.launchQuery}&student_id=someone-else`) })
  t.equal(res.statusCode, 303, res.body)
  const location = String(res.headers.location)
  t.match(location, /\/player\/\?session=lms_[^#]+#token=mst_[^&]+&session=lms_[^&]+&profile=[^&]+&mode=lms$/, 'on to the player, the token in the fragment only')
  t.equal(res.headers['cache-control'], 'no-store')
  t.same(lms.session(session.sessionId).exchanges.map(e => e.command), ['getparam'], 'GetParam first, server to server')
  const fragment = new URLSearchParams(location.split('#')[1])
  const launched = (await h.service.ctx.store.readStream(`lms-session-${fragment.get('session') ?? ''}`))[0]
  t.match(launched?.data, { learnerId: learner.learnerId, lmsUserId: 'lms-user-42', format: 'aicc', aicc: { url: session.aiccUrl, sessionId: session.sessionId } })
  const mine = await h.request('GET', '/v1/me/profiles', { token: fragment.get('token') ?? '' })
  t.same(mine.body.profiles.map((p: { profileId: string }) => p.profileId), [profile.profileId], 'locked to the launched profile')
})

t.test('parameter names in any case, and aicc_sid glued onto the key by an LMS that appends "?"', async t => {
  const { h, packageId, key, lms } = await setup(t)
  const first = lms.createSession({ studentId: 'lms-user-42' })
  const upper = await h.app.inject({ method: 'GET', url: `/lms/aicc/launch?PACKAGE=${packageId}&Revision=1&KEY=${encodeURIComponent(key)}&AICC_SID=${first.sessionId}&AICC_URL=${encodeURIComponent(first.aiccUrl)}` })
  t.equal(upper.statusCode, 303, upper.body)
  const second = lms.createSession({ studentId: 'lms-user-42' })
  const glued = await h.app.inject({ method: 'GET', url: `/lms/aicc/launch?package=${packageId}&revision=1&key=${encodeURIComponent(key)}?${second.launchQuery}` })
  t.equal(glued.statusCode, 303, glued.body)
  // An aicc_url with a query of its own is used as it is (only a glued aicc_sid/aicc_url is unglued).
  const third = lms.createSession({ studentId: 'lms-user-42' })
  const withQuery = `${third.aiccUrl}?inst=5&mode=hacp`
  const queried = await h.app.inject({ method: 'GET', url: `/lms/aicc/launch?package=${packageId}&revision=1&key=${encodeURIComponent(key)}&aicc_sid=${third.sessionId}&aicc_url=${encodeURIComponent(withQuery)}` })
  t.equal(queried.statusCode, 303, queried.body)
  const exchange = lms.session(third.sessionId).exchanges[0]
  t.equal(`${exchange?.path ?? ''}${exchange?.query ?? ''}`, `${new URL(third.aiccUrl).pathname}?inst=5&mode=hacp`, 'GetParam went to the whole aicc_url')
})

t.test('refusals are pages a learner can act on; a forged link never makes the service call its aicc_url', async t => {
  const { h, token, profile, packageId, lms, launchUrl } = await setup(t)
  const page = async (url: string) => {
    const res = await h.app.inject({ method: 'GET', url })
    return { status: res.statusCode, type: String(res.headers['content-type']), body: res.body }
  }
  const session = lms.createSession({ studentId: 'lms-user-42' })
  const forged = await page(`/lms/aicc/launch?package=${packageId}&revision=1&key=forged&${session.launchQuery}`)
  t.equal(forged.status, 401)
  t.match(forged.type, /^text\/html/)
  t.match(forged.body, /could not be verified[\s\S]*MS_ERR_LAUNCH_KEY_INVALID/)
  t.equal(lms.exchanges().length, 0, 'the LMS was never called')

  t.match((await page(launchUrl(''))).body, /MS_ERR_AICC_LAUNCH_INVALID/, 'no aicc_sid / aicc_url')
  t.match((await page(launchUrl(`aicc_sid=x&aicc_url=${encodeURIComponent('file:///etc/passwd')}`))).body, /MS_ERR_AICC_LAUNCH_INVALID/, 'only http(s)')
  t.match((await page(launchUrl(`aicc_sid=nope&aicc_url=${encodeURIComponent(lms.url)}`))).body, /did not accept this course session \(error 3/, 'an HACP error, in words')

  lms.failNext(1, { kind: 'status', status: 503 })
  const down = await page(launchUrl(lms.createSession({ studentId: 'lms-user-42' }).launchQuery))
  t.equal(down.status, 502)
  t.match(down.body, /could not reach your LMS/)

  const stranger = await page(launchUrl(lms.createSession({ studentId: 'not-linked', studentName: '<script>x</script>' }).launchQuery))
  t.equal(stranger.status, 403)
  t.match(stranger.body, /is not linked to a learner yet/)
  t.notMatch(stranger.body, /<script>/, 'escaped')

  await h.request('PUT', `/v1/profiles/${profile.profileId}/lms-integration`, { token, body: { enabled: false } })
  t.match((await page(launchUrl(lms.createSession({ studentId: 'lms-user-42' }).launchQuery))).body, /turned off by your administrator/)

  const launches = (await h.service.ctx.store.readAll({ maxCount: 10_000 })).filter(e => e.type === 'LmsSessionLaunched')
  t.equal(launches.length, 0, 'no refused launch opened a session')
})
