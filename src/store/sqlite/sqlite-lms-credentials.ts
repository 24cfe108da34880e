import type { Statement } from 'better-sqlite3'
import { CredentialCipher, type LmsCredential, type LmsCredentials } from '../../lms/lms-credentials.ts'
import type { SqliteDatabase } from './database.ts'

export class SqliteLmsCredentials implements LmsCredentials {
  private readonly cipher: CredentialCipher
  private readonly sql: {
    put: Statement<[string, Buffer, number]>
    get: Statement<[string], { sealed: Buffer }>
    delete: Statement<[string]>
  }

  constructor (db: SqliteDatabase, secret: string, private readonly now: () => number = Date.now) {
    this.cipher = new CredentialCipher(secret)
    this.sql = {
      put: db.prepare(`INSERT INTO lms_credentials (session_id, sealed, stored_at) VALUES (?, ?, ?)
        ON CONFLICT (session_id) DO UPDATE SET sealed = excluded.sealed, stored_at = excluded.stored_at`),
      get: db.prepare('SELECT sealed FROM lms_credentials WHERE session_id = ?'),
      delete: db.prepare('DELETE FROM lms_credentials WHERE session_id = ?')
    }
  }

  async put (sessionId: string, credential: LmsCredential): Promise<void> {
    this.sql.put.run(sessionId, this.cipher.seal(sessionId, credential), this.now())
  }

  async get (sessionId: string): Promise<LmsCredential | undefined> {
    const row = this.sql.get.get(sessionId)
    return row === undefined ? undefined : this.cipher.open(sessionId, row.sealed)
  }

  async delete (sessionId: string): Promise<void> {
    this.sql.delete.run(sessionId)
  }
}
