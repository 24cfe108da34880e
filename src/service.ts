// Wires the store, the read models and the projection runner into an AppContext.
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { openSqlite } from './store/sqlite/database.ts'
import { SqliteEventStore } from './store/sqlite/sqlite-event-store.ts'
import { SqliteReadModels } from './store/sqlite/sqlite-read-models.ts'
import { ProjectionRunner } from './projections/runner.ts'
import { projections } from '../projections/index.ts'
import type { AppContext } from './app/context.ts'
import { loadOrCreateSecret } from './secrets.ts'

export interface ServiceOptions {
  readonly dataDir: string
  readonly sqliteSynchronous?: 'full' | 'normal'
  readonly tokenSecret?: string
  readonly now?: () => number
  readonly log: Logger
  /** Start the projection loops (default true). */
  readonly live?: boolean
}

export interface Service {
  readonly ctx: AppContext
  close (): Promise<void>
}

export const newId = (prefix: string): string => `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`

export async function openService (options: ServiceOptions): Promise<Service> {
  const now = options.now ?? Date.now
  const db = openSqlite({ filename: join(options.dataDir, 'mastery-sync.sqlite'), synchronous: options.sqliteSynchronous ?? 'full' })
  const store = new SqliteEventStore(db, { now })
  const readModels = new SqliteReadModels(db, now)
  const runner = new ProjectionRunner(store, readModels, projections, options.log.child({ component: 'projections' }))
  if (options.live !== false) await runner.start()
  const tokenSecret = options.tokenSecret ?? loadOrCreateSecret(join(options.dataDir, 'token-secret'))
  const ctx: AppContext = { store, runner, now, newId, log: options.log, tokenSecret }
  return {
    ctx,
    async close () {
      await runner.stop()
      await store.close()
      db.close()
    }
  }
}
