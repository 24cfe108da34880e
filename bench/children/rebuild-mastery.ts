// Target 3 and 4: rebuilds the mastery projection from the log with the real runner,
// as the service wires it (openSqlite defaults, SqliteEventStore, SqliteReadModels,
// every projection registered, the parallel replay), and reports its time and this
// process's peak RSS.
import { pino } from 'pino'
import { openSqlite } from '../../src/store/sqlite/database.ts'
import { SqliteEventStore } from '../../src/store/sqlite/sqlite-event-store.ts'
import { SqliteReadModels } from '../../src/store/sqlite/sqlite-read-models.ts'
import { ProjectionRunner } from '../../src/projections/runner.ts'
import { projections } from '../../projections/index.ts'
import { SqliteParallelReplay } from '../../src/projections/parallel-replay.ts'
import { projectionsModule } from '../../src/service.ts'
import { reportFailure } from '../support/child.ts'

export interface RebuildResult {
  readonly events: number
  readonly seconds: number
  readonly documents: number
  /** Peak resident set of this process (the OS's high-water mark). */
  readonly maxRssBytes: number
  readonly rssBeforeBytes: number
}

async function main (): Promise<void> {
  const file = process.argv[2]
  if (file === undefined) throw new Error('usage: rebuild-mastery.ts <sqlite file>')
  const db = openSqlite({ filename: file })
  const store = new SqliteEventStore(db)
  const runner = new ProjectionRunner(store, new SqliteReadModels(db), projections, pino({ level: 'silent' }), {
    parallelReplay: new SqliteParallelReplay(file, store, projectionsModule)
  })
  const events = (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n
  const rssBeforeBytes = process.memoryUsage().rss
  const started = performance.now()
  await runner.rebuild('mastery')
  const seconds = (performance.now() - started) / 1000
  const documents = (db.prepare("SELECT COUNT(*) AS n FROM projection_docs WHERE projection = 'mastery'").get() as { n: number }).n
  await store.close()
  db.close()
  const result: RebuildResult = { events, seconds, documents, maxRssBytes: process.resourceUsage().maxRSS * 1024, rssBeforeBytes }
  process.send?.({ type: 'result', result })
}

main().catch(reportFailure)
