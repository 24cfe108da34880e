import t from 'tap'
import { harness, buildProfile, newLearner } from '../helpers/harness.ts'
import type { Harness } from '../helpers/harness.ts'
import { tokenSecret } from '../helpers/harness.ts'
import { launchKeyFor } from '../../src/app/credentials.ts'

const day = 24 * 3600_000

async function dump (h: Harness, projection: string) {
  // Every document of the projection, read straight from the read-model table.
  const docs = await h.service.ctx.runner.list<unknown>(projection, '', 1_000_000)
  return Object.fromEntries(docs.map(d => [d.key, d.doc]))
}

t.test('rebuilding every projection from zero gives identical state', async t => {
  const h = await harness(t, { clock: Date.parse('2026-03-01T09:00:00Z') })
  const { adminKey } = await h.newAccount()
  const { profileId, concepts, moduleId } = await buildProfile(h, adminKey, { concepts: 3 })
  const learners = [await newLearner(h, adminKey, profileId), await newLearner(h, adminKey, profileId)]
  let n = 0
  for (let d = 0; d < 6; d++) {
    h.clock.now += day
    for (const learner of learners) {
      const events = concepts.flatMap(c => c.activities).map(a => ({
        eventId: `evt-replay-${n++}`, type: 'ActivityAnswered', learnerId: learner.learnerId, activityId: a.activityId,
        selected: [(n % 3 === 0) ? a.wrong : a.correct], responseMs: 1000 + (n % 7) * 3000, occurredAt: new Date(h.clock.now - (n % 5) * 3600_000).toISOString()
      }))
      const res = await h.request('POST', '/v1/activity', { token: adminKey, body: { events } })
      t.equal(res.status, 202)
    }
  }
  await h.request('PATCH', `/v1/concepts/${concepts[0]?.conceptId}`, { token: adminKey, body: { title: 'Renamed' } })
  await h.request('DELETE', `/v1/concepts/${concepts[1]?.conceptId}`, { token: adminKey })
  await h.request('PUT', `/v1/profiles/${profileId}/modules/${moduleId}`, { token: adminKey, body: { goal: 2 } })
  await h.request('PUT', `/v1/profiles/${profileId}/lms-integration`, { token: adminKey, body: { enabled: true } })
  // The LMS side too: a link, a package, a launched and committed LMS session.
  await h.request('POST', `/v1/learners/${learners[0]?.learnerId}/lms-links`, { token: adminKey, body: { lmsUserId: 'stu-replay' } })
  const pkg = await h.request('POST', `/v1/profiles/${profileId}/packages`, { token: adminKey, body: { title: 'Replay', format: 'scorm12' } })
  await h.service.packageBuilder.waitFor(await h.service.ctx.store.headPosition())
  const launched = await h.request('POST', '/v1/lms/launch', { body: { packageId: pkg.body.packageId, revision: 1, launchKey: launchKeyFor(tokenSecret, pkg.body.packageId, 1), standard: 'scorm12', lmsUserId: 'stu-replay' } })
  h.clock.now += 60_000
  t.equal((await h.request('POST', `/v1/lms/sessions/${launched.body.sessionId}/exit`, { token: launched.body.token, body: { how: 'exit' } })).status, 200)
  await h.service.ctx.runner.waitFor(await h.service.ctx.store.headPosition())

  for (const projection of h.service.ctx.runner.projections) {
    const before = await dump(h, projection)
    await h.service.ctx.runner.rebuild(projection)
    const after = await dump(h, projection)
    t.ok(Object.keys(before).length > 0, `${projection} has documents`)
    t.same(after, before, `${projection} rebuilt from zero is identical`)
  }
  const mastery = await h.request('GET', `/v1/learners/${learners[0]?.learnerId}/mastery`, { token: adminKey })
  t.equal(mastery.body.profiles[0].concepts.length, 2, 'the removed concept no longer counts')
})
