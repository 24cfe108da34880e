import t from 'tap'
import { join } from 'node:path'
import { openSqlite } from '../../src/store/sqlite/database.ts'
import { SqliteLmsCredentials } from '../../src/store/sqlite/sqlite-lms-credentials.ts'

t.test('LRS credentials are kept sealed, per session, until deleted', async t => {
  const db = openSqlite({ filename: join(t.testdir(), 'credentials.sqlite') })
  const credentials = new SqliteLmsCredentials(db, 'the service secret')
  const authorization = 'Basic c2VjcmV0LXRva2VuLWZyb20tdGhlLWxtcw=='
  await credentials.put('lms_one', { authorization })
  t.same(await credentials.get('lms_one'), { authorization })
  t.equal(await credentials.get('lms_other'), undefined, 'another session has none')

  const stored = db.prepare('SELECT session_id, sealed FROM lms_credentials').all() as { session_id: string, sealed: Buffer }[]
  t.equal(stored.length, 1)
  t.notOk(stored[0]?.sealed.includes(Buffer.from('c2VjcmV0')), 'the file never holds the credential in clear')

  // A sealed credential moved to another session's row, or read with another secret, opens to nothing.
  db.prepare('INSERT INTO lms_credentials (session_id, sealed, stored_at) VALUES (?, ?, 0)').run('lms_thief', stored[0]?.sealed)
  t.equal(await credentials.get('lms_thief'), undefined, 'bound to its session')
  t.equal(await new SqliteLmsCredentials(db, 'another secret').get('lms_one'), undefined, 'bound to the secret')

  await credentials.put('lms_one', { authorization: 'Basic bmV3' })
  t.same(await credentials.get('lms_one'), { authorization: 'Basic bmV3' }, 'a later put replaces it')
  await credentials.delete('lms_one')
  t.equal(await credentials.get('lms_one'), undefined, 'deleted')
  db.close()
})
