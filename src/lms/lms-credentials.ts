// What a session needs to report to an LRS (cmi5, xAPI): the endpoint's Authorization header
// value, from the launch. It is a credential of the LMS's, so it is kept out of the event log
// (which analysts replay and Kafka carries out), never sent to a page, encrypted at rest with a
// key derived from the service's secret, and deleted once the session's delivery is settled.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto'

export interface LmsCredential {
  /** The value of the Authorization header the LRS expects. */
  readonly authorization: string
}

export interface LmsCredentials {
  put (sessionId: string, credential: LmsCredential): Promise<void>
  get (sessionId: string): Promise<LmsCredential | undefined>
  delete (sessionId: string): Promise<void>
}

/** AES-256-GCM with a key of its own (HMAC of the service secret); the session id is the associated data. */
export class CredentialCipher {
  private readonly key: Buffer

  constructor (secret: string) {
    this.key = createHmac('sha256', secret).update('mastery-sync lms-credentials v1').digest()
  }

  seal (sessionId: string, credential: LmsCredential): Buffer {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(sessionId))
    const body = Buffer.concat([cipher.update(JSON.stringify(credential), 'utf8'), cipher.final()])
    return Buffer.concat([iv, cipher.getAuthTag(), body])
  }

  /** undefined when the box was not sealed for this session with this secret (or was tampered with). */
  open (sessionId: string, box: Buffer): LmsCredential | undefined {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, box.subarray(0, 12)).setAAD(Buffer.from(sessionId))
      decipher.setAuthTag(box.subarray(12, 28))
      const text = Buffer.concat([decipher.update(box.subarray(28)), decipher.final()]).toString('utf8')
      const parsed = JSON.parse(text) as { authorization?: unknown }
      return typeof parsed.authorization === 'string' ? { authorization: parsed.authorization } : undefined
    } catch {
      return undefined
    }
  }
}
