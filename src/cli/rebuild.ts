// `mastery-sync rebuild <projection>`: drops a projection's read model and replays the whole
// log into it, as the service does for a new projection version. It must be the only writer
// of read models while it runs (src/cli/store-access.ts): it refuses when a service runs the
// projections of the same store, and holds the lease (PostgreSQL) while it works.
import { pino } from 'pino'
import { loadConfig } from '../config.ts'
import { ProjectionRunner } from '../projections/runner.ts'
import type { ReadModelStore } from '../projections/projection.ts'
import { projections } from '../../projections/index.ts'
import { openStore } from './store-access.ts'
import { progressBar } from './progress-bar.ts'

export interface RebuildResult {
  readonly projection: string
  /** The log position the read model now reflects. */
  readonly position: number
  readonly seconds: number
}

/** The read models, counting the documents a replay by stream stores (its only sign of progress). */
function countingDocuments (readModels: ReadModelStore, onStored: (documents: number) => void): ReadModelStore {
  return {
    checkpoint: async projection => readModels.checkpoint(projection),
    get: async (projection, key) => readModels.get(projection, key),
    list: async (projection, prefix, limit) => readModels.list(projection, prefix, limit),
    commit: async (projection, checkpoint, changes) => readModels.commit(projection, checkpoint, changes),
    commitSerialised: async (projection, checkpoint, changes) => {
      await readModels.commitSerialised(projection, checkpoint, changes)
      onStored(changes.size)
    },
    reset: async (projection, version) => readModels.reset(projection, version)
  }
}

export async function rebuild (name: string): Promise<RebuildResult> {
  const definition = projections.find(p => p.name === name)
  if (definition === undefined) throw new Error(`unknown projection "${name}": choose one of ${projections.map(p => p.name).join(', ')}`)
  const config = loadConfig()
  const started = Date.now()
  const opened = await openStore(config, { requireAlone: `rebuilding ${name}` })
  const { storage } = opened
  const bar = progressBar(process.stderr, { label: `rebuilding ${name}` })
  let documents = 0
  const readModels = countingDocuments(storage.readModels, n => { documents += n })
  const runner = new ProjectionRunner(storage.store, readModels, [definition], pino({ level: 'silent' }), {
    ...(storage.parallelReplay === undefined ? {} : { parallelReplay: storage.parallelReplay })
  })
  const head = await storage.store.headPosition()
  // The runner reports no progress: read its position. A projection whose documents follow
  // streams is first replayed stream by stream, where only stored documents can be counted.
  const show = (): void => {
    const position = runner.status()[0]?.position ?? 0
    if (position === 0 && documents > 0) bar.count(`${documents} documents replayed stream by stream`)
    else bar.update(position, head, `position ${position} of ${head}`)
  }
  const timer = setInterval(show, 200)
  try {
    show()
    await runner.rebuild(name)
    bar.update(head, head, `position ${head} of ${head}`)
    bar.done()
    return { projection: name, position: runner.status()[0]?.position ?? head, seconds: (Date.now() - started) / 1000 }
  } finally {
    clearInterval(timer)
    await runner.stop()
    await opened.close()
  }
}
