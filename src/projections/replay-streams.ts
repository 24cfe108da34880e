// The fold at the heart of a replay by stream, shared by the runner (on its own thread) and
// the parallel replay's workers: read a range of streams in order, fold each document from
// nothing, and hand documents on, serialised, as soon as their stream is behind the read
// (no later event can change them).
import type { EventStore } from '../store/event-store.ts'
import type { ProjectionDefinition } from './projection.ts'
import { evolveDocuments } from './evolve.ts'

export interface StreamRange {
  readonly types: readonly string[]
  readonly upTo: number
  /** First stream (inclusive); none: from the start. */
  readonly fromStream?: string
  /** End (exclusive); none: to the end. */
  readonly beforeStream?: string
}

export async function replayStreams (
  store: EventStore,
  definition: ProjectionDefinition,
  range: StreamRange,
  options: { pageSize: number, handOnEvery: number, signal?: AbortSignal | undefined },
  handOn: (documents: [string, string | undefined][]) => Promise<void> | void
): Promise<void> {
  const documents = new Map<string, unknown>()
  const streamOf = new Map<string, string>()
  let finished: [string, string | undefined][] = []
  const finish = async (key: string): Promise<void> => {
    const doc = documents.get(key)
    finished.push([key, doc === undefined ? undefined : JSON.stringify(doc)])
    documents.delete(key)
    streamOf.delete(key)
    if (finished.length >= options.handOnEvery) {
      const ready = finished
      finished = []
      await handOn(ready)
    }
  }
  let after = range.fromStream === undefined ? undefined : { streamId: range.fromStream, revision: -1 }
  for (;;) {
    options.signal?.throwIfAborted()
    const page = await store.readByStream({
      types: range.types, upTo: range.upTo, maxCount: options.pageSize,
      ...(after === undefined ? {} : { after }),
      ...(range.beforeStream === undefined ? {} : { beforeStream: range.beforeStream })
    })
    const last = page[page.length - 1]
    if (last === undefined) break
    after = { streamId: last.streamId, revision: last.revision }
    for (const event of page) for (const key of definition.keys(event)) streamOf.set(key, event.streamId)
    for (const [key, doc] of await evolveDocuments(definition, page, async key => documents.get(key))) documents.set(key, doc)
    // Only the page's last stream can continue on the next page.
    for (const [key, stream] of [...streamOf]) if (stream !== last.streamId) await finish(key)
    // Pages are synchronous work: let timers and requests run between them.
    await new Promise(resolve => setImmediate(resolve))
  }
  for (const key of [...documents.keys()]) await finish(key)
  if (finished.length > 0) await handOn(finished)
}
