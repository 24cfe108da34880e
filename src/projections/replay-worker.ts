// One range of a parallel replay (see parallel-replay.ts): reads its streams in order on its
// own connection, folds each document, and posts documents back as soon as their stream is
// behind it (no later event can change them), a thousand at a time.
import { parentPort, workerData } from 'node:worker_threads'
import { openSqlite } from '../store/sqlite/database.ts'
import { SqliteEventStore } from '../store/sqlite/sqlite-event-store.ts'
import type { ProjectionDefinition } from './projection.ts'
import { evolveDocuments } from './evolve.ts'
import type { ReplayWorkerData, ReplayWorkerMessage } from './parallel-replay.ts'

const pageSize = 2000
const postEvery = 1000

async function replay (data: ReplayWorkerData, post: (message: ReplayWorkerMessage) => void): Promise<void> {
  const module = await import(data.definitions.url) as Record<string, readonly ProjectionDefinition[] | undefined>
  const definition = module[data.definitions.exportName]?.find(d => d.name === data.projection)
  if (definition === undefined) throw new Error(`no projection ${data.projection} in ${data.definitions.url}`)
  const db = openSqlite({ filename: data.filename, synchronous: 'normal' })
  const store = new SqliteEventStore(db)
  try {
    const documents = new Map<string, unknown>()
    const streamOf = new Map<string, string>()
    let finished: [string, string | undefined][] = []
    const finish = (key: string): void => {
      const doc = documents.get(key)
      // Serialised here, on the worker's thread: the storing thread only writes strings.
      finished.push([key, doc === undefined ? undefined : JSON.stringify(doc)])
      documents.delete(key)
      streamOf.delete(key)
      if (finished.length >= postEvery) {
        post({ type: 'documents', documents: finished })
        finished = []
      }
    }
    let after = data.fromStream === undefined ? undefined : { streamId: data.fromStream, revision: -1 }
    for (;;) {
      const page = await store.readByStream({
        types: data.types, upTo: data.upTo, maxCount: pageSize,
        ...(after === undefined ? {} : { after }),
        ...(data.beforeStream === undefined ? {} : { beforeStream: data.beforeStream })
      })
      const last = page[page.length - 1]
      if (last === undefined) break
      after = { streamId: last.streamId, revision: last.revision }
      for (const event of page) for (const key of definition.keys(event)) streamOf.set(key, event.streamId)
      for (const [key, doc] of await evolveDocuments(definition, page, async key => documents.get(key))) documents.set(key, doc)
      // Only the page's last stream can continue on the next page.
      for (const [key, stream] of [...streamOf]) if (stream !== last.streamId) finish(key)
    }
    for (const key of [...documents.keys()]) finish(key)
    if (finished.length > 0) post({ type: 'documents', documents: finished })
  } finally {
    await store.close()
    db.close()
  }
}

const port = parentPort
if (port !== null) {
  replay(workerData as ReplayWorkerData, message => port.postMessage(message)).then(
    () => port.postMessage({ type: 'done' } satisfies ReplayWorkerMessage),
    (error: unknown) => port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies ReplayWorkerMessage)
  )
}
