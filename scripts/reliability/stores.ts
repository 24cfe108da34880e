// Where a run keeps its data: a fresh temp DATA_DIR always, and with PostgreSQL a fresh
// database on the local server, dropped at the end. After a run the log is read straight from
// the store (every event of every stream, whichever account), not through the API.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { pino } from 'pino'
import { openStorage } from '../../src/storage.ts'
import { onCleanup } from './cleanup.ts'

export type StoreKind = 'sqlite' | 'postgres'

/** The admin connection that creates and drops the run's database (the same default as the tests). */
export const pgAdminUrl = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export interface Workspace {
  readonly store: StoreKind
  readonly dir: string
  /** PostgreSQL: the run's database. */
  readonly databaseUrl: string | undefined
  /** The settings that point the service at this store. */
  readonly env: Readonly<Record<string, string>>
  dispose (): Promise<void>
}

async function asAdmin (statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgAdminUrl, connectionTimeoutMillis: 5_000 })
  client.on('error', () => {})
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

export async function openWorkspace (store: StoreKind): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), `mastery-sync-reliability-${store}-`))
  let databaseUrl: string | undefined
  let dropDatabase = async (): Promise<void> => {}
  if (store === 'postgres') {
    const name = `ms_reliability_${randomBytes(5).toString('hex')}`
    try {
      await asAdmin(`CREATE DATABASE ${name}`)
    } catch (error) {
      await rm(dir, { recursive: true, force: true })
      throw new Error(`PostgreSQL is not reachable at ${pgAdminUrl} (set PG_TEST_URL): ${(error as Error).message}`, { cause: error })
    }
    const url = new URL(pgAdminUrl)
    url.pathname = `/${name}`
    databaseUrl = url.toString()
    // After a database restart the server may still be starting: try for a while.
    dropDatabase = async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
          return
        } catch (error) {
          if (attempt >= 10) throw error
          await sleep(1_000)
        }
      }
    }
  }
  const remove = onCleanup(async () => {
    await dropDatabase()
    await rm(dir, { recursive: true, force: true })
  })
  return {
    store,
    dir,
    databaseUrl,
    env: store === 'postgres' ? { STORE: 'postgres', DATABASE_URL: databaseUrl as string } : { STORE: 'sqlite', SQLITE_SYNCHRONOUS: 'full' },
    async dispose () {
      remove()
      await dropDatabase()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

/** What verification needs of each stored event. */
export interface LoggedEvent {
  readonly id: string
  readonly type: string
  readonly streamId: string
  readonly position: number
}

/** Every event in the log, in order. The service must be stopped (one writer; PostgreSQL: nothing in flight). */
export async function readWholeLog (workspace: Workspace): Promise<LoggedEvent[]> {
  const storage = await openStorage(
    workspace.store === 'postgres' ? { kind: 'postgres', url: workspace.databaseUrl as string } : { kind: 'sqlite', synchronous: 'full' },
    {
      dataDir: workspace.dir,
      now: Date.now,
      tokenSecret: undefined,
      projectionsModule: { url: new URL('../../projections/index.ts', import.meta.url).href, exportName: 'projections' },
      log: pino({ level: 'silent' })
    }
  )
  const events: LoggedEvent[] = []
  try {
    for (let after = 0; ;) {
      const page = await storage.store.readAll({ after, maxCount: 5_000 })
      if (page.length === 0) break
      for (const e of page) events.push({ id: e.id, type: e.type, streamId: e.streamId, position: e.position })
      after = page[page.length - 1]?.position ?? after
    }
  } finally {
    await storage.store.close()
    await storage.close()
  }
  return events
}

/**
 * Ends the service's pooled connections to the run's database, as an administrator, a
 * connection pooler or a failover does, and leaves the lease connection alone (so the
 * service has no reason to give up its lease). The server itself keeps running.
 */
export async function dropPoolConnections (workspace: Workspace): Promise<number> {
  const name = new URL(workspace.databaseUrl as string).pathname.slice(1)
  const client = new pg.Client({ connectionString: pgAdminUrl, connectionTimeoutMillis: 5_000 })
  client.on('error', () => {})
  await client.connect()
  try {
    const { rows } = await client.query<{ n: number }>(
      "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name <> 'mastery-sync lease' AND pid <> pg_backend_pid()",
      [name]
    )
    return rows[0]?.n ?? 0
  } finally {
    await client.end()
  }
}

/**
 * Restarts the machine's PostgreSQL cluster (Debian's pg_ctlcluster), and waits until it
 * accepts connections again. Other work on this machine uses the same server: callers
 * restart it at most once or twice per run, never in a loop.
 */
export async function restartPostgres (): Promise<number> {
  const versions = (await readdir('/etc/postgresql')).sort()
  const version = versions[versions.length - 1]
  if (version === undefined) throw new Error('no PostgreSQL cluster under /etc/postgresql')
  const started = performance.now()
  await promisify(execFile)('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], { timeout: 120_000 })
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    try {
      await asAdmin('SELECT 1')
      return performance.now() - started
    } catch {
      await sleep(250)
    }
  }
  throw new Error('PostgreSQL did not accept connections within 60 s of its restart')
}
