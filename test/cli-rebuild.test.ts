// Integration: `mastery-sync rebuild <projection>` in a child process on a real store (SQLite
// DATA_DIR, then PostgreSQL): it gives back the read model the service had built, and refuses
// to run while a service runs the projections of the same store.
import t from 'tap'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import pg from 'pg'
import { harness, buildProfile, newLearner, type Harness } from './helpers/harness.ts'
import { freshDatabase } from './helpers/pg.ts'
import { runCli as cli } from './helpers/cli.ts'

/** Some of everything the projections follow: content, a learner, answers. */
async function history (h: Harness): Promise<void> {
  const { adminKey } = await h.newAccount()
  const { profileId, concepts } = await buildProfile(h, adminKey)
  const learner = await newLearner(h, adminKey, profileId)
  const events = concepts.flatMap((concept, c) => concept.activities.map((activity, a) => ({
    eventId: `answer-${c}-${a}`, type: 'ActivityAnswered', learnerId: learner.learnerId, activityId: activity.activityId, selected: [a === 0 ? 'right' : 'wrong'], responseMs: 2000, occurredAt: new Date(h.clock.now - 60_000 * (c + 1)).toISOString()
  })))
  const res = await h.request('POST', '/v1/activity', { token: adminKey, body: { events } })
  if (res.status !== 202) throw new Error(res.text)
}

type Dump = { key: string, doc: string }[]

t.test('SQLite: rebuild refuses while a service has the store open, then rebuilds what the service had built', async t => {
  const h = await harness(t)
  await history(h)
  const env = { DATA_DIR: h.dir, STORE: 'sqlite' }

  const busy = await cli(['rebuild', 'mastery'], env)
  t.equal(busy.status, 1, 'refused while the service runs')
  t.match(busy.stderr, /another process has .*mastery-sync\.sqlite open .* Stop the service/)

  await h.app.close()
  await h.service.close()
  // This process must not hold the file open while the command runs: it would refuse.
  const withDb = <T>(fn: (db: Database.Database) => T): T => {
    const db = new Database(join(h.dir, 'mastery-sync.sqlite'))
    try { return fn(db) } finally { db.close() }
  }
  const dump = (projection: string) => withDb(db => ({
    docs: db.prepare('SELECT key, doc FROM projection_docs WHERE projection = ? ORDER BY key').all(projection) as Dump,
    checkpoint: db.prepare('SELECT position, version FROM projection_checkpoints WHERE projection = ?').get(projection)
  }))

  // mastery is rebuilt stream by stream (on worker threads), catalog in log order.
  for (const projection of ['mastery', 'catalog']) {
    const before = dump(projection)
    t.ok(before.docs.length > 0, `${projection} has documents`)
    // Damage it, so that only a real rebuild gives it back.
    withDb(db => {
      db.prepare('UPDATE projection_docs SET doc = \'{"damaged":true}\' WHERE projection = ?').run(projection)
      db.prepare('INSERT INTO projection_docs (projection, key, doc) VALUES (?, ?, ?)').run(projection, 'stray:doc', '{}')
    })
    const run = await cli(['rebuild', projection], env)
    t.equal(run.status, 0, run.stderr)
    t.match(run.stdout, new RegExp(`^rebuilt ${projection} up to log position \\d+ in [\\d.]+ s\\n$`))
    t.same(dump(projection), before, `${projection}: the same documents and checkpoint as the service had built`)
  }
})

t.test('an unknown projection is an error that lists the valid ones', async t => {
  const run = await cli(['rebuild', 'masteries'], { DATA_DIR: t.testdir(), STORE: 'sqlite' })
  t.not(run.status, 0)
  t.match(run.stderr, /'masteries' is invalid .*accounts, catalog, learners, mastery, lms-links, packages, lms-adapter/)
})

t.test('PostgreSQL: rebuild refuses while a service holds the lease, then rebuilds what it had built', async t => {
  const database = await freshDatabase(t)
  const h = await harness(t, { storage: { kind: 'postgres', url: database.url } })
  await history(h)
  const env = { DATA_DIR: t.testdir(), STORE: 'postgres', DATABASE_URL: database.url }

  const busy = await cli(['rebuild', 'learners'], env)
  t.equal(busy.status, 1)
  t.match(busy.stderr, /another process holds the lease .* Stop every service instance/)

  await h.app.close()
  await h.service.close()
  const pool = new pg.Pool({ connectionString: database.url })
  t.teardown(() => pool.end())
  const dump = async (projection: string): Promise<Dump> => (await pool.query('SELECT key, doc FROM projection_docs WHERE projection = $1 ORDER BY key', [projection])).rows
  for (const projection of ['learners', 'mastery']) {
    const before = await dump(projection)
    t.ok(before.length > 0, `${projection} has documents`)
    await pool.query('DELETE FROM projection_docs WHERE projection = $1', [projection])
    const run = await cli(['rebuild', projection], env)
    t.equal(run.status, 0, run.stderr)
    t.same(await dump(projection), before, `${projection}: the same documents as the service had built`)
  }
})
