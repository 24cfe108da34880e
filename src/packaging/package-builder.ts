// Turns package revisions into zips, asynchronously (R7): it follows the log from its
// own checkpoint, so a build interrupted by a restart is done after it. Recording an
// outcome is idempotent (the decider ignores a revision already decided), so a
// replayed event never builds twice into the log.
import type { Logger } from 'pino'
import type { RecordedEvent } from '../store/event-store.ts'
import type { ReadModelStore } from '../projections/projection.ts'
import { Signal } from '../store/signal.ts'
import { packageDecider, type PackageCommand, type PackageEvent, type PackageFormat } from '../domain/packaging/package.ts'
import type { DataOf } from '../../schemas/events.ts'
import type { AppContext } from '../app/context.ts'
import { handleCommand } from '../app/handle-command.ts'
import { launchKeyFor } from '../app/credentials.ts'

export interface BuildInput { packageId: string, revision: number, title: string, format: PackageFormat, serviceUrl: string, launchKey: string }
export interface BuildOutput { bytes: Buffer, checksum: string, fileName: string }
export type BuildFunction = (input: BuildInput) => Promise<BuildOutput>

const checkpointName = 'package-builder'
const triggers = new Set(['PackageRequested', 'PackageRevised'])
/** How often, at most, the checkpoint is stored while no build happens. */
const checkpointEveryMs = 1000

export class PackageBuilder {
  private abort = new AbortController()
  private loop: Promise<void> | undefined
  private position = 0
  private readonly progressed = new Signal()

  constructor (
    private readonly ctx: AppContext,
    private readonly readModels: ReadModelStore,
    private readonly build: BuildFunction,
    private readonly log: Logger
  ) {}

  async start (): Promise<void> {
    this.position = (await this.readModels.checkpoint(checkpointName))?.position ?? 0
    this.abort = new AbortController()
    this.loop = this.run(this.abort.signal)
  }

  async stop (): Promise<void> {
    this.abort.abort()
    await this.loop
  }

  /** Resolves when every package event up to `position` has been built or failed. */
  async waitFor (position: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.position < position) {
      if (Date.now() > deadline) throw new Error(`package builder did not reach ${position}`)
      await this.progressed.wait(100)
    }
  }

  private async run (signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        // Builds are idempotent (a revision that has an outcome is skipped), so events read
        // again after a crash change nothing: the checkpoint is stored after a build, and
        // otherwise only when the log goes quiet or once a second.
        let storedAt = Date.now()
        let stored = this.position
        const batches = this.ctx.store.subscribe({ after: this.position, maxCount: 500, signal, lingerMs: 1, idleMs: checkpointEveryMs })
        for await (const batch of batches) {
          let built = false
          for (const event of batch) {
            if (triggers.has(event.type)) {
              await this.buildFor(event)
              built = true
            }
          }
          const last = batch[batch.length - 1]
          if (last !== undefined) {
            this.position = last.position
            this.progressed.notify()
          }
          if (this.position > stored && (built || batch.length === 0 || Date.now() - storedAt >= checkpointEveryMs)) {
            await this.readModels.commit(checkpointName, { position: this.position, version: 1 }, new Map())
            stored = this.position
            storedAt = Date.now()
          }
        }
        if (this.position > stored) await this.readModels.commit(checkpointName, { position: this.position, version: 1 }, new Map())
        return
      } catch (error) {
        this.log.error({ err: error }, 'package builder failed; retrying')
        await this.progressed.wait(1000, signal)
      }
    }
  }

  private async buildFor (trigger: RecordedEvent): Promise<void> {
    const streamId = trigger.streamId
    const history = await this.ctx.store.readStream(streamId)
    const state = history.reduce((s, e) => packageDecider.evolve(s, { type: e.type, data: e.data } as PackageEvent), packageDecider.initialState)
    const revision = (trigger.data as { revision: number }).revision
    if (state.accountId === undefined || state.retired || state.revision !== revision || state.outcomes.has(revision)) return
    const requested = history[0]?.data as DataOf<'PackageRequested'>
    const packageId = requested.packageId
    const metadata = { now: this.ctx.now(), accountId: state.accountId, actor: { kind: 'system' as const, id: 'package-builder' } }
    let command: PackageCommand
    try {
      const serviceUrl = this.ctx.publicUrl
      const built = await this.build({ packageId, revision, title: state.title, format: requested.format, serviceUrl, launchKey: launchKeyFor(this.ctx.tokenSecret, packageId, revision) })
      await this.ctx.packageFiles.put(packageId, revision, built.checksum, built.bytes)
      command = { type: 'RecordBuild', data: { revision, checksum: built.checksum, size: built.bytes.length, fileName: built.fileName, serviceUrl }, metadata }
      this.log.info({ packageId, revision, size: built.bytes.length }, 'package built')
    } catch (error) {
      this.log.warn({ err: error, packageId, revision }, 'package build failed')
      command = { type: 'RecordBuildFailure', data: { revision, reason: error instanceof Error ? error.message : String(error) }, metadata }
    }
    await handleCommand(this.ctx, streamId, packageDecider, command)
  }
}
