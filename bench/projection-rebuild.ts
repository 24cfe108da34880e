// Targets 3 and 4: mastery projection rebuild events/s ÷ a raw sequential scan of the
// same rows, and the rebuild's peak RSS.
//
// The log is generated fast, straight into a fresh store file with better-sqlite3:
// ActivityAnswered events as the ingest path writes them, for `learners` learners picked
// at random, 20 concepts, occurredAt spread over 90 days in increasing order and
// recorded_at a few seconds after. Scan and rebuild each run in a child process, so the
// rebuild's memory is its own; its RSS is also sampled from /proc every 50 ms.
import { randomUUID } from 'node:crypto'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { openSqlite } from '../src/store/sqlite/database.ts'
import { answeredData, answeredMetadata, benchLearnerId } from './support/activity-answered.ts'
import { runBenchChild, sampleRss } from './support/child.ts'
import { seededRng } from './support/rng.ts'
import { withTempDir } from './support/temp-dir.ts'
import type { ScanResult } from './children/scan-events.ts'
import type { RebuildResult } from './children/rebuild-mastery.ts'

export interface ProjectionRebuildOptions {
  readonly events: number
  readonly learners: number
}

export interface ProjectionRebuildResult {
  readonly events: number
  readonly learners: number
  readonly generateSeconds: number
  readonly fileBytes: number
  readonly scan: ScanResult
  readonly rebuild: RebuildResult
  readonly rebuildRate: number
  /** The larger of the OS high-water mark and the 50 ms samples. */
  readonly peakRssBytes: number
}

const DAY_MS = 24 * 3600_000
const span = 90 * DAY_MS
const start = Date.UTC(2026, 0, 5, 8)

export function generateLog (file: string, options: ProjectionRebuildOptions): void {
  const db = openSqlite({ filename: file })
  // Setup only, not measured: nothing needs to survive a crash here.
  db.pragma('synchronous = OFF')
  const insert = db.prepare('INSERT INTO events (event_id, stream_id, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
  const revisions = new Int32Array(options.learners).fill(-1)
  const rng = seededRng(42)
  const metadata = JSON.stringify(answeredMetadata)
  const chunk = 50_000
  const insertChunk = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const learner = Math.floor(rng() * options.learners)
      const revision = (revisions[learner] as number) + 1
      revisions[learner] = revision
      const learnerId = benchLearnerId(learner)
      const occurredAt = start + Math.floor(i * span / options.events)
      insert.run(randomUUID(), `activity-${learnerId}`, revision, 'ActivityAnswered',
        JSON.stringify(answeredData(rng, learnerId, occurredAt)), metadata, occurredAt + 2_000 + (i % 3))
    }
  })
  for (let from = 0; from < options.events; from += chunk) insertChunk.immediate(from, Math.min(options.events, from + chunk))
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
}

export async function benchProjectionRebuild (options: ProjectionRebuildOptions): Promise<ProjectionRebuildResult> {
  return withTempDir('rebuild', async dir => {
    const file = join(dir, 'mastery-sync.sqlite')
    const generating = performance.now()
    generateLog(file, options)
    const generateSeconds = (performance.now() - generating) / 1000
    const fileBytes = statSync(file).size
    const scan = await runBenchChild<{ result: ScanResult }>('scan-events.ts', [file])
    let sampler: { stop (): number } | undefined
    const rebuild = await runBenchChild<{ result: RebuildResult }>('rebuild-mastery.ts', [file], child => {
      if (child.pid !== undefined) sampler = sampleRss(child.pid, 50)
    })
    const sampled = sampler?.stop() ?? 0
    return {
      events: options.events,
      learners: options.learners,
      generateSeconds,
      fileBytes,
      scan: scan.result,
      rebuild: rebuild.result,
      rebuildRate: rebuild.result.events / rebuild.result.seconds,
      peakRssBytes: Math.max(sampled, rebuild.result.maxRssBytes)
    }
  })
}
