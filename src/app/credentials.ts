// Secrets: admin keys (random, stored as SHA-256), learner passwords (scrypt, slow
// on purpose) and learner session tokens (HMAC-signed, checked against the read model).
import { createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

const scryptParams = { N: 16384, r: 8, p: 1 }

export async function hashPassword (password: string): Promise<string> {
  const salt = randomBytes(16)
  const hash = await scryptAsync(password, salt)
  return `scrypt$${scryptParams.N}$${scryptParams.r}$${scryptParams.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`
}

export async function verifyPassword (password: string, stored: string): Promise<boolean> {
  const [scheme, , , , salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false
  const expected = Buffer.from(hash, 'base64url')
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'))
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

function scryptAsync (password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, 32, { ...scryptParams, maxmem: 64 * 1024 * 1024 }, (err, key) => err === null ? resolve(key) : reject(err))
  })
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

/** An admin key reads `msk_<keyId>_<secret>`: the id finds the record, the secret proves possession. */
export function newAdminKey (): { keyId: string, key: string, keyHash: string } {
  const keyId = randomBytes(8).toString('hex')
  const key = `msk_${keyId}_${randomBytes(24).toString('base64url')}`
  return { keyId, key, keyHash: sha256(key) }
}

export function parseAdminKey (key: string): { keyId: string } | undefined {
  const match = /^msk_([0-9a-f]{16})_[A-Za-z0-9_-]{20,64}$/.exec(key)
  return match?.[1] === undefined ? undefined : { keyId: match[1] }
}

export function sameHash (a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex'); const y = Buffer.from(b, 'hex')
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y)
}

export interface LearnerClaims {
  /** learner id */ readonly lid: string
  /** account id */ readonly aid: string
  /** session id */ readonly sid: string
  /** password version the session was opened under */ readonly pwv: number
  /** expiry, epoch seconds */ readonly exp: number
  /** set for a session launched from an LMS: the LMS session and the profile it is locked to */
  readonly lms?: { readonly sid: string, readonly pid: string }
}

export function signLearnerToken (claims: LearnerClaims, secret: string): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url')
  return `mst_${payload}.${createHmac('sha256', secret).update(payload).digest('base64url')}`
}

export function readLearnerToken (token: string, secret: string): LearnerClaims | undefined {
  const match = /^mst_([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token)
  if (match?.[1] === undefined || match[2] === undefined) return undefined
  const expected = createHmac('sha256', secret).update(match[1]).digest()
  const given = Buffer.from(match[2], 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
  try {
    return JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8')) as LearnerClaims
  } catch {
    return undefined
  }
}

/**
 * The key a package's launcher presents. Derived, never stored: a revision's key can
 * be recomputed to check it, so zips of earlier revisions keep launching (R9).
 */
export function launchKeyFor (secret: string, packageId: string, revision: number): string {
  return createHmac('sha256', secret).update(`launch:${packageId}:${revision}`).digest('base64url')
}

export function isLaunchKey (secret: string, packageId: string, revision: number, key: string): boolean {
  const expected = Buffer.from(launchKeyFor(secret, packageId, revision))
  const given = Buffer.from(key)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
