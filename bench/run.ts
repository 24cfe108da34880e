// `npm run bench`: every benchmark in one run on this machine, each measured against the
// limit of the same machine in the same run (ratios, never absolute timings), then a table
// on stdout and, for a full run, BENCHMARKS.md.
//
//   npm run bench                    full run (about 10 minutes on 2 busy cores), writes BENCHMARKS.md
//   npm run bench -- --quick         smoke run (BENCH_QUICK=1 too); prints only
//   npm run bench -- --check         exit 1 when a target fails
//   BENCH_EVENTS=200000              events for the projection rebuild (default 1,000,000)
//   BENCH_CPU_PROF=/tmp/prof         a V8 CPU profile of every child process (servers, scan, rebuild)
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { benchStoreAppend, type StoreAppendOptions, type StoreAppendResult } from './store-append.ts'
import { measureActivityIngest, measureBarePost, measureHelloWorld, type LoadOptions, type LoadResult } from './activity-ingest.ts'
import { benchProjectionRebuild, type ProjectionRebuildResult } from './projection-rebuild.ts'
import { benchLms, type LmsBenchResult } from './lms-sessions.ts'
import { benchPgAppend, type PgAppendOptions, type PgAppendResult } from './pg-append.ts'
import { benchReplay } from './replay.ts'
import { benchKafka, kafkaBenchDefaults, kafkaBenchQuick } from './kafka.ts'
import { machineFacts, type MachineFacts } from './support/machine.ts'
import { consoleTable, markdownTable, perSecond, ratioRow, type ResultRow } from './support/report.ts'
import { repoRoot } from './support/child.ts'
import type { ServiceOptions } from './children/http-target.ts'

const args = process.argv.slice(2)
const quick = args.includes('--quick') || process.env.BENCH_QUICK === '1'
const check = args.includes('--check')
const fullEvents = 1_000_000

interface Plan {
  readonly append: Omit<StoreAppendOptions, 'synchronous'>
  readonly load: LoadOptions
  /** Interleaved rounds of every HTTP measurement; the best of each is kept. */
  readonly httpRounds: number
  readonly batchSize: number
  readonly spreadLearners: number
  readonly rebuild: { readonly events: number, readonly learners: number }
  readonly lms: { readonly sessions: number, readonly builds: number, readonly inFlight: number }
  readonly pg: PgAppendOptions
}

function plan (): Plan {
  const events = process.env.BENCH_EVENTS === undefined ? undefined : Number(process.env.BENCH_EVENTS)
  if (events !== undefined && (!Number.isSafeInteger(events) || events < 1_000)) throw new Error(`BENCH_EVENTS must be an integer ≥ 1000 (got "${process.env.BENCH_EVENTS}")`)
  return quick
    ? {
        append: { events: 20_000, inFlight: 1_000, singleRowEvents: 200, repetitions: 1 },
        load: { connections: 10, durationSeconds: 2, warmupSeconds: 0 },
        httpRounds: 1,
        batchSize: 500,
        spreadLearners: 5,
        rebuild: { events: events ?? 20_000, learners: 1_000 },
        lms: { sessions: 20, builds: 20, inFlight: 4 },
        pg: { writers: 8, batch: 10, appendsPerWriter: 50 }
      }
    : {
        append: { events: 50_000, inFlight: 1_000, singleRowEvents: 1_000, repetitions: 3 },
        load: { connections: 50, durationSeconds: 10, warmupSeconds: 2 },
        httpRounds: 2,
        batchSize: 500,
        spreadLearners: 100,
        rebuild: { events: events ?? fullEvents, learners: 10_000 },
        lms: { sessions: 200, builds: 200, inFlight: 8 },
        pg: { writers: 8, batch: 10, appendsPerWriter: 500 }
      }
}

interface HttpResults {
  readonly hello: LoadResult
  readonly barePost: LoadResult
  readonly single: LoadResult
  readonly batch: LoadResult
  readonly singleSpread: LoadResult
  readonly batchSpread: LoadResult
  readonly singleNormal: LoadResult
  readonly singleNoProjections: LoadResult
  /** Single-event ingest ÷ hello-world of the same round, round by round (how much the ratio moves). */
  readonly singleRoundRatios: readonly number[]
  readonly all: readonly LoadResult[]
}

const startedAt = performance.now()
const log = (message: string): void => {
  const elapsed = Math.round((performance.now() - startedAt) / 1000)
  process.stderr.write(`[bench ${String(Math.floor(elapsed / 60)).padStart(2, '0')}:${String(elapsed % 60).padStart(2, '0')}] ${message}\n`)
}

async function runHttp (p: Plan): Promise<HttpResults> {
  const demo: ServiceOptions = { learners: 1, synchronous: 'full', live: true }
  const spread: ServiceOptions = { ...demo, learners: p.spreadLearners }
  const runs = {
    hello: () => measureHelloWorld(p.load),
    barePost: () => measureBarePost(p.load),
    single: () => measureActivityIngest(p.load, demo, 1),
    batch: () => measureActivityIngest(p.load, demo, p.batchSize),
    singleSpread: () => measureActivityIngest(p.load, spread, 1),
    batchSpread: () => measureActivityIngest(p.load, spread, p.batchSize),
    singleNormal: () => measureActivityIngest(p.load, { ...demo, synchronous: 'normal' }, 1),
    singleNoProjections: () => measureActivityIngest(p.load, { ...demo, live: false }, 1)
  }
  const results = new Map<keyof typeof runs, LoadResult[]>()
  for (let round = 1; round <= p.httpRounds; round++) {
    for (const [name, run] of Object.entries(runs) as [keyof typeof runs, () => Promise<LoadResult>][]) {
      log(`http round ${round}/${p.httpRounds}: ${name}`)
      const result = await run()
      results.set(name, [...(results.get(name) ?? []), result])
    }
  }
  // Other load on the machine only ever slows a run down: keep each one's best.
  const best = (name: keyof typeof runs): LoadResult =>
    [...(results.get(name) ?? [])].sort((a, b) => b.requestsPerSecond - a.requestsPerSecond)[0] as LoadResult
  return {
    hello: best('hello'),
    barePost: best('barePost'),
    single: best('single'),
    batch: best('batch'),
    singleSpread: best('singleSpread'),
    batchSpread: best('batchSpread'),
    singleNormal: best('singleNormal'),
    singleNoProjections: best('singleNoProjections'),
    singleRoundRatios: (results.get('single') ?? []).map((single, i) => single.requestsPerSecond / (results.get('hello')?.[i]?.requestsPerSecond ?? Number.NaN)),
    all: [...results.values()].flat()
  }
}

function rows (p: Plan, append: readonly StoreAppendResult[], http: HttpResults, rebuild: ProjectionRebuildResult, lms: LmsBenchResult, pgResult: PgAppendResult): ResultRow[] {
  const out: ResultRow[] = []
  for (const a of append) {
    const sync = a.synchronous.toUpperCase()
    out.push(ratioRow(`1. store appends, synchronous=${sync} (${a.inFlight.toLocaleString('en-US')} in flight)`,
      perSecond(a.storeRate, 'appends'), a.storeRate,
      `raw inserts, ${a.rawBatchSize} rows/txn: ${perSecond(a.rawBatchRate, 'rows')}`, a.rawBatchRate,
      a.synchronous === 'full' ? 0.5 : undefined))
  }
  for (const a of append) {
    out.push(ratioRow(`   raw inserts, 1 row/txn, synchronous=${a.synchronous.toUpperCase()}`,
      perSecond(a.rawSingleRate, 'rows'), a.rawSingleRate,
      `raw inserts, ${a.rawBatchSize} rows/txn: ${perSecond(a.rawBatchRate, 'rows')}`, a.rawBatchRate, undefined))
  }
  const hello = `fastify hello-world: ${perSecond(http.hello.requestsPerSecond, 'req')}`
  out.push(ratioRow('2. POST /v1/activity, 1 event/request (demo learner)', perSecond(http.single.requestsPerSecond, 'req'), http.single.requestsPerSecond, hello, http.hello.requestsPerSecond, 0.35))
  out.push({
    benchmark: '   same, round by round: each round\'s run ÷ that round\'s hello-world (how far the ratio moves)',
    value: http.singleRoundRatios.map(r => r.toFixed(3)).join(' / '),
    baseline: 'hello-world of the same round',
    ratio: '—',
    target: '(context)',
    pass: undefined
  })
  out.push(ratioRow(`   same, spread over ${p.spreadLearners} learners`, perSecond(http.singleSpread.requestsPerSecond, 'req'), http.singleSpread.requestsPerSecond, hello, http.hello.requestsPerSecond, undefined))
  out.push(ratioRow('   same, demo learner, SQLITE_SYNCHRONOUS=normal', perSecond(http.singleNormal.requestsPerSecond, 'req'), http.singleNormal.requestsPerSecond, hello, http.hello.requestsPerSecond, undefined))
  out.push(ratioRow('   a bare fastify POST of the same body, answered 202 (the HTTP + JSON floor)', perSecond(http.barePost.requestsPerSecond, 'req'), http.barePost.requestsPerSecond, hello, http.hello.requestsPerSecond, undefined))
  out.push(ratioRow('   same, demo learner, projection loops stopped (diagnostic)', perSecond(http.singleNoProjections.requestsPerSecond, 'req'), http.singleNoProjections.requestsPerSecond, hello, http.hello.requestsPerSecond, undefined))
  out.push({
    benchmark: `2. POST /v1/activity, ${p.batchSize} events/request (demo learner)`,
    value: perSecond(http.batch.eventsPerSecond, 'events'),
    baseline: '—',
    ratio: '—',
    target: '≥ 50,000 events/s',
    pass: http.batch.eventsPerSecond >= 50_000
  })
  out.push({
    benchmark: `   same, spread over ${p.spreadLearners} learners`,
    value: perSecond(http.batchSpread.eventsPerSecond, 'events'),
    baseline: '—',
    ratio: '—',
    target: '(context)',
    pass: undefined
  })
  const errors = http.all.reduce((n, r) => n + r.errors, 0)
  const timeouts = http.all.reduce((n, r) => n + r.timeouts, 0)
  const non2xx = http.all.reduce((n, r) => n + r.non2xx, 0)
  out.push({
    benchmark: `2. errors / non-2xx over all ${http.all.length} HTTP runs`,
    value: `${errors} errors, ${timeouts} timeouts, ${non2xx} non-2xx`,
    baseline: '—',
    ratio: '—',
    target: 'all 0',
    pass: errors + timeouts + non2xx === 0
  })
  const scan = `raw scan: ${perSecond(rebuild.scan.rate, 'events')}`
  out.push(ratioRow(`3. mastery rebuild (${rebuild.events.toLocaleString('en-US')} events, ${rebuild.learners.toLocaleString('en-US')} learners)`,
    perSecond(rebuild.rebuildRate, 'events'), rebuild.rebuildRate, scan, rebuild.scan.rate, 0.3))
  out.push(ratioRow('   raw scan + JSON.parse of data and metadata', perSecond(rebuild.scan.parseRate, 'events'), rebuild.scan.parseRate, scan, rebuild.scan.rate, undefined))
  const mb = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MB`
  out.push({
    benchmark: `4. peak RSS of the rebuild process${rebuild.events === fullEvents ? '' : ` (${rebuild.events.toLocaleString('en-US')} events: indicative only)`}`,
    value: mb(rebuild.peakRssBytes),
    baseline: `scan process: ${mb(rebuild.scan.maxRssBytes)}`,
    ratio: '—',
    target: '< 500 MB',
    pass: rebuild.events === fullEvents ? rebuild.peakRssBytes < 500 * 2 ** 20 : undefined
  })
  const ms = (n: number): string => `${n.toFixed(1)} ms`
  out.push({
    benchmark: `5. LMS package build, demo profile, SCORM 2004 (${lms.builds} builds)`,
    value: `p50 ${ms(lms.buildP50Ms)}, p99 ${ms(lms.buildP99Ms)}`,
    baseline: '—',
    ratio: '—',
    target: 'p50 < 25 ms',
    pass: lms.buildP50Ms < 25
  })
  out.push({
    benchmark: `5. LMS launch / exit, server time (${lms.sessions} sessions, ${lms.inFlight} in flight)`,
    value: `launch p50 ${ms(lms.launchP50Ms)}, p99 ${ms(lms.launchP99Ms)}; exit p50 ${ms(lms.exitP50Ms)}, p99 ${ms(lms.exitP99Ms)}; ${lms.errors} errors`,
    baseline: '—',
    ratio: '—',
    target: 'p99 < 15 ms each, 0 errors',
    pass: lms.launchP99Ms < 15 && lms.exitP99Ms < 15 && lms.errors === 0
  })
  out.push(ratioRow(`6. PostgreSQL store appends (${p.pg.writers} writers, ${p.pg.batch} events per append, ${pgResult.events.toLocaleString('en-US')} events)`,
    perSecond(pgResult.storeRate, 'events'), pgResult.storeRate, `raw INSERTs, same rows and connections: ${perSecond(pgResult.rawRate, 'rows')}`, pgResult.rawRate, 0.5))
  out.push({
    benchmark: '6. PostgreSQL subscriber lag under that load (append call to delivery)',
    value: `p50 ${pgResult.lagP50Ms} ms, p99 ${pgResult.lagP99Ms} ms`,
    baseline: '—',
    ratio: '—',
    target: 'p99 < 100 ms',
    pass: pgResult.lagP99Ms < 100
  })
  return out
}

function loadLine (name: string, r: LoadResult): string {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US')
  const log = r.service === undefined ? '' : `${n(r.service.answered)} in the log; mastery projection at ${n(r.service.masteryPosition)} of ${n(r.service.headPosition)}`
  return `| ${name} | ${n(r.requestsPerSecond)} | ${n(r.eventsPerSecond)} | ${n(r.requests)} / ${n(r.sent)} | ${r.latencyP50Ms} / ${r.latencyP99Ms} | ${r.errors} / ${r.timeouts} / ${r.non2xx} | ${Number.isNaN(r.serverCpuMicrosPerRequest) ? '—' : `${n(r.serverCpuMicrosPerRequest)} µs`}, ${Math.round(r.serverCpuUtilisation * 100)} % | ${log} |`
}

function markdown (p: Plan, machine: MachineFacts, load: { start: string, end: string }, table: readonly ResultRow[], append: readonly StoreAppendResult[], http: HttpResults, rebuild: ProjectionRebuildResult, minutes: number): string {
  const failed = table.filter(r => r.pass === false)
  const mb = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MB`
  return `# Benchmarks

Written by \`npm run bench\` (bench/run.ts) on ${machine.date}; do not edit by hand, run it again.
Every number is measured against a baseline on the same machine in the same run, so the
ratios, not the absolute numbers, are what the targets are about.

**${failed.length === 0 ? 'Every target passes.' : `${failed.length} of ${table.filter(r => r.pass !== undefined).length} targets fail: ${failed.map(r => r.benchmark.replace(/^\d+\.\s*/, '')).join('; ')}.`}**

## Machine

| | |
|---|---|
| nproc | ${machine.nproc} |
| CPU | ${machine.cpu} |
| memory | ${machine.memoryGiB} GiB |
| Node | ${machine.node} |
| OS | ${machine.os} |
| temp filesystem (where the SQLite files live) | ${machine.tempFilesystem} |
| code measured (last commit to src/, projections/, schemas/) | ${machine.code} |
| load average (1/5/15 min) at start / end | ${load.start} / ${load.end} |
| whole run | ${minutes.toFixed(1)} min |

The machine is shared: other processes (test runs of other engineers) may have been running.
The HTTP measurements therefore keep the best of ${p.httpRounds} interleaved rounds, and the store
measurements the median of ${p.append.repetitions} repetitions.

## Results

${markdownTable(table)}

Rows without a target (—) are context for the row above them.

## Method

### 1. Store appends ÷ raw inserts (bench/store-append.ts)

- **Store:** a fresh store file per repetition (\`openSqlite\` + \`SqliteEventStore\`, pragmas as the
  service sets them: WAL, \`synchronous\` FULL (the service default) or NORMAL, 64 MiB cache).
  ${p.append.events.toLocaleString('en-US')} single-event appends of realistic \`ActivityAnswered\` events
  (expectedRevision \`'any'\`), kept ${p.append.inFlight.toLocaleString('en-US')} in flight: half to streams of their own,
  half to 100 shared streams. Timed from the first append to the last acknowledgement.
  Group sizes are counted by wrapping the store's \`db.transaction\` (one transaction per flush).
- **Raw baseline:** the same rows (ids, streams, revisions, JSON serialised before the clock
  starts) inserted with one prepared better-sqlite3 statement into a fresh file with the
  same \`events\` DDL (copied from src/store/sqlite/database.ts and checked against the store's
  schema at run time) and the same pragmas, in \`BEGIN IMMEDIATE\` transactions of the
  store's mean group size; and, for context, one row per transaction (first
  ${p.append.singleRowEvents.toLocaleString('en-US')} rows).
- Median of ${p.append.repetitions} repetitions.

| synchronous | store appends/s | mean group size | raw rows/s (batched) | raw rows/s (1 row/txn) |
|---|---:|---:|---:|---:|
${append.map(a => `| ${a.synchronous.toUpperCase()} | ${Math.round(a.storeRate).toLocaleString('en-US')} | ${a.meanGroupSize.toFixed(0)} | ${Math.round(a.rawBatchRate).toLocaleString('en-US')} | ${Math.round(a.rawSingleRate).toLocaleString('en-US')} |`).join('\n')}

### 2. POST /v1/activity ÷ fastify hello-world (bench/activity-ingest.ts)

- **Load:** autocannon's in-process API, ${p.load.connections} connections × ${p.load.durationSeconds} s against 127.0.0.1, after
  an unmeasured ${p.load.warmupSeconds} s warm-up, identical for every server. Each server runs in its own
  Node process (bench/children/http-target.ts), listening with \`app.listen({ port: 0, host: '127.0.0.1' })\`,
  so it has a core to itself while autocannon uses the other.
- **Baseline:** \`fastify()\` with \`GET /\` → \`{ hello: 'world' }\`. For context, a bare
  \`fastify()\` \`POST /v1/activity\` that parses the same body and answers 202 with the same
  shape (no authentication, validation, domain, store or projections): what HTTP and JSON
  alone cost on this machine, under the same load.
- **Service:** \`openService\` (projections live, as in production) + \`buildApp(ctx, loadConfig(...))\` on a
  temp DATA_DIR, the demo account seeded with \`seedDemo\`. Requests use its admin key, the
  demo learner and one of its activities (read from the catalog read model). Each request's
  body is built by \`setupRequest\`: fresh client event ids, \`occurredAt\` = now. The
  "spread" runs register ${p.spreadLearners - 1} more learners and take them in turn, one learner per request.
  The "projection loops stopped" run is a diagnostic, not a configuration: it stops
  \`ctx.runner\` after seeding, to show what the projections cost the ingest path.
- Requests/s = 2xx responses ÷ duration; events/s = that × events per request. Requests still
  in flight when the run ends are dropped by autocannon: neither responses nor errors. Server CPU is the
  server process's user + system time during the measured run (\`process.cpuUsage()\`), per 2xx
  response; a share of a core well under 100 % means the server waited (on fsync, or for load).

| run (best of ${p.httpRounds}) | req/s | events/s | responses / requests sent | latency p50 / p99 ms | errors / timeouts / non-2xx | server CPU per response, share of a core | ActivityAnswered events at the end |
|---|---:|---:|---:|---:|---:|---:|---|
${[
  loadLine('fastify hello-world', http.hello),
  loadLine('bare fastify POST, same body, 202', http.barePost),
  loadLine('1 event/request, demo learner', http.single),
  loadLine(`1 event/request, ${p.spreadLearners} learners`, http.singleSpread),
  loadLine('1 event/request, demo learner, synchronous NORMAL', http.singleNormal),
  loadLine('1 event/request, demo learner, projection loops stopped', http.singleNoProjections),
  loadLine(`${p.batchSize} events/request, demo learner`, http.batch),
  loadLine(`${p.batchSize} events/request, ${p.spreadLearners} learners`, http.batchSpread)
].join('\n')}

### 3 and 4. Mastery projection rebuild ÷ raw scan, peak RSS (bench/projection-rebuild.ts)

- **Data:** ${rebuild.events.toLocaleString('en-US')} \`ActivityAnswered\` rows written straight into a fresh store file with
  better-sqlite3 (schema from \`openSqlite\`), shaped as the ingest path writes them (data per
  schemas/events.ts, metadata \`{ accountId, actor }\`, stream \`activity-{learnerId}\`): ${rebuild.learners.toLocaleString('en-US')} learners
  picked at random, 20 concepts (40 activities), occurredAt spread over 90 days in increasing
  order, recorded_at 2 s later. Generated in ${rebuild.generateSeconds.toFixed(1)} s; file ${mb(rebuild.fileBytes)}.
- **Baseline:** a child process iterating \`SELECT * FROM events ORDER BY position\` with better-sqlite3
  (one warm-up pass for the page cache, best of two timed passes). A pass that also
  \`JSON.parse\`s data and metadata is shown for context.
- **Rebuild:** a fresh child process wiring the store as the service does (\`openSqlite\` defaults,
  \`SqliteEventStore\`, \`SqliteReadModels\`, \`new ProjectionRunner(store, readModels, projections, log)\` with
  every projection and a silent pino) times \`runner.rebuild('mastery')\`: reset, then replay to
  the head. The mastery projection declares that its documents follow streams, so the runner
  replays the log stream by stream (\`readByStream\`, along the (stream_id, revision) index) and
  folds each learner's ledger once. ${rebuild.rebuild.documents.toLocaleString('en-US')} mastery documents written; ${rebuild.rebuild.seconds.toFixed(1)} s.
- **Peak RSS:** the larger of the rebuild process's own high-water mark
  (\`process.resourceUsage().maxRSS\`) and /proc/<pid>/status VmRSS sampled every 50 ms from the
  parent (the rebuild keeps its event loop busy, so in-process timers would not fire).
  RSS before the rebuild started (Node, tsx, modules, open database): ${mb(rebuild.rebuild.rssBeforeBytes)}.

### 5. LMS package builds and sessions (bench/lms-sessions.ts)

Absolute times, with the targets of the SCORM issue: the SCORM 2004 package of the demo profile built directly
${p.lms.builds} times, then ${p.lms.sessions} LMS users launching (${p.lms.inFlight} requests in flight) until every session
is open, then exiting; one unmeasured round first provisions the LMS users. Server time is
fastify's \`reply.elapsedTime\` per request. Runs in this process, after everything else.

### 6. PostgreSQL appends ÷ raw INSERTs, subscriber lag (bench/pg-append.ts)

- A fresh database on the machine's PostgreSQL (the schema migrated as the service does), for
  each of ${quick ? 1 : 3} repetitions; the repetition with the median ratio is reported (its lag too).
  ${p.pg.writers} writers, each appending ${p.pg.appendsPerWriter} times ${p.pg.batch} \`ActivityAnswered\` events to 20 streams of its
  own through \`PgEventStore\` (a pool of ${p.pg.writers + 2} connections), while a live subscription reads the log.
  Lag is from the call of the event's append to its delivery to the subscriber (one clock, this
  process's), so it includes the wait for a place in a group as well as the round trips. The
  events are made (parsed into objects, as the store takes them) before the clock starts, as
  the raw side's rows are.
- **Raw baseline:** the same rows, one multi-row \`INSERT\` per append over ${p.pg.writers} connections of the same
  pool, into a table made \`LIKE events INCLUDING ALL\` (same columns, keys and indexes), with
  positions and revisions worked out beforehand: what the rows cost without expected-revision
  checks, id lookups or the ordering that keeps subscribers from skipping events.

### 7. replay to a file ÷ a raw read of the same rows (bench/replay.ts)

- The rebuild benchmark's log (${p.rebuild.events.toLocaleString('en-US')} events) in a fresh DATA_DIR. **Replay:** the real
  command, \`mastery-sync replay --out <file>\`, timed from spawn to exit. **Raw:** a child process
  of the same kind reading \`SELECT * FROM events ORDER BY position\` with better-sqlite3 and
  writing each line from the stored JSON text without parsing it, through a 1 MiB buffer. Both
  files must be byte for byte the same. Best of 2 interleaved runs each; judged from 300,000
  events up (below that, starting Node dominates both sides).

### 8. Kafka export and ingest (bench/kafka.ts)

- A single-node Apache Kafka 3.9.1 broker of its own on loopback (scripts/kafka), topics of 4
  partitions. **Export:** the exporter reads the log from position 0 and sends it, each batch
  acknowledged and checkpointed, ÷ a kafkajs producer sending the same records (built
  beforehand) with the same settings: idempotent, one request in flight, acks from all
  replicas, the same request size. Best of 2 interleaved rounds.
- **Ingest:** app-client \`ActivityAnswered\` records wait in the topic; the service's consumer
  reads, checks and appends them through the \`POST /v1/activity\` code path and commits offsets,
  with the projections running. Timed from the consumer's start (joining the group included)
  to the last offset committed.

## Reproduce

\`\`\`sh
npm ci
npm run bench                      # full run, rewrites BENCHMARKS.md (about ${Math.ceil(minutes)} minutes here)
npm run bench -- --quick           # smoke run in about a minute; prints the table only
npm run bench -- --check           # exit code 1 when a target fails
BENCH_EVENTS=200000 npm run bench  # smaller rebuild (the RSS target then reads as indicative)
BENCH_CPU_PROF=/tmp/prof npm run bench  # V8 CPU profiles of the servers, scan and rebuild processes
\`\`\`

Only loopback is used; every file lives in a temp directory that is removed afterwards.
`
}

async function main (): Promise<void> {
  const p = plan()
  const machine = machineFacts(repoRoot)
  const loadStart = loadavg().map(n => n.toFixed(2)).join(' ')
  log(`${quick ? 'quick' : 'full'} run`)
  const append: StoreAppendResult[] = []
  for (const synchronous of ['full', 'normal'] as const) {
    log(`store appends, synchronous=${synchronous}`)
    append.push(await benchStoreAppend({ ...p.append, synchronous }))
  }
  const http = await runHttp(p)
  log(`projection rebuild: generating ${p.rebuild.events.toLocaleString('en-US')} events`)
  const rebuild = await benchProjectionRebuild(p.rebuild)
  log('LMS package builds and sessions')
  const lms = await benchLms(p.lms)
  log('PostgreSQL appends and subscriber lag')
  // Three repetitions, each on a fresh database (store, then raw, in each): the one with the
  // median ratio is reported, as the embedded store's appends are (noise on a shared machine).
  const pgRuns: PgAppendResult[] = []
  for (let i = 0; i < (quick ? 1 : 3); i++) pgRuns.push(await benchPgAppend(p.pg))
  pgRuns.sort((a, b) => a.storeRate / a.rawRate - b.storeRate / b.rawRate)
  const pgResult = pgRuns[Math.floor(pgRuns.length / 2)] as PgAppendResult
  log(`replay to a file: ${p.rebuild.events.toLocaleString('en-US')} events`)
  const replayRows = await benchReplay({ events: p.rebuild.events, learners: p.rebuild.learners })
  log('Kafka export and ingest (a broker of its own on loopback)')
  const kafkaRows = await benchKafka(quick ? kafkaBenchQuick : kafkaBenchDefaults)
  const minutes = (performance.now() - startedAt) / 60_000
  const table = [...rows(p, append, http, rebuild, lms, pgResult), ...replayRows, ...kafkaRows]
  process.stdout.write(`\n${consoleTable(table)}\n\n`)
  if (quick) {
    log('quick run: BENCHMARKS.md not written')
  } else {
    const codeAtEnd = machineFacts(repoRoot).code
    if (codeAtEnd !== machine.code) log(`the code under test changed during the run: ${machine.code} → ${codeAtEnd}`)
    const loadEnd = loadavg().map(n => n.toFixed(2)).join(' ')
    const code = codeAtEnd === machine.code ? machine.code : `${machine.code} at the start, ${codeAtEnd} at the end (changed during the run)`
    writeFileSync(join(repoRoot, 'BENCHMARKS.md'), markdown(p, { ...machine, code }, { start: loadStart, end: loadEnd }, table, append, http, rebuild, minutes))
    log('wrote BENCHMARKS.md')
  }
  const failed = table.filter(r => r.pass === false)
  log(failed.length === 0 ? 'every target passes' : `${failed.length} target(s) fail`)
  if (check && failed.length > 0) process.exitCode = 1
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
  process.exitCode = 1
})
