// Integration: `mastery-sync mastery --learner --as-of` in a child process on a real SQLite
// DATA_DIR: the same answer as GET /v1/learners/{id}/mastery?asOf=, at any past instant, both
// while the service runs (it reads what the service stores) and alone on the store.
import t from 'tap'
import { harness, buildProfile, newLearner } from './helpers/harness.ts'
import { runCliOn as cli } from './helpers/cli.ts'

const start = Date.parse('2026-03-01T08:00:00Z')
const hour = 3600_000

t.test('mastery as of two instants: before and after the learner practised', async t => {
  const h = await harness(t, { clock: start })
  const { adminKey } = await h.newAccount()
  const { profileId, concepts } = await buildProfile(h, adminKey, { concepts: 2, goal: 2 })
  const learner = await newLearner(h, adminKey, profileId)
  h.clock.now = start + 2 * hour
  const events = concepts.flatMap((concept, c) => concept.activities.map((activity, a) => ({
    eventId: `answer-${c}-${a}`, type: 'ActivityAnswered', learnerId: learner.learnerId, activityId: activity.activityId, selected: ['right'], responseMs: 2000, occurredAt: new Date(start + hour + a * 60_000).toISOString()
  })))
  t.equal((await h.request('POST', '/v1/activity', { token: adminKey, body: { events } })).status, 202)
  const before = new Date(start + hour / 2).toISOString()
  const after = new Date(start + hour + 10 * 60_000).toISOString()
  const api = async (asOf: string) => (await h.request('GET', `/v1/learners/${learner.learnerId}/mastery?asOf=${asOf}`, { token: adminKey })).body

  const expectedBefore = await api(before)
  const expectedAfter = await api(after)
  t.equal(expectedBefore.profiles[0].progress, 0)
  t.ok(expectedAfter.profiles[0].progress > 0, 'the answers count at the later instant')

  // While the service runs: the command reads what the service has stored.
  const running = await cli(['mastery', '--learner', learner.learnerId, '--as-of', before, '--json'], h.dir)
  t.equal(running.status, 0, running.stderr)
  t.equal(running.stderr, '', 'the service had stored everything')
  t.same(JSON.parse(running.stdout), expectedBefore, 'as the API answers, before the practice')

  await h.app.close()
  await h.service.close()
  // Alone on the store: it brings the read models up to the head itself.
  const alone = await cli(['mastery', '--learner', learner.learnerId, '--as-of', after, '--json'], h.dir)
  t.equal(alone.status, 0, alone.stderr)
  t.same(JSON.parse(alone.stdout), expectedAfter, 'as the API answers, after the practice')

  const table = await cli(['mastery', '--learner', learner.learnerId, '--as-of', after], h.dir)
  t.equal(table.status, 0, table.stderr)
  const progress = `${(expectedAfter.profiles[0].progress * 100).toFixed(1)} %`
  t.match(table.stdout, `learner ${learner.learnerId}, as of ${expectedAfter.asOf}`)
  t.match(table.stdout, `International Flags (${profileId}): ${progress}`)
  for (const concept of expectedAfter.profiles[0].concepts) t.match(table.stdout, new RegExp(`${concept.conceptId}\\s+${concept.level.toFixed(2)}\\s+2\\s+(yes|no)`))

  const unknown = await cli(['mastery', '--learner', 'lrn_nobody', '--as-of', after], h.dir)
  t.equal(unknown.status, 1)
  t.match(unknown.stderr, 'no learner lrn_nobody in this store')
  const badTime = await cli(['mastery', '--learner', learner.learnerId, '--as-of', 'last tuesday'], h.dir)
  t.not(badTime.status, 0)
  t.match(badTime.stderr, /ISO 8601/)
})
