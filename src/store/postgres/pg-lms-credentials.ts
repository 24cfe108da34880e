import type pg from 'pg'
import { CredentialCipher, type LmsCredential, type LmsCredentials } from '../../lms/lms-credentials.ts'

export class PgLmsCredentials implements LmsCredentials {
  private readonly cipher: CredentialCipher

  constructor (private readonly pool: pg.Pool, secret: string, private readonly now: () => number = Date.now) {
    this.cipher = new CredentialCipher(secret)
  }

  async put (sessionId: string, credential: LmsCredential): Promise<void> {
    await this.pool.query(`INSERT INTO lms_credentials (session_id, sealed, stored_at) VALUES ($1, $2, $3)
      ON CONFLICT (session_id) DO UPDATE SET sealed = excluded.sealed, stored_at = excluded.stored_at`,
    [sessionId, this.cipher.seal(sessionId, credential), this.now()])
  }

  async get (sessionId: string): Promise<LmsCredential | undefined> {
    const { rows } = await this.pool.query<{ sealed: Buffer }>('SELECT sealed FROM lms_credentials WHERE session_id = $1', [sessionId])
    const row = rows[0]
    return row === undefined ? undefined : this.cipher.open(sessionId, row.sealed)
  }

  async delete (sessionId: string): Promise<void> {
    await this.pool.query('DELETE FROM lms_credentials WHERE session_id = $1', [sessionId])
  }
}
