// Replay to a file ÷ a raw read of the same rows into the same bytes, in the same run.
//
// - The log: `generateLog` of the projection-rebuild benchmark (ActivityAnswered events of
//   `learners` learners), in a fresh DATA_DIR.
// - Replay: the real command, as an operator runs it (`node --import tsx src/cli/main.ts replay
//   --out <file>`, STORE=sqlite), timed from spawn to exit, its RSS sampled every 50 ms.
// - Raw: the machine's limit for producing that file: a child process of the same kind
//   (`node --import tsx bench/replay.ts --raw`), better-sqlite3 iterating `SELECT * FROM
//   events ORDER BY position` with the store's pragmas, each line spliced from the stored
//   JSON text (data and metadata are not parsed: they are already JSON), written through a
//   1 MiB buffer with fs.writeSync. Timed the same way, so both pay for a Node start.
// - The two files must be byte for byte the same (else the benchmark fails): the raw side
//   does no less than the replay has to deliver.
// Each side runs `rounds` times, interleaved; the best run of each counts (other load on a
// shared machine only ever slows a run down). The target (ratio ≥ 0.5) is judged from 300,000
// events up; below, start-up dominates and the row is marked indicative.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, createReadStream, openSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateLog } from './projection-rebuild.ts'
import { openRaw } from './support/events-table.ts'
import { repoRoot, sampleRss } from './support/child.ts'
import { withTempDir } from './support/temp-dir.ts'
import { perSecond, ratioRow, type ResultRow } from './support/report.ts'

export interface ReplayBenchOptions {
  readonly events: number
  readonly learners: number
  /** Runs of each side (default 2). */
  readonly rounds?: number
}

/** Below this many events, start-up dominates both sides: the ratio is reported, not judged. */
const judgedFrom = 300_000

interface Timed { readonly seconds: number, readonly peakRssBytes: number }

/** Runs a command to its end: wall time from spawn to exit, and its peak RSS. */
async function timed (args: readonly string[], env: Record<string, string>): Promise<Timed> {
  const started = performance.now()
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
  const sampler = child.pid === undefined ? undefined : sampleRss(child.pid, 50)
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  const seconds = (performance.now() - started) / 1000
  const peakRssBytes = sampler?.stop() ?? 0
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}: ${stderr}`)
  return { seconds, peakRssBytes }
}

async function digest (file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

export async function benchReplay (options: ReplayBenchOptions): Promise<ResultRow[]> {
  const rounds = options.rounds ?? 2
  return withTempDir('replay', async dir => {
    const file = join(dir, 'mastery-sync.sqlite')
    generateLog(file, options)
    const replayed = join(dir, 'replay.ndjson')
    const raw = join(dir, 'raw.ndjson')
    const replays: Timed[] = []
    const raws: Timed[] = []
    for (let round = 0; round < rounds; round++) {
      raws.push(await timed([fileURLToPath(import.meta.url), '--raw', file, raw], {}))
      replays.push(await timed(['src/cli/main.ts', 'replay', '--out', replayed], { DATA_DIR: dir, STORE: 'sqlite' }))
    }
    const bytes = statSync(replayed).size
    if (bytes !== statSync(raw).size || await digest(replayed) !== await digest(raw)) {
      throw new Error('bench/replay.ts: the raw read no longer writes the bytes replay writes (the line format changed?)')
    }
    const best = (runs: readonly Timed[]): Timed => [...runs].sort((a, b) => a.seconds - b.seconds)[0] as Timed
    const replay = best(replays)
    const baseline = best(raws)
    const events = options.events
    const mb = (n: number): string => `${Math.round(n / 2 ** 20)} MB`
    const rawLabel = `raw better-sqlite3 iterate + the same bytes spliced from the stored JSON, 1 MiB writes: ${perSecond(events / baseline.seconds, 'events')}`
    // Both sides pay for a Node start, the replay for loading every store adapter too (about a
    // second): on a small log that is most of what is measured, so only a long one is judged.
    const judged = events >= judgedFrom
    const row = ratioRow(`7. replay --out file (${events.toLocaleString('en-US')} events, ${mb(bytes)} NDJSON, best of ${rounds}, Node start included${judged ? '' : ': indicative only'})`,
      perSecond(events / replay.seconds, 'events'), events / replay.seconds, rawLabel, events / baseline.seconds, judged ? 0.5 : undefined)
    return [
      row,
      {
        benchmark: '   peak RSS of the replay process (memory stays flat: one page of the log at a time)',
        value: mb(Math.max(...replays.map(r => r.peakRssBytes))),
        baseline: `raw process: ${mb(Math.max(...raws.map(r => r.peakRssBytes)))}; NDJSON written: ${mb(bytes)}`,
        ratio: '—',
        target: '(context)',
        pass: undefined
      }
    ]
  })
}

// The raw side, run as a child of benchReplay: `bench/replay.ts --raw <sqlite file> <out file>`.
interface Row { position: number, event_id: string, stream_id: string, revision: number, type: string, data: string, metadata: string, recorded_at: number }

function rawReplay (file: string, out: string): void {
  const db = openRaw(file, 'full')
  const fd = openSync(out, 'w')
  const buffer = Buffer.allocUnsafe(1 << 20)
  let used = 0
  let lastAt = Number.NaN
  let lastIso = ''
  for (const row of db.prepare('SELECT * FROM events ORDER BY position').iterate() as IterableIterator<Row>) {
    if (row.recorded_at !== lastAt) {
      lastAt = row.recorded_at
      lastIso = new Date(lastAt).toISOString()
    }
    // History redacts password hashes: only those rows are parsed (the generated log has none).
    const data = row.data.includes('"passwordHash"') ? JSON.stringify({ ...JSON.parse(row.data) as object, passwordHash: '[redacted]' }) : row.data
    const line = `{"position":${row.position},"id":${JSON.stringify(row.event_id)},"type":${JSON.stringify(row.type)},"streamId":${JSON.stringify(row.stream_id)},"revision":${row.revision},"recordedAt":"${lastIso}","data":${data},"metadata":${row.metadata}}\n`
    if (used + Buffer.byteLength(line) > buffer.length) {
      writeSync(fd, buffer, 0, used)
      used = 0
    }
    used += buffer.write(line, used)
  }
  writeSync(fd, buffer, 0, used)
  closeSync(fd)
  db.close()
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--raw') {
  const [file, out] = process.argv.slice(3)
  if (file === undefined || out === undefined) throw new Error('usage: bench/replay.ts --raw <sqlite file> <out file>')
  rawReplay(file, out)
}
