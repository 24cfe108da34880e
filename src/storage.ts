// Where the service keeps its data (STORE): the event log, the read models with their
// checkpoints, built package files and sealed LRS credentials, behind the ports the rest of the
// service uses. The embedded SQLite file is the default; PostgreSQL holds everything in one
// database; EventStoreDB holds the log, with the rest in PostgreSQL or the embedded file.
import { join } from 'node:path'
import type pg from 'pg'
import type { Logger } from 'pino'
import type { Config } from './config.ts'
import type { EventStore } from './store/event-store.ts'
import type { ReadModelStore } from './projections/projection.ts'
import type { PackageFiles } from './packaging/package-files.ts'
import type { LmsCredentials } from './lms/lms-credentials.ts'
import type { ParallelReplay, DefinitionsModule } from './projections/parallel-replay.ts'
import { SqliteParallelReplay } from './projections/parallel-replay.ts'
import { openSqlite, type SqliteDatabase } from './store/sqlite/database.ts'
import { SqliteEventStore } from './store/sqlite/sqlite-event-store.ts'
import { WalCheckpointer } from './store/sqlite/checkpointer.ts'
import { SqliteReadModels } from './store/sqlite/sqlite-read-models.ts'
import { SqlitePackageFiles } from './store/sqlite/sqlite-package-files.ts'
import { SqliteLmsCredentials } from './store/sqlite/sqlite-lms-credentials.ts'
import { openPostgres, sharedSecret } from './store/postgres/migrations.ts'
import { loadOrCreateSecret } from './secrets.ts'
import { randomBytes } from 'node:crypto'
import { PgEventStore } from './store/postgres/pg-event-store.ts'
import { PgReadModels } from './store/postgres/pg-read-models.ts'
import { PgPackageFiles } from './store/postgres/pg-package-files.ts'
import { PgLmsCredentials } from './store/postgres/pg-lms-credentials.ts'
import { PgLease, type Lease } from './store/postgres/pg-lease.ts'
import { EsdbEventStore } from './store/eventstoredb/esdb-event-store.ts'

export type StorageChoice =
  | { readonly kind: 'sqlite', readonly synchronous?: 'full' | 'normal' }
  | { readonly kind: 'postgres', readonly url: string }
  | { readonly kind: 'eventstoredb', readonly url: string, readonly databaseUrl?: string }

/** The store the configuration names (STORE, DATABASE_URL, EVENTSTORE_URL, SQLITE_SYNCHRONOUS). */
export function storageFromConfig (config: Config): StorageChoice {
  if (config.store === 'postgres') return { kind: 'postgres', url: config.databaseUrl ?? '' }
  if (config.store === 'eventstoredb') return { kind: 'eventstoredb', url: config.eventstoreUrl ?? '', ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }) }
  return { kind: 'sqlite', synchronous: config.sqliteSynchronous }
}

export interface Storage {
  /** TOKEN_SECRET, or one made on first use: in DATA_DIR for the embedded store, in the database when instances share it. */
  readonly tokenSecret: string
  readonly store: EventStore
  readonly readModels: ReadModelStore
  readonly packageFiles: PackageFiles
  readonly lmsCredentials: LmsCredentials
  /** Replays on worker threads (the embedded store only). */
  readonly parallelReplay?: ParallelReplay
  /**
   * Several service instances can share this storage (PostgreSQL): the one holding this lease
   * runs projections, package builds and deliveries. Without it the instance is alone.
   */
  readonly lease?: Lease
  /** After the event store is closed by its user: closes what was opened here. */
  close (): Promise<void>
}

export interface StorageContext {
  readonly dataDir: string
  readonly now: () => number
  /** TOKEN_SECRET when set. */
  readonly tokenSecret: string | undefined
  readonly projectionsModule: DefinitionsModule
  readonly log: Logger
}

export async function openStorage (choice: StorageChoice, given: StorageContext): Promise<Storage> {
  if (choice.kind === 'postgres') {
    const pool = await openPostgres({ connectionString: choice.url, onError: error => given.log.warn({ err: error }, 'a pooled PostgreSQL connection failed') })
    const context = { ...given, tokenSecret: given.tokenSecret ?? await sharedSecret(pool, 'token-secret', newSecret) }
    return {
      tokenSecret: context.tokenSecret,
      store: new PgEventStore(pool, { now: context.now }),
      ...pgSideStores(pool, context),
      lease: new PgLease(choice.url, undefined, { warn: message => given.log.warn(message) }),
      close: async () => { await pool.end() }
    }
  }
  if (choice.kind === 'eventstoredb') {
    const store = new EsdbEventStore(choice.url)
    if (choice.databaseUrl !== undefined) {
      const pool = await openPostgres({ connectionString: choice.databaseUrl, onError: error => given.log.warn({ err: error }, 'a pooled PostgreSQL connection failed') })
      const context = { ...given, tokenSecret: given.tokenSecret ?? await sharedSecret(pool, 'token-secret', newSecret) }
      return { tokenSecret: context.tokenSecret, store, ...pgSideStores(pool, context), lease: new PgLease(choice.databaseUrl, undefined, { warn: message => given.log.warn(message) }), close: async () => { await pool.end() } }
    }
    const context = localContext(given)
    const side = openSqliteFile(context, 'full')
    return { tokenSecret: context.tokenSecret, store, ...sqliteSideStores(side.db, context), close: side.close }
  }
  const context = localContext(given)
  const file = openSqliteFile(context, choice.synchronous ?? 'full')
  const store = new SqliteEventStore(file.db, { now: context.now })
  return {
    tokenSecret: context.tokenSecret,
    store,
    ...sqliteSideStores(file.db, context),
    parallelReplay: new SqliteParallelReplay(file.filename, store, context.projectionsModule),
    close: file.close
  }
}

type ResolvedContext = StorageContext & { readonly tokenSecret: string }

/** One process on its own files: the secret lives in DATA_DIR. */
function localContext (given: StorageContext): ResolvedContext {
  return { ...given, tokenSecret: given.tokenSecret ?? loadOrCreateSecret(join(given.dataDir, 'token-secret')) }
}

const newSecret = (): string => randomBytes(32).toString('base64url')

/** The embedded store's file in DATA_DIR. */
export const sqliteFile = (dataDir: string): string => join(dataDir, 'mastery-sync.sqlite')

function openSqliteFile (context: StorageContext, synchronous: 'full' | 'normal') {
  const filename = sqliteFile(context.dataDir)
  const db = openSqlite({ filename, synchronous })
  const checkpointer = new WalCheckpointer(db)
  return { db, filename, close: async () => { await checkpointer.close(); db.close() } }
}

function sqliteSideStores (db: SqliteDatabase, context: ResolvedContext) {
  return {
    readModels: new SqliteReadModels(db, context.now),
    packageFiles: new SqlitePackageFiles(db),
    lmsCredentials: new SqliteLmsCredentials(db, context.tokenSecret, context.now)
  }
}

function pgSideStores (pool: pg.Pool, context: ResolvedContext) {
  return {
    readModels: new PgReadModels(pool, context.now),
    packageFiles: new PgPackageFiles(pool),
    lmsCredentials: new PgLmsCredentials(pool, context.tokenSecret, context.now)
  }
}
