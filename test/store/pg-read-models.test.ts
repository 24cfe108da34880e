import t from 'tap'
import { randomBytes } from 'node:crypto'
import { PgReadModels, prefixEnd } from '../../src/store/postgres/pg-read-models.ts'
import { PgPackageFiles } from '../../src/store/postgres/pg-package-files.ts'
import { PgLmsCredentials } from '../../src/store/postgres/pg-lms-credentials.ts'
import { freshDatabase, freshSchema } from '../helpers/pg.ts'

// One database for this file; each test gets a schema of its own in it.
const database = await freshDatabase(t)

t.test('read models: a commit writes documents (undefined deletes) and the checkpoint together', async t => {
  const { pool } = await freshSchema(t, database)
  const models = new PgReadModels(pool, () => 1234)
  t.equal(await models.checkpoint('learners'), undefined, 'no checkpoint before the first commit')
  await models.commit('learners', { position: 7, version: 2 }, new Map<string, unknown>([['l-1', { name: 'Zoë 😀', n: 1.5 }], ['l-2', { name: 'B' }]]))
  t.same(await models.checkpoint('learners'), { position: 7, version: 2 })
  t.same(await models.get('learners', 'l-1'), { name: 'Zoë 😀', n: 1.5 })
  await models.commit('learners', { position: 9, version: 2 }, new Map<string, unknown>([['l-1', undefined], ['l-2', { name: 'B2' }]]))
  t.equal(await models.get('learners', 'l-1'), undefined, 'deleted')
  t.same(await models.get('learners', 'l-2'), { name: 'B2' }, 'replaced')
  t.same(await models.checkpoint('learners'), { position: 9, version: 2 })
  await models.commit('learners', { position: 12, version: 2 }, new Map())
  t.same(await models.checkpoint('learners'), { position: 12, version: 2 }, 'a commit without changes still moves the checkpoint')

  await models.commitSerialised('learners', { position: 13, version: 2 }, new Map([['raw', '{"b":1,"a":[1,2]}']]))
  const { rows } = await pool.query('SELECT doc, updated_at FROM projection_docs JOIN projection_checkpoints USING (projection) WHERE key = $1', ['raw'])
  t.equal(rows[0].doc, '{"b":1,"a":[1,2]}', 'serialised documents are stored as given')
  t.equal(Number(rows[0].updated_at), 1234, 'the checkpoint records the injected time')
})

t.test('read models: a commit that fails part-way leaves documents and checkpoint as they were', async t => {
  const { pool } = await freshSchema(t, database)
  const models = new PgReadModels(pool)
  await models.commit('p', { position: 1, version: 1 }, new Map<string, unknown>([['a', 1], ['gone', 2]]))
  // A key too large for the index: the statement fails part-way through the batch.
  const failing = new Map<string, unknown>([['a', 2], ['gone', undefined], ['b', 3], [randomBytes(9000).toString('base64'), 4]])
  await t.rejects(models.commit('p', { position: 5, version: 1 }, failing))
  t.same(await models.checkpoint('p'), { position: 1, version: 1 }, 'checkpoint unchanged')
  t.equal(await models.get('p', 'a'), 1, 'no document changed')
  t.equal(await models.get('p', 'gone'), 2, 'no document deleted')
  t.equal(await models.get('p', 'b'), undefined, 'no document added')
})

t.test('read models: list by key prefix, in code point order; % and _ are plain characters', async t => {
  const { pool } = await freshSchema(t, database)
  const models = new PgReadModels(pool)
  const keys = ['b', 'a😀', 'a\uffff', 'ab', 'a_b', 'a%b', 'a%', 'a', 'a\\x', 'A']
  await models.commit('p', { position: 1, version: 1 }, new Map<string, unknown>(keys.map(k => [k, { k }])))
  await models.commit('other', { position: 1, version: 1 }, new Map<string, unknown>([['a-other', {}]]))
  const list = async (prefix: string, limit?: number): Promise<string[]> => (await models.list<{ k: string }>('p', prefix, limit)).map(row => row.key)
  t.same(await list('a'), ['a', 'a%', 'a%b', 'a\\x', 'a_b', 'ab', 'a\uffff', 'a😀'], 'every key starting with a, in order, including those past U+FFFF')
  t.same(await list('a%'), ['a%', 'a%b'], '% matches only itself')
  t.same(await list('a_'), ['a_b'], '_ matches only itself')
  t.same(await list('a\\'), ['a\\x'], 'a backslash is no escape')
  t.same(await list(''), ['A', 'a', 'a%', 'a%b', 'a\\x', 'a_b', 'ab', 'a\uffff', 'a😀', 'b'], 'the empty prefix lists everything')
  t.same(await list('a', 3), ['a', 'a%', 'a%b'], 'up to the limit')
  t.same(await list('c'), [])
  t.same((await models.list<{ k: string }>('p', 'a%b'))[0]?.doc, { k: 'a%b' })

  t.equal(prefixEnd('ab'), 'ac')
  t.equal(prefixEnd('a\u{10ffff}'), 'b', 'past the last code point: the one before goes up')
  t.equal(prefixEnd('\u{10ffff}'), undefined, 'nothing above: no upper bound')
  t.equal(prefixEnd('a\ud7ff'), 'a\ue000', 'surrogates are skipped')
})

t.test('read models: reset drops one projection\'s documents and sets its checkpoint to 0', async t => {
  const { pool } = await freshSchema(t, database)
  const models = new PgReadModels(pool)
  await models.commit('p', { position: 10, version: 1 }, new Map<string, unknown>([['a', 1], ['b', 2]]))
  await models.commit('q', { position: 10, version: 1 }, new Map<string, unknown>([['a', 1]]))
  await models.reset('p', 2)
  t.same(await models.checkpoint('p'), { position: 0, version: 2 })
  t.same(await models.list('p', ''), [])
  t.equal(await models.get('q', 'a'), 1, 'other projections keep theirs')
  t.same(await models.checkpoint('q'), { position: 10, version: 1 })
  await models.reset('new', 1)
  t.same(await models.checkpoint('new'), { position: 0, version: 1 }, 'reset of a projection never committed')
})

t.test('package files keep the exact bytes by package and revision', async t => {
  const { pool } = await freshSchema(t, database)
  const files = new PgPackageFiles(pool)
  const bytes = Buffer.concat([Buffer.from([0, 255, 0, 1]), randomBytes(70_000)])
  await files.put('pkg_1', 1, 'sha-1', bytes)
  const got = await files.get('pkg_1', 1)
  t.equal(got?.checksum, 'sha-1')
  t.ok(got?.bytes.equals(bytes), 'the same bytes')
  t.equal(await files.get('pkg_1', 2), undefined)
  t.equal(await files.get('pkg_2', 1), undefined)
  await files.put('pkg_1', 1, 'sha-2', Buffer.from('again'))
  t.same(await files.get('pkg_1', 1), { checksum: 'sha-2', bytes: Buffer.from('again') }, 'a later put replaces it')
})

t.test('LRS credentials are kept sealed, per session, until deleted', async t => {
  const { pool } = await freshSchema(t, database)
  const credentials = new PgLmsCredentials(pool, 'the service secret')
  const authorization = 'Basic c2VjcmV0LXRva2VuLWZyb20tdGhlLWxtcw=='
  await credentials.put('lms_one', { authorization })
  t.same(await credentials.get('lms_one'), { authorization })
  t.equal(await credentials.get('lms_other'), undefined, 'another session has none')

  const { rows } = await pool.query('SELECT session_id, sealed FROM lms_credentials')
  t.equal(rows.length, 1)
  t.notOk((rows[0].sealed as Buffer).includes(Buffer.from('c2VjcmV0')), 'the database never holds the credential in clear')

  // A sealed credential moved to another session's row, or read with another secret, opens to nothing.
  await pool.query('INSERT INTO lms_credentials (session_id, sealed, stored_at) VALUES ($1, $2, 0)', ['lms_thief', rows[0].sealed])
  t.equal(await credentials.get('lms_thief'), undefined, 'bound to its session')
  t.equal(await new PgLmsCredentials(pool, 'another secret').get('lms_one'), undefined, 'bound to the secret')

  await credentials.put('lms_one', { authorization: 'Basic bmV3' })
  t.same(await credentials.get('lms_one'), { authorization: 'Basic bmV3' }, 'a later put replaces it')
  await credentials.delete('lms_one')
  t.equal(await credentials.get('lms_one'), undefined, 'deleted')
})
