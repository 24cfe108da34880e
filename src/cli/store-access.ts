// How the commands that touch read models (rebuild, mastery) open the configured store, and
// whether they are alone on it. Projections must have exactly one writer: a service keeps
// evolved documents in memory and stores them with its checkpoint, so a rebuild under it would
// be overwritten by documents evolved from what the rebuild had just deleted.
//
// - PostgreSQL (and EventStoreDB with its read models in PostgreSQL): service instances take
//   turns through a lease (src/store/postgres/pg-lease.ts); the command takes the same lease,
//   so instances started meanwhile stay followers until it is done.
// - SQLite: a service holds its file open for as long as it runs. The command checks that no
//   other process has the file open (an exclusive lock that any other connection prevents)
//   just before it starts; a service started while it runs is not kept out.
import Database from 'better-sqlite3'
import { existsSync } from 'node:fs'
import { pino } from 'pino'
import type { Config } from '../config.ts'
import { openStorage, sqliteFile, storageFromConfig, type Storage } from '../storage.ts'
// Not from src/service.ts: loading the service (packaging and all) would double a replay's start-up.
import { projectionsModule } from '../../projections/index.ts'


export class StoreBusyError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'StoreBusyError'
  }
}

export async function openConfiguredStorage (config: Config): Promise<Storage> {
  // Opening would create an empty store: a mistyped DATA_DIR would then read as an empty log.
  if (config.store === 'sqlite' && !existsSync(sqliteFile(config.dataDir))) {
    throw new Error(`no store in DATA_DIR=${config.dataDir} (no ${sqliteFile(config.dataDir)}): point DATA_DIR at the service's data`)
  }
  return openStorage(storageFromConfig(config), {
    dataDir: config.dataDir,
    now: Date.now,
    tokenSecret: config.tokenSecret,
    projectionsModule,
    log: pino({ level: 'silent' })
  })
}

/** True when another process has the SQLite file open (a running service, another command). */
export function sqliteInUse (dataDir: string): boolean {
  const file = sqliteFile(dataDir)
  if (!existsSync(file)) return false
  const db = new Database(file, { fileMustExist: true, timeout: 0 })
  try {
    // In exclusive locking mode the first transaction needs the file to itself: any other
    // connection, busy or idle, holds a shared lock on it while open (WAL mode).
    db.pragma('locking_mode = EXCLUSIVE')
    db.exec('BEGIN EXCLUSIVE')
    db.exec('COMMIT')
    return false
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return true
    throw error
  } finally {
    db.close()
  }
}

export interface OpenedStore {
  readonly storage: Storage
  /** No other process runs this store's projections while this is open (see above). */
  readonly alone: boolean
  /** Lets services lead again (releases the lease), then closes the store. */
  close (): Promise<void>
}

/**
 * Opens the store the configuration names, and finds out whether this process is alone on its
 * read models (taking the lease where there is one). With `requireAlone`, a store that is not
 * is closed again and StoreBusyError says who holds it, for a message that includes `what`.
 */
export async function openStore (config: Config, options: { requireAlone?: string } = {}): Promise<OpenedStore> {
  const what = options.requireAlone
  const sqlite = usesSqliteProjections(config)
  // The check needs the file to itself: before this process opens it.
  const sqliteFree = !sqlite || !sqliteInUse(config.dataDir)
  if (what !== undefined && !sqliteFree) {
    throw new StoreBusyError(`another process has ${sqliteFile(config.dataDir)} open (a running service, or another command), so ${what} would race with it. Stop the service that uses DATA_DIR=${config.dataDir}, run the command again, and start the service once it is done.`)
  }
  const storage = await openConfiguredStorage(config)
  const close = async (): Promise<void> => {
    await storage.lease?.release()
    await storage.store.close()
    await storage.close()
  }
  let alone = sqliteFree
  if (storage.lease !== undefined) {
    // Holding the lease, the command may be writing read models: losing it (a service instance
    // may take it next) must stop the command at once, as it stops a service.
    storage.lease.onLost(error => {
      process.stderr.write(`lost the lease on background work of this database (${error.message}): stopping. Run the command again.\n`)
      process.exit(1)
    })
    alone = await storage.lease.tryAcquire().catch(async (error: unknown) => { await close(); throw error })
    if (!alone && what !== undefined) {
      await close()
      throw new StoreBusyError(`another process holds the lease on background work of this database (a running service instance runs the projections there), so ${what} would race with it. Stop every service instance on this database and run the command again; instances started while it runs wait for it to finish.`)
    }
  }
  return { storage, alone, close }
}

/** Whether the read models live in the SQLite file of DATA_DIR (no lease to take). */
export const usesSqliteProjections = (config: Config): boolean =>
  config.store === 'sqlite' || (config.store === 'eventstoredb' && config.databaseUrl === undefined)
