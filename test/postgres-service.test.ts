// The whole service on PostgreSQL (STORE=postgres): the log, the read models with their
// checkpoints, package files and LRS credentials all in one fresh database, the same HTTP API
// on top. A second service process on the same database resumes from the stored checkpoints.
import t from 'tap'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { harness, buildProfile, newLearner, tokenSecret } from './helpers/harness.ts'
import { freshDatabase } from './helpers/pg.ts'
import { launchKeyFor } from '../src/app/credentials.ts'

t.test('on PostgreSQL: content, learners, activity, mastery, packages and an LMS session, then a restart', async t => {
  const database = await freshDatabase(t)
  const dir = t.testdir()
  const storage = { kind: 'postgres', url: database.url } as const
  const h = await harness(t, { dir, storage })
  const token = (await h.newAccount('growth')).adminKey
  const profile = await buildProfile(h, token, { goal: 1, concepts: 1 })
  await h.request('PUT', `/v1/profiles/${profile.profileId}/lms-integration`, { token, body: { enabled: true } })
  const learner = await newLearner(h, token, profile.profileId)

  // App activity, read back with read-your-writes.
  const module = await h.request('GET', `/v1/profiles/${profile.profileId}`, { token })
  const moduleDoc = await h.request('GET', `/v1/modules/${module.body.modules[0].moduleId}`, { token })
  const activity = moduleDoc.body.concepts[0].activities[0]
  const ingested = await h.request('POST', '/v1/activity', {
    token,
    body: { events: [{ eventId: 'pg-evt-1', type: 'ActivityAnswered', learnerId: learner.learnerId, activityId: activity.activityId, selected: ['right'], responseMs: 1200, occurredAt: new Date().toISOString() }] }
  })
  t.equal(ingested.status, 202, ingested.text)
  const mastery = await h.request('GET', `/v1/learners/${learner.learnerId}/mastery`, { token, headers: { 'x-min-position': String(ingested.body.position) } })
  t.equal(mastery.status, 200)
  t.ok(mastery.body.profiles[0].progress > 0, 'the answer counted')

  // A package, built and downloaded; an LMS session launched and committed.
  const created = await h.request('POST', `/v1/profiles/${profile.profileId}/packages`, { token, body: { title: 'Flags on PostgreSQL', format: 'scorm2004' } })
  let pkg = created.body
  for (let i = 0; i < 200 && pkg.status === 'building'; i++) {
    await new Promise(resolve => setTimeout(resolve, 25))
    pkg = (await h.request('GET', `/v1/packages/${created.body.packageId}`, { token })).body
  }
  t.equal(pkg.status, 'ready')
  const zip = await h.app.inject({ method: 'GET', url: `/v1/packages/${pkg.packageId}/download`, headers: { authorization: `Bearer ${token}` } })
  t.equal(zip.statusCode, 200)
  t.equal(zip.headers.etag, `"${pkg.checksum}"`, 'the stored bytes are the ones whose checksum was recorded')
  t.equal((await h.request('POST', `/v1/learners/${learner.learnerId}/lms-links`, { token, body: { lmsUserId: 'pg-user' } })).status, 201)
  const launched = await h.request('POST', '/v1/lms/launch', { body: { packageId: pkg.packageId, revision: 1, launchKey: launchKeyFor(tokenSecret, pkg.packageId, 1), standard: 'scorm2004', lmsUserId: 'pg-user' } })
  t.equal(launched.status, 201, launched.text)
  const exited = await h.request('POST', `/v1/lms/sessions/${launched.body.sessionId}/exit`, { token: launched.body.token, body: { how: 'exit' } })
  t.equal(exited.status, 200)
  t.equal(exited.body.committed, true)

  t.notOk(existsSync(join(dir, 'mastery-sync.sqlite')), 'no embedded store file was made')
  const client = new pg.Client({ connectionString: database.url })
  await client.connect()
  const counts = (await client.query<{ events: string, docs: string, checkpoints: string, files: string }>(`SELECT
    (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM projection_docs) AS docs,
    (SELECT count(*) FROM projection_checkpoints) AS checkpoints, (SELECT count(*) FROM package_files) AS files`)).rows[0]
  await client.end()
  t.ok(Number(counts?.events) > 10, `the log is in PostgreSQL (${counts?.events} events)`)
  t.ok(Number(counts?.files) >= 1, 'so are the package files')
  const headBefore = await h.service.ctx.store.headPosition()
  const historyBefore = await h.request('GET', `/v1/learners/${learner.learnerId}/mastery`, { token })

  // Stop, and start again on the same database: the projections resume from their checkpoints.
  await h.app.close()
  await h.service.close()
  const again = await harness(t, { dir: t.testdir(), storage })
  await again.service.ctx.runner.waitFor(headBefore, { timeoutMs: 10_000 })
  const statuses = again.service.ctx.runner.status()
  t.ok(statuses.every(s => s.position >= headBefore), 'every projection is at the head again')
  const history = await again.request('GET', `/v1/learners/${learner.learnerId}/mastery`, { token })
  t.same(history.body.profiles, historyBefore.body.profiles, 'the same mastery after the restart')
  const session = await again.request('GET', `/v1/learners/${learner.learnerId}`, { token })
  t.equal(session.status, 200)
})
