// One range of a parallel replay (see parallel-replay.ts), on its own connection: the fold of
// replay-streams.ts, posting finished documents back a thousand at a time.
import { parentPort, workerData } from 'node:worker_threads'
import { openSqlite } from '../store/sqlite/database.ts'
import { SqliteEventStore } from '../store/sqlite/sqlite-event-store.ts'
import type { ProjectionDefinition } from './projection.ts'
import { replayStreams } from './replay-streams.ts'
import type { ReplayWorkerData, ReplayWorkerMessage } from './parallel-replay.ts'

async function replay (data: ReplayWorkerData, post: (message: ReplayWorkerMessage) => void): Promise<void> {
  const module = await import(data.definitions.url) as Record<string, readonly ProjectionDefinition[] | undefined>
  const definition = module[data.definitions.exportName]?.find(d => d.name === data.projection)
  if (definition === undefined) throw new Error(`no projection ${data.projection} in ${data.definitions.url}`)
  const db = openSqlite({ filename: data.filename, synchronous: 'normal' })
  const store = new SqliteEventStore(db)
  try {
    // Serialised here, on the worker's thread: the storing thread only writes strings.
    await replayStreams(store, definition, data, { pageSize: 2000, handOnEvery: 1000 }, documents => post({ type: 'documents', documents }))
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
