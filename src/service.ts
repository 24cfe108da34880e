// Wires the store, the read models and the projection runner into an AppContext.
import { randomFillSync } from 'node:crypto'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { ProjectionRunner } from './projections/runner.ts'
import type { DefinitionsModule } from './projections/parallel-replay.ts'
import { openStorage, type StorageChoice } from './storage.ts'
import { projections } from '../projections/index.ts'
import type { AppContext } from './app/context.ts'
import { loadOrCreateSecret } from './secrets.ts'
import { PackageBuilder, type BuildFunction } from './packaging/package-builder.ts'
import { DeliverySender, type DeliverySenderOptions } from './lms/delivery-sender.ts'
import { buildPackage } from '../packaging/build-package.ts'

/** Where the replay workers find the projections the service runs. */
export const projectionsModule: DefinitionsModule = { url: new URL('../projections/index.ts', import.meta.url).href, exportName: 'projections' }

export interface ServiceOptions {
  readonly dataDir: string
  readonly sqliteSynchronous?: 'full' | 'normal'
  /** Where the data lives (default: the embedded SQLite file in dataDir, with sqliteSynchronous). */
  readonly storage?: StorageChoice
  readonly tokenSecret?: string
  /** The address packages point at (PUBLIC_URL). */
  readonly publicUrl?: string
  readonly now?: () => number
  readonly log: Logger
  /** Start the projection loops (default true). */
  readonly live?: boolean
  /** Replaces the zip builder (tests that need a failing or slow build). */
  readonly build?: BuildFunction
  /** Retry pauses of LMS deliveries (tests use short ones). */
  readonly delivery?: DeliverySenderOptions
}

export interface Service {
  readonly ctx: AppContext
  readonly packageBuilder: PackageBuilder
  readonly deliverySender: DeliverySender
  close (): Promise<void>
}

// Random bytes are drawn a few kilobytes at a time: one system call per id would cost more
// than the rest of a small request.
const idBytes = 12
const idPool = Buffer.alloc(idBytes * 512)
let idOffset = idPool.length

/** A new unguessable id: the prefix, then 96 random bits in 16 URL-safe characters. */
export const newId = (prefix: string): string => {
  if (idOffset + idBytes > idPool.length) {
    randomFillSync(idPool)
    idOffset = 0
  }
  const id = idPool.toString('base64url', idOffset, idOffset + idBytes)
  idOffset += idBytes
  return `${prefix}_${id.replace(/[-_]/g, 'x')}`
}

export async function openService (options: ServiceOptions): Promise<Service> {
  const now = options.now ?? Date.now
  const tokenSecret = options.tokenSecret ?? loadOrCreateSecret(join(options.dataDir, 'token-secret'))
  const storage = await openStorage(options.storage ?? { kind: 'sqlite', synchronous: options.sqliteSynchronous ?? 'full' }, { dataDir: options.dataDir, now, tokenSecret, projectionsModule, log: options.log })
  const { store, readModels } = storage
  const runner = new ProjectionRunner(store, readModels, projections, options.log.child({ component: 'projections' }), {
    ...(storage.parallelReplay === undefined ? {} : { parallelReplay: storage.parallelReplay })
  })
  if (options.live !== false) await runner.start()
  const ctx: AppContext = { store, runner, now, newId, log: options.log, tokenSecret, publicUrl: options.publicUrl ?? 'http://127.0.0.1:3000', packageFiles: storage.packageFiles, lmsCredentials: storage.lmsCredentials }
  const build: BuildFunction = options.build ?? (async input => buildPackage(input))
  const packageBuilder = new PackageBuilder(ctx, readModels, build, options.log.child({ component: 'package-builder' }))
  if (options.live !== false) await packageBuilder.start()
  const deliverySender = new DeliverySender(ctx, options.log.child({ component: 'lms-delivery' }), options.delivery)
  if (options.live !== false) await deliverySender.start()
  let closing: Promise<void> | undefined
  return {
    ctx,
    packageBuilder,
    deliverySender,
    async close () {
      // Once, however often it is called (a test closing early, then its teardown).
      closing ??= (async () => {
        await deliverySender.stop()
        await packageBuilder.stop()
        await runner.stop()
        await store.close()
        await storage.close()
      })()
      await closing
    }
  }
}
