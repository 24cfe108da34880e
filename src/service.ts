// Wires the store, the read models and the projection runner into an AppContext.
import { randomFillSync } from 'node:crypto'
import type { Logger } from 'pino'
import { ProjectionRunner } from './projections/runner.ts'
import type { DefinitionsModule } from './projections/parallel-replay.ts'
import { openStorage, type StorageChoice } from './storage.ts'
import type { Lease } from './store/postgres/pg-lease.ts'
import { projections, projectionsModule as projectionDefinitionsModule } from '../projections/index.ts'
import type { AppContext } from './app/context.ts'
import { PackageBuilder, type BuildFunction } from './packaging/package-builder.ts'
import { DeliverySender, type DeliverySenderOptions } from './lms/delivery-sender.ts'
import { buildPackage } from '../packaging/build-package.ts'
import type { KafkaConfig } from './config.ts'
import { kafkaComponents, type KafkaComponents } from './kafka/kafka-components.ts'
import { outboundFetch, type OutboundPolicy } from './lms/outbound.ts'

/** Where the replay workers find the projections the service runs. */
export const projectionsModule: DefinitionsModule = projectionDefinitionsModule

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
  /** Which addresses LMS and LRS calls may reach (default 'public': no private or loopback ones). */
  readonly outbound?: OutboundPolicy
  /** The lease of a shared store was lost while held (default: log it; main exits). */
  readonly onLeaseLost?: (error: Error) => void
  /** Export the log to Kafka and ingest activity from it (KAFKA_*; off when undefined). */
  readonly kafka?: KafkaConfig
}

export interface Service {
  readonly ctx: AppContext
  readonly packageBuilder: PackageBuilder
  readonly deliverySender: DeliverySender
  /** Present when Kafka is configured and the service is live. */
  readonly kafka?: KafkaComponents
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
  const storage = await openStorage(options.storage ?? { kind: 'sqlite', synchronous: options.sqliteSynchronous ?? 'full' }, { dataDir: options.dataDir, now, tokenSecret: options.tokenSecret, projectionsModule, log: options.log })
  const { tokenSecret } = storage
  const { store, readModels } = storage
  const runner = new ProjectionRunner(store, readModels, projections, options.log.child({ component: 'projections' }), {
    ...(storage.parallelReplay === undefined ? {} : { parallelReplay: storage.parallelReplay }),
    // Other instances read what is stored: store it sooner.
    ...(storage.lease === undefined ? {} : { commitIntervalMs: 200 })
  })
  const ctx: AppContext = { store, runner, now, newId, log: options.log, tokenSecret, publicUrl: options.publicUrl ?? 'http://127.0.0.1:3000', packageFiles: storage.packageFiles, lmsCredentials: storage.lmsCredentials, outboundFetch: outboundFetch(options.outbound ?? 'public') }
  const build: BuildFunction = options.build ?? (async input => buildPackage(input))
  const packageBuilder = new PackageBuilder(ctx, readModels, build, options.log.child({ component: 'package-builder' }))
  const deliverySender = new DeliverySender(ctx, options.log.child({ component: 'lms-delivery' }), options.delivery)
  const kafka = options.kafka === undefined || options.live === false ? undefined : kafkaComponents(ctx, readModels, options.kafka, options.log)
  // The background work that must happen once: projections, package builds, LMS deliveries,
  // the export of the log to Kafka.
  const lead = async (): Promise<void> => {
    await runner.start()
    await packageBuilder.start()
    await deliverySender.start()
    await kafka?.exporter.start()
  }
  let leadership: Leadership | undefined
  if (options.live !== false) {
    if (storage.lease === undefined) {
      await lead()
    } else {
      await runner.follow()
      leadership = new Leadership(storage.lease, lead, options.log.child({ component: 'leadership' }), options.onLeaseLost)
      await leadership.start()
    }
    // Every instance consumes activity (the group shares the partitions). It joins in the
    // background: the service serves whether the brokers answer yet or not.
    void kafka?.activity.start()
  }
  let closing: Promise<void> | undefined
  return {
    ctx,
    packageBuilder,
    deliverySender,
    ...(kafka === undefined ? {} : { kafka }),
    async close () {
      // Once, however often it is called (a test closing early, then its teardown).
      closing ??= (async () => {
        // No lead() may start components after they are stopped here.
        await leadership?.stopTrying()
        // Activity in flight is appended and its offsets committed before the store closes.
        await kafka?.activity.stop()
        await kafka?.exporter.stop()
        await deliverySender.stop()
        await packageBuilder.stop()
        await runner.stop()
        // Only once everything it held back is stored may another instance take over.
        await leadership?.release()
        await store.close()
        await storage.close()
      })()
      await closing
    }
  }
}

/**
 * Takes the lease as soon as it is free, then runs `lead` once. Until then the instance serves
 * requests as a follower. A lost lease cannot be handed back safely (work under way would run
 * twice), so it is reported to `onLost`, and the process is expected to stop.
 */
class Leadership {
  private timer: NodeJS.Timeout | undefined
  private stopped = false
  private attempt: Promise<void> | undefined

  constructor (private readonly lease: Lease, private readonly lead: () => Promise<void>, private readonly log: Logger, private readonly onLost: ((error: Error) => void) | undefined, private readonly retryMs = 1000) {}

  async start (): Promise<void> {
    this.lease.onLost(error => {
      this.log.error({ err: error }, 'lost the lease on background work')
      this.onLost?.(error)
    })
    await this.tryLead()
  }

  private async tryLead (): Promise<void> {
    if (this.stopped) return
    let held = false
    try {
      held = await this.lease.tryAcquire()
    } catch (error) {
      this.log.warn({ err: error }, 'could not ask for the lease; trying again')
    }
    if (held && !this.stopped) {
      this.log.info('holding the lease: running projections, package builds, deliveries and the Kafka export here')
      await this.lead()
      return
    }
    this.timer = setTimeout(() => { this.attempt = this.tryLead() }, this.retryMs)
    this.timer.unref()
  }

  /** No new attempt; waits for one under way (and the lead() it may have started). */
  async stopTrying (): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.attempt
  }

  async release (): Promise<void> {
    await this.stopTrying()
    await this.lease.release()
  }
}
