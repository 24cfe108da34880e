// One reliability run: a fresh store, the real service as a child process, seeding through the
// API, the mixed load for a fixed time, optionally faults (kill -9 and restart every few
// seconds; on PostgreSQL a database restart), then the log read from the store and checked.
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '../../test/helpers/ports.ts'
import { drive, newRecorder, type Kind, type KindStats } from './driver.ts'
import { seed } from './seed.ts'
import { ServiceProcess } from './service.ts'
import { dropPoolConnections, openWorkspace, readWholeLog, restartPostgres, type StoreKind } from './stores.ts'
import { verify, type Verdict } from './verify.ts'

export interface ScenarioOptions {
  readonly store: StoreKind
  /** kill -9 and restart the service every `killEveryMs` (and restart PostgreSQL `pgRestarts` times). */
  readonly faults: boolean
  readonly durationMs: number
  readonly lmsUsers: number
  readonly appClients: number
  readonly killEveryMs: number
  /** PostgreSQL restarts during a fault run on PostgreSQL (0–2: the server is shared with other work). */
  readonly pgRestarts: number
  readonly eventsPerBatch: number
  /** After the load ends, how long a request may still be retried before it is given up. */
  readonly drainMs: number
  /** PostgreSQL: end the service's pooled connections (not its lease) this long into the load. */
  readonly dropConnectionsAtMs?: number
  readonly log?: (line: string) => void
}

export interface RunResult {
  readonly name: string
  readonly store: StoreKind
  readonly faults: boolean
  readonly durationMs: number
  readonly concurrency: { readonly lmsUsers: number, readonly appClients: number }
  readonly stats: Record<Kind, KindStats>
  /** Service kills (kill -9) by the fault injector. */
  readonly kills: number
  /** Time from the process going down (kill, exit) to /ready answering again, ms. */
  readonly recoveriesMs: readonly number[]
  /** Starts that failed before one succeeded (e.g. while PostgreSQL restarted). */
  readonly failedStarts: number
  /** Exits nobody asked for. */
  readonly unexpectedExits: number
  readonly pgRestartsMs: readonly number[]
  /** The service did not come back before the deadline. */
  readonly stayedDown: boolean
  readonly verdict: Verdict
  readonly samples: Readonly<Record<string, string>>
  readonly serviceLog: string
}

export async function runScenario (options: ScenarioOptions): Promise<RunResult> {
  const say = options.log ?? (() => {})
  const name = `${options.faults ? 'faults' : 'load'} (${options.store === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`
  const workspace = await openWorkspace(options.store)
  // The service's log outlives the run's temp dir: it is what a failure is investigated from.
  const logDir = join(tmpdir(), 'mastery-sync-reliability-logs')
  mkdirSync(logDir, { recursive: true })
  const serviceLog = join(logDir, `${options.faults ? 'faults' : 'load'}-${options.store}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const tokenSecret = randomBytes(32).toString('base64url')
  const operatorToken = randomBytes(24).toString('base64url')
  // Every virtual LMS user comes from 127.0.0.1, standing in for learners on many networks:
  // the per-address launch limit (600 a minute by default) would otherwise cap the load.
  const env = { ...workspace.env, OPERATOR_TOKEN: operatorToken, TOKEN_SECRET: tokenSecret, RATE_LIMIT_LAUNCH_PER_MINUTE: '100000000' }
  const service = new ServiceProcess({ port, dataDir: workspace.dir, env, logFile: serviceLog })
  try {
    say(`${name}: starting the service on ${base} (log: ${serviceLog})`)
    await service.start()
    const seeded = await seed({ base, operatorToken, tokenSecret, lmsUsers: options.lmsUsers, appLearners: Math.max(2, options.appClients * 2), concepts: 4 })
    say(`${name}: seeded; ${options.lmsUsers} LMS users and ${options.appClients} app clients for ${Math.round(options.durationMs / 1000)} s`)

    const startedAt = Date.now()
    const loadEndsAt = startedAt + options.durationMs
    const giveUpAt = loadEndsAt + options.drainMs
    const recoveriesMs: number[] = []
    const pgRestartsMs: number[] = []
    let failedStarts = 0
    let stayedDown = false
    let kills = 0

    // The supervisor: whoever notices the service down (the fault injector, an exit nobody
    // asked for) restarts it through here, so two restarts never overlap.
    let restarting: Promise<void> | undefined
    const restart = (downAt: number): Promise<void> => {
      restarting ??= (async () => {
        try {
          while (!service.running) {
            try {
              await service.start(30_000)
              recoveriesMs.push(Date.now() - downAt)
            } catch (error) {
              failedStarts++
              if (Date.now() > giveUpAt + 30_000) {
                stayedDown = true
                say(`${name}: the service did not come back: ${(error as Error).message}`)
                return
              }
              await sleep(500)
            }
          }
        } finally {
          restarting = undefined
        }
      })()
      return restarting
    }
    service.onUnexpectedExit = (code, signal) => {
      say(`${name}: the service exited by itself (code ${code}, signal ${signal}); restarting it`)
      void restart(Date.now())
    }

    const injector = async (): Promise<void> => {
      if (!options.faults) return
      const pgRestartsDue = options.store === 'postgres' ? Math.min(2, options.pgRestarts) : 0
      let pgDone = 0
      while (Date.now() + options.killEveryMs < loadEndsAt) {
        await sleep(options.killEveryMs)
        await restarting
        const elapsed = Date.now() - startedAt
        if (pgDone < pgRestartsDue && elapsed >= options.durationMs * (pgDone + 1) / (pgRestartsDue + 1)) {
          pgDone++
          say(`${name}: restarting PostgreSQL`)
          const downAt = Date.now()
          pgRestartsMs.push(await restartPostgres())
          await restarting
          if (!service.running) await restart(downAt)
          continue
        }
        kills++
        const downAt = Date.now()
        await service.kill()
        await restart(downAt)
      }
    }

    const dropper = async (): Promise<void> => {
      if (options.dropConnectionsAtMs === undefined || options.store !== 'postgres') return
      await sleep(options.dropConnectionsAtMs)
      say(`${name}: ended ${await dropPoolConnections(workspace)} pooled connections of the service (the lease's kept)`)
    }

    const recorder = newRecorder()
    const runTag = `rel${randomBytes(4).toString('hex')}`
    await Promise.all([
      drive({ base, seeded, lmsUsers: options.lmsUsers, appClients: options.appClients, loadEndsAt, giveUpAt, eventsPerBatch: options.eventsPerBatch, runTag, recorder }),
      injector(),
      dropper()
    ])
    await restarting
    const durationMs = Date.now() - startedAt
    if (!service.running && !stayedDown) await restart(Date.now())
    service.onUnexpectedExit = undefined
    // A clean stop, then the log straight from the store.
    await service.stop()
    say(`${name}: load done in ${Math.round(durationMs / 1000)} s; reading the log`)
    const verdict = verify(recorder.acks, await readWholeLog(workspace))
    return {
      name,
      store: options.store,
      faults: options.faults,
      durationMs,
      concurrency: { lmsUsers: options.lmsUsers, appClients: options.appClients },
      stats: recorder.stats,
      kills,
      recoveriesMs,
      failedStarts,
      unexpectedExits: service.unexpectedExits,
      pgRestartsMs,
      stayedDown,
      verdict,
      samples: Object.fromEntries(recorder.samples),
      serviceLog
    }
  } finally {
    await service.kill()
    await workspace.dispose()
  }
}
