// Copies a whole event log from one store to another (embedded → PostgreSQL, say), in log
// order, keeping every event's id, stream, revision, data, metadata and recorded time.
// Resumable: a copy that stopped part-way (killed, a lost connection) goes on after the last
// event the target has, and what is copied twice is a no-op (event ids are idempotent).
import type { EventStore, RecordedEvent } from './event-store.ts'

export interface CopyProgress {
  /** The source's position copied up to (positions grow with the log, nearly one per event). */
  readonly position: number
  /** The source's head when the copy started: what it copies up to. */
  readonly head: number
  /** Events written to the target by this run (an earlier run's are not counted). */
  readonly copied: number
}

export interface CopyOptions {
  readonly batchSize?: number
  readonly onProgress?: (progress: CopyProgress) => void
  readonly signal?: AbortSignal
}

/** The target holds events that are not this source's: copying would mix two logs. */
export class CopyMismatchError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'CopyMismatchError'
  }
}

export async function copyLog (source: EventStore, target: EventStore, options: CopyOptions = {}): Promise<CopyProgress> {
  const batchSize = options.batchSize ?? 2000
  const head = await source.headPosition()
  let after = await resumeAfter(source, target)
  let copied = 0
  options.onProgress?.({ position: after, head, copied })
  while (after < head && options.signal?.aborted !== true) {
    const batch = (await source.readAll({ after, maxCount: batchSize })).filter(e => e.position <= head)
    if (batch.length === 0) break
    // Consecutive events of one stream recorded at one time go in one append.
    for (const run of runs(batch)) {
      const first = run[0] as RecordedEvent
      const result = await target.append(first.streamId, run.map(e => ({ id: e.id, type: e.type, data: e.data, metadata: e.metadata })), {
        expectedRevision: first.revision === 0 ? 'no-stream' : first.revision - 1,
        recordedAt: first.recordedAt
      })
      if (!result.duplicate) copied += run.length
      if (result.revision !== (run[run.length - 1] as RecordedEvent).revision) {
        throw new CopyMismatchError(`stream ${first.streamId} has other events in the target (revision ${result.revision} where the source has ${(run[run.length - 1] as RecordedEvent).revision}): copy into an empty store`)
      }
    }
    after = (batch[batch.length - 1] as RecordedEvent).position
    options.onProgress?.({ position: after, head, copied })
  }
  return { position: after, head, copied }
}

/** Where the source stands for the last event the target has (0: start from the beginning). */
async function resumeAfter (source: EventStore, target: EventStore): Promise<number> {
  const targetHead = await target.headPosition()
  if (targetHead === 0) return 0
  const [last] = await target.readAll({ after: targetHead - 1, maxCount: 1 })
  if (last === undefined) return 0
  const twin = (await source.readStream(last.streamId, { fromRevision: last.revision, maxCount: 1 }))[0]
  if (twin === undefined || twin.id !== last.id) {
    throw new CopyMismatchError(`the target's last event (${last.id} in ${last.streamId}) is not in the source: copy into an empty store, or into the one an earlier copy of this source filled`)
  }
  return twin.position
}

function runs (batch: readonly RecordedEvent[]): RecordedEvent[][] {
  const out: RecordedEvent[][] = []
  for (const event of batch) {
    const current = out[out.length - 1]
    const previous = current?.[current.length - 1]
    if (current !== undefined && previous !== undefined && previous.streamId === event.streamId && previous.recordedAt === event.recordedAt && previous.revision + 1 === event.revision) current.push(event)
    else out.push([event])
  }
  return out
}
