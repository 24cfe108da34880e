// Target 1: appends/s of the embedded store ÷ raw better-sqlite3 inserts of the same rows.
//
// Store side: `inFlight` single-event appends are kept outstanding (expectedRevision 'any'),
// half to streams of their own, half to 100 shared streams, so group commit can gather
// them. Group sizes are counted by wrapping the store's db.transaction (one per flush).
// Raw side: the same rows, pre-serialised, inserted with one prepared statement in
// transactions of the store's mean group size into an identical table with the same
// pragmas; and, for context, one row per transaction.
import { join } from 'node:path'
import { openSqlite } from '../src/store/sqlite/database.ts'
import { SqliteEventStore } from '../src/store/sqlite/sqlite-event-store.ts'
import type { EventToAppend } from '../src/store/event-store.ts'
import { answeredEvent, benchLearnerId } from './support/activity-answered.ts'
import { assertSameEventsSchema, openRawEventsTable, type Synchronous } from './support/events-table.ts'
import { seededRng } from './support/rng.ts'
import { withTempDir } from './support/temp-dir.ts'

export interface StoreAppendOptions {
  readonly synchronous: Synchronous
  readonly events: number
  readonly inFlight: number
  /** Rows for the one-row-per-transaction context number (each commit waits for its own sync). */
  readonly singleRowEvents: number
  readonly repetitions: number
}

export interface StoreAppendResult {
  readonly synchronous: Synchronous
  readonly events: number
  readonly inFlight: number
  /** Median over the repetitions (after one warm-up repetition). */
  readonly storeRate: number
  readonly meanGroupSize: number
  readonly rawBatchSize: number
  readonly rawBatchRate: number
  readonly rawSingleRate: number
}

interface WorkItem {
  readonly streamId: string
  readonly event: EventToAppend
  /** The revision the store will give it (appends commit in the order they are issued). */
  readonly revision: number
}

type RawRow = [string, string, number, string, string, string, number]

function workload (events: number, seed: number): WorkItem[] {
  const rng = seededRng(seed)
  const revisions = new Map<string, number>()
  const start = Date.now()
  return Array.from({ length: events }, (_, i) => {
    const learner = i % 2 === 0 ? benchLearnerId(1_000 + i) : benchLearnerId(i % 100)
    const streamId = `activity-${learner}`
    const revision = (revisions.get(streamId) ?? -1) + 1
    revisions.set(streamId, revision)
    return { streamId, event: answeredEvent(rng, learner, start + i), revision }
  })
}

async function storeRun (file: string, synchronous: Synchronous, work: readonly WorkItem[], inFlight: number): Promise<{ rate: number, groups: number }> {
  const db = openSqlite({ filename: file, synchronous })
  let groups = 0
  const transaction = db.transaction.bind(db)
  db.transaction = ((fn: Parameters<typeof transaction>[0]) => { groups += 1; return transaction(fn) }) as typeof db.transaction
  const store = new SqliteEventStore(db)
  let next = 0
  const client = async (): Promise<void> => {
    while (next < work.length) {
      const item = work[next++] as WorkItem
      const result = await store.append(item.streamId, [item.event], { expectedRevision: 'any' })
      if (result.revision !== item.revision || result.duplicate) throw new Error(`unexpected append result for ${item.streamId}: ${JSON.stringify(result)}`)
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: inFlight }, client))
  const seconds = (performance.now() - started) / 1000
  await store.close()
  db.close()
  return { rate: work.length / seconds, groups }
}

function rawRows (work: readonly WorkItem[], recordedAt: number): RawRow[] {
  return work.map(w => [w.event.id, w.streamId, w.revision, w.event.type, JSON.stringify(w.event.data), JSON.stringify(w.event.metadata ?? {}), recordedAt])
}

function rawRun (file: string, synchronous: Synchronous, rows: readonly RawRow[], batchSize: number, storeFile: string): number {
  const db = openRawEventsTable(file, synchronous)
  const storeDb = openSqlite({ filename: storeFile })
  assertSameEventsSchema(storeDb, db)
  storeDb.close()
  const insert = db.prepare('INSERT INTO events (event_id, stream_id, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
  const insertMany = db.transaction((chunk: readonly RawRow[]) => { for (const row of chunk) insert.run(...row) })
  const started = performance.now()
  for (let i = 0; i < rows.length; i += batchSize) insertMany.immediate(rows.slice(i, i + batchSize))
  const seconds = (performance.now() - started) / 1000
  db.close()
  return rows.length / seconds
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

export async function benchStoreAppend (options: StoreAppendOptions): Promise<StoreAppendResult> {
  return withTempDir(`append-${options.synchronous}`, async dir => {
    const storeRates: number[] = []
    const groupSizes: number[] = []
    const rawBatchRates: number[] = []
    const rawSingleRates: number[] = []
    // Repetition 0 only warms up the JIT and the file system; it is not counted.
    for (let rep = 0; rep <= options.repetitions; rep++) {
      const work = workload(rep === 0 ? Math.min(options.events, 5_000) : options.events, 1_000 + rep)
      const storeFile = join(dir, `store-${rep}.sqlite`)
      const store = await storeRun(storeFile, options.synchronous, work, options.inFlight)
      const meanGroupSize = work.length / store.groups
      const rows = rawRows(work, Date.now())
      const batchSize = Math.max(1, Math.round(meanGroupSize))
      const rawBatchRate = rawRun(join(dir, `raw-batch-${rep}.sqlite`), options.synchronous, rows, batchSize, storeFile)
      const rawSingleRate = rawRun(join(dir, `raw-single-${rep}.sqlite`), options.synchronous, rows.slice(0, options.singleRowEvents), 1, storeFile)
      if (rep === 0) continue
      storeRates.push(store.rate)
      groupSizes.push(meanGroupSize)
      rawBatchRates.push(rawBatchRate)
      rawSingleRates.push(rawSingleRate)
    }
    const meanGroupSize = median(groupSizes)
    return {
      synchronous: options.synchronous,
      events: options.events,
      inFlight: options.inFlight,
      storeRate: median(storeRates),
      meanGroupSize,
      rawBatchSize: Math.max(1, Math.round(meanGroupSize)),
      rawBatchRate: median(rawBatchRates),
      rawSingleRate: median(rawSingleRates)
    }
  })
}
