// One instance at a time runs the projections, builds packages and delivers to LMSs: the one
// holding this lease, a PostgreSQL session-level advisory lock on a connection of its own.
// When the holder dies, PostgreSQL ends its session and the lock is free for the next one to
// take; no clock or expiry is involved.
import pg from 'pg'
import { advisoryLockSpace, leaderLock } from './migrations.ts'

export interface Lease {
  /** Takes the lease if it is free; true while held. */
  tryAcquire (): Promise<boolean>
  /** Called once if the lease is lost while held (the connection that holds it broke). */
  onLost (listener: (error: Error) => void): void
  release (): Promise<void>
}

export class PgLease implements Lease {
  private client: pg.Client | undefined
  private held = false
  private lost: ((error: Error) => void) | undefined

  constructor (private readonly connectionString: string, private readonly key = leaderLock) {}

  async tryAcquire (): Promise<boolean> {
    if (this.held) return true
    const client = new pg.Client({ connectionString: this.connectionString, application_name: 'mastery-sync lease' })
    client.on('error', () => {})
    await client.connect()
    try {
      const { rows } = await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS held', [advisoryLockSpace, this.key])
      if (rows[0]?.held !== true) {
        await client.end()
        return false
      }
    } catch (error) {
      await client.end().catch(() => {})
      throw error
    }
    this.client = client
    this.held = true
    const onBroken = (error?: Error): void => {
      if (!this.held) return
      this.held = false
      this.client = undefined
      this.lost?.(error ?? new Error('the connection holding the lease closed'))
    }
    client.on('error', onBroken)
    client.on('end', () => onBroken())
    return true
  }

  onLost (listener: (error: Error) => void): void {
    this.lost = listener
  }

  async release (): Promise<void> {
    const client = this.client
    this.held = false
    this.client = undefined
    await client?.end().catch(() => {})
  }
}
