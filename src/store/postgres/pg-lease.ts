// One instance at a time runs the projections, builds packages and delivers to LMSs: the one
// holding this lease, a PostgreSQL session-level advisory lock on a connection of its own.
// When the holder dies, PostgreSQL ends its session and the lock is free for the next one to
// take.
//
// A holder cut off from the database without its connection closing (a network partition, a
// frozen link) is the dangerous case: PostgreSQL eventually gives up on the silent session and
// frees the lock, and the holder must have stopped before anyone else can take it. So the
// holder asks the database every `heartbeatMs` and counts the lease as lost when no answer has
// come for `lostAfterMs`; the lease session tells PostgreSQL to probe a silent client only
// after longer than that (serverProbeAfterSeconds), so the server never lets go first.
import pg from 'pg'
import { advisoryLockSpace, leaderLock } from './migrations.ts'

export interface PgLeaseOptions {
  /** How often the holder checks that its lease session still answers (default 2 s). */
  readonly heartbeatMs?: number
  /** No answer for this long and the lease counts as lost (default 10 s). */
  readonly lostAfterMs?: number
}

/**
 * How the server notices a lease session's client has gone silent, set on that session: an idle
 * connection is probed after idleSeconds, every intervalSeconds, and given up after `count`
 * unanswered probes; data the client never acknowledges is given up after userTimeoutMs. Then
 * the session ends and the lock is free: 30 s at the earliest, well after a holder's 10 s.
 * Without these the operating system's defaults apply, two hours and more.
 */
export const serverKeepalive = { idleSeconds: 15, intervalSeconds: 5, count: 3, userTimeoutMs: 30_000 } as const
export const serverProbeAfterSeconds = Math.min(serverKeepalive.idleSeconds + serverKeepalive.intervalSeconds * serverKeepalive.count, serverKeepalive.userTimeoutMs / 1000)

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
  private heartbeat: NodeJS.Timeout | undefined
  private readonly heartbeatMs: number
  private readonly lostAfterMs: number

  constructor (private readonly connectionString: string, private readonly key = leaderLock, options: PgLeaseOptions = {}) {
    this.heartbeatMs = options.heartbeatMs ?? 2_000
    this.lostAfterMs = options.lostAfterMs ?? 10_000
    if (this.lostAfterMs >= serverProbeAfterSeconds * 1000) throw new Error(`lostAfterMs must be below ${serverProbeAfterSeconds * 1000} ms, when the server lets go of a silent lease session`)
  }

  async tryAcquire (): Promise<boolean> {
    if (this.held) return true
    const client = new pg.Client({ connectionString: this.connectionString, application_name: 'mastery-sync lease', keepAlive: true })
    client.on('error', () => {})
    await client.connect()
    try {
      const { idleSeconds, intervalSeconds, count, userTimeoutMs } = serverKeepalive
      await client.query(`SET tcp_keepalives_idle = ${idleSeconds}; SET tcp_keepalives_interval = ${intervalSeconds}; SET tcp_keepalives_count = ${count}; SET tcp_user_timeout = ${userTimeoutMs}`)
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
      if (!this.held || this.client !== client) return
      this.stopHeartbeat()
      this.held = false
      this.client = undefined
      destroySocket(client)
      this.lost?.(error ?? new Error('the connection holding the lease closed'))
    }
    client.on('error', onBroken)
    client.on('end', () => onBroken())
    this.startHeartbeat(client, onBroken)
    return true
  }

  private startHeartbeat (client: pg.Client, onBroken: (error: Error) => void): void {
    let answeredAt = Date.now()
    let asking = false
    this.heartbeat = setInterval(() => {
      const silentMs = Date.now() - answeredAt
      if (silentMs >= this.lostAfterMs) {
        onBroken(new Error(`the database has not answered on the lease's connection for ${silentMs} ms: counting the lease as lost before the database lets go of it`))
        return
      }
      if (asking) return
      asking = true
      client.query('SELECT 1').then(() => { answeredAt = Date.now() }, () => {}).finally(() => { asking = false })
    }, Math.min(this.heartbeatMs, this.lostAfterMs / 4))
    this.heartbeat.unref()
  }

  private stopHeartbeat (): void {
    clearInterval(this.heartbeat)
    this.heartbeat = undefined
  }

  onLost (listener: (error: Error) => void): void {
    this.lost = listener
  }

  async release (): Promise<void> {
    this.stopHeartbeat()
    const client = this.client
    this.held = false
    this.client = undefined
    await client?.end().catch(() => {})
  }
}

/** A silent connection may never say it is closed: end it here without waiting for the server. */
function destroySocket (client: pg.Client): void {
  const socket = (client as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream
  socket?.destroy?.()
}
