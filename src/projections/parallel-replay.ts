// Rebuilding a projection whose documents follow streams (see ProjectionDefinition) on
// several threads: the log is cut into ranges of streams, a worker replays each range stream
// by stream and sends back finished documents, and the caller stores them. Reading the log
// along the (stream, revision) index costs more than folding it, so the reading is what runs
// in parallel; the thread that stores the documents stays free for its own work.
import { Worker } from 'node:worker_threads'
import type { SqliteEventStore } from '../store/sqlite/sqlite-event-store.ts'

const workerHeapMb = 64

export interface ParallelReplay {
  /**
   * Replays the events of these types up to `upTo` for one projection, from nothing. Calls
   * `onDocuments` (one call at a time) with documents that no later event changes, already
   * serialised as JSON (undefined: no document).
   */
  replay (projection: string, types: readonly string[], upTo: number, onDocuments: (documents: Map<string, string | undefined>) => Promise<void>, signal?: AbortSignal): Promise<void>
}

/** Where a worker finds the projection definitions: a module and the name of its exported array. */
export interface DefinitionsModule {
  readonly url: string
  readonly exportName: string
}

export interface ReplayWorkerData {
  readonly filename: string
  readonly definitions: DefinitionsModule
  readonly projection: string
  readonly types: readonly string[]
  readonly upTo: number
  /** First stream of the range (inclusive); none: from the start. */
  readonly fromStream?: string
  /** End of the range (exclusive); none: to the end. */
  readonly beforeStream?: string
}

export type ReplayWorkerMessage =
  | { readonly type: 'documents', readonly documents: [string, string | undefined][] }
  | { readonly type: 'done' }
  | { readonly type: 'failed', readonly message: string }

/** The embedded store's parallel replay: workers read the same SQLite file on their own connections. */
export class SqliteParallelReplay implements ParallelReplay {
  constructor (
    private readonly filename: string,
    private readonly store: SqliteEventStore,
    private readonly definitions: DefinitionsModule,
    private readonly threads = 2
  ) {}

  async replay (projection: string, types: readonly string[], upTo: number, onDocuments: (documents: Map<string, string | undefined>) => Promise<void>, signal?: AbortSignal): Promise<void> {
    const splits = this.store.streamSplits(upTo, this.threads)
    const ranges = [undefined, ...splits].map((fromStream, i) => ({ fromStream, beforeStream: splits[i] }))
    // Once one part fails (or the caller stops), nothing more is stored and every worker stops:
    // the caller starts again from nothing and must not meet documents arriving late.
    let cancelled = false
    let stored: Promise<void> = Promise.resolve()
    const store = (documents: Map<string, string | undefined>): void => {
      if (cancelled) return
      stored = stored
        .then(async () => { if (!cancelled) await onDocuments(documents) })
        .catch((error: unknown) => { stopAll(); throw error })
    }
    const workers: Worker[] = []
    const stopAll = (): void => {
      cancelled = true
      for (const worker of workers) void worker.terminate()
    }
    signal?.addEventListener('abort', stopAll, { once: true })
    const runs = ranges.map(range => this.run({
      filename: this.filename,
      definitions: this.definitions,
      projection,
      types,
      upTo,
      ...(range.fromStream === undefined ? {} : { fromStream: range.fromStream }),
      ...(range.beforeStream === undefined ? {} : { beforeStream: range.beforeStream })
    }, store, worker => workers.push(worker)).catch((error: unknown) => { stopAll(); throw error }))
    try {
      const outcomes = await Promise.allSettled(runs)
      const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')
      if (failed !== undefined) throw failed.reason
      signal?.throwIfAborted()
      await stored
    } catch (error) {
      cancelled = true
      await stored.catch(() => {})
      throw error
    } finally {
      signal?.removeEventListener('abort', stopAll)
    }
  }

  private async run (data: ReplayWorkerData, store: (documents: Map<string, string | undefined>) => void, started: (worker: Worker) => void): Promise<void> {
    // A worker holds one page of events and the documents of the streams on it: a small heap,
    // bounded so that several of them cannot grow the process the way unbounded heaps would.
    const worker = new Worker(new URL('./replay-worker.mjs', import.meta.url), {
      workerData: data,
      resourceLimits: { maxOldGenerationSizeMb: workerHeapMb, maxYoungGenerationSizeMb: 8 }
    })
    started(worker)
    await new Promise<void>((resolve, reject) => {
      let settled = false
      const settle = (error?: Error): void => {
        if (settled) return
        settled = true
        if (error === undefined) resolve()
        else reject(error)
      }
      worker.on('message', (message: ReplayWorkerMessage) => {
        if (message.type === 'documents') store(new Map(message.documents))
        else if (message.type === 'done') settle()
        else settle(new Error(`replay of ${data.projection} failed: ${message.message}`))
      })
      worker.on('error', error => settle(error))
      worker.on('exit', code => settle(code === 0 ? undefined : new Error(`replay worker of ${data.projection} exited with ${code}`)))
    })
    await worker.terminate()
  }
}
