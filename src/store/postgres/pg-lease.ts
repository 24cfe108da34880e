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
  /** Told when a setting of the lease session could not be made (the lease still works). */
  readonly warn?: (message: string) => void
}

/** How long connecting, asking for the lock and closing may take on the lease's connection. */
const connectionTimeoutMs = 10_000

/**
 * How the server notices a lease session's client has gone silent, set on that session: an idle
 * connection is probed after idleSeconds, every intervalSeconds, and given up after `count`
 * unanswered probes; data the client never acknowledges is given up after userTimeoutMs. Then
 * the session ends and the lock is free: 30 s at the earliest, well after a holder's 10 s.
 * Without these the operating system's defaults apply, two hours and more.
 */
export const serverKeepalive = { idleSeconds: 15, intervalSeconds: 5, count: 3, userTimeoutMs: 30_000 } as const
export const serverProbeAfterSeconds = Math.min(serverKeepalive.idleSeconds + serverKeepalive.intervalSeconds * serverKeepalive.count, serverKeepalive.userTimeoutMs / 1000)

/** A holder must have counted its lease lost this long before the server can let go (event-loop delays, clock granularity). */
const safetyMarginMs = 10_000

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
  private readonly tickMs: number
  private readonly lostAfterMs: number
  private readonly warn: (message: string) => void

  constructor (private readonly connectionString: string, private readonly key = leaderLock, options: PgLeaseOptions = {}) {
    this.lostAfterMs = options.lostAfterMs ?? 10_000
    this.tickMs = Math.min(options.heartbeatMs ?? 2_000, this.lostAfterMs / 4)
    this.warn = options.warn ?? (() => {})
    // The loss is seen at a tick: up to lostAfterMs + one tick after the last answered question.
    const latestMs = serverProbeAfterSeconds * 1000 - safetyMarginMs
    if (this.lostAfterMs + this.tickMs > latestMs) throw new Error(`lostAfterMs plus one heartbeat must stay within ${latestMs} ms, ${safetyMarginMs} ms before the server lets go of a silent lease session`)
  }

  async tryAcquire (): Promise<boolean> {
    if (this.held) return true
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: 'mastery-sync lease',
      keepAlive: true,
      // A database out of reach must not hold up the attempt (and whoever waits for it).
      connectionTimeoutMillis: connectionTimeoutMs,
      query_timeout: connectionTimeoutMs
    })
    client.on('error', () => {})
    await client.connect()
    try {
      // Each on its own: a setting the server does not take (a Unix socket ignores them, an older
      // or a compatible server may refuse one) only makes it slower to free a vanished holder's lock.
      const { idleSeconds, intervalSeconds, count, userTimeoutMs } = serverKeepalive
      for (const [name, value] of [['tcp_keepalives_idle', idleSeconds], ['tcp_keepalives_interval', intervalSeconds], ['tcp_keepalives_count', count], ['tcp_user_timeout', userTimeoutMs]] as const) {
        await client.query(`SET ${name} = ${value}`).catch((error: unknown) => {
          this.warn(`the lease session could not set ${name} (${error instanceof Error ? error.message : String(error)}): a holder that vanishes keeps the lease until the operating system gives up on its connection`)
        })
      }
      const { rows } = await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS held', [advisoryLockSpace, this.key])
      if (rows[0]?.held !== true) {
        await closeClient(client)
        return false
      }
    } catch (error) {
      await closeClient(client)
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
    // Monotonic time (a wall clock stepped back would postpone the loss), counted from when the
    // last answered question was sent: the database heard from us then at the latest.
    let heardAt = performance.now()
    let asking = false
    const silentMs = (): number => Math.round(performance.now() - heardAt)
    this.heartbeat = setInterval(() => {
      if (silentMs() >= this.lostAfterMs) {
        // Timers run before I/O: after a stalled event loop an answer may be waiting to be read.
        // Look once more after this turn's I/O.
        setImmediate(() => {
          if (silentMs() >= this.lostAfterMs) onBroken(new Error(`the database has not answered on the lease's connection for ${silentMs()} ms: counting the lease as lost before the database lets go of it`))
        })
        return
      }
      if (asking) return
      asking = true
      const sentAt = performance.now()
      client.query('SELECT 1').then(() => { heardAt = Math.max(heardAt, sentAt) }, () => {}).finally(() => { asking = false })
    }, this.tickMs)
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
    if (client !== undefined) await closeClient(client)
  }
}

/** A silent connection may never say it is closed: end it here without waiting for the server. */
function destroySocket (client: pg.Client): void {
  const socket = (client as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream
  socket?.destroy?.()
}

/** Ends the connection, waiting for the server at most a while: a link that went silent would hold it for minutes. */
async function closeClient (client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const gaveUp = new Promise<void>(resolve => { timer = setTimeout(resolve, connectionTimeoutMs) })
  await Promise.race([client.end().catch(() => {}), gaveUp])
  clearTimeout(timer)
  destroySocket(client)
}
