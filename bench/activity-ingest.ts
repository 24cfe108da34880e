// Target 2: POST /v1/activity throughput, measured with autocannon's in-process API
// against 127.0.0.1 only. The server runs in a child process (one core), autocannon in
// this one (the other core), the same way for the fastify hello-world baseline.
// Every request carries fresh client event ids (setupRequest builds each body).
import autocannon, { type RequestSpec, type Result } from 'autocannon'
import { randomBytes } from 'node:crypto'
import { exited, forkBench, nextMessage } from './support/child.ts'
import type { ServiceFixture, ServiceOptions, ServiceStats, TargetStats } from './children/http-target.ts'

export interface LoadOptions {
  readonly connections: number
  readonly durationSeconds: number
  /** An unmeasured run first, so both servers are measured warm (JIT, caches). */
  readonly warmupSeconds: number
}

export interface LoadResult {
  readonly requestsPerSecond: number
  readonly eventsPerSecond: number
  /** Responses received during the measured run. */
  readonly requests: number
  /** Requests sent; those still in flight when the run ends are neither counted nor errors. */
  readonly sent: number
  readonly errors: number
  readonly timeouts: number
  readonly non2xx: number
  readonly latencyP50Ms: number
  readonly latencyP99Ms: number
  /** Server CPU time per 2xx response during the measured run, in microseconds (NaN without responses). */
  readonly serverCpuMicrosPerRequest: number
  /** Share of one core the server used during the measured run. */
  readonly serverCpuUtilisation: number
  /** Service runs only: what reached the log and the mastery projection. */
  readonly service?: ServiceStats
}

interface Ready { port: number, fixture?: ServiceFixture }

function summarise (result: Result, eventsPerRequest: number, stats: TargetStats): LoadResult {
  const completed = result['2xx'] + result.non2xx
  return {
    requestsPerSecond: result['2xx'] / result.duration,
    eventsPerSecond: result['2xx'] * eventsPerRequest / result.duration,
    requests: completed,
    sent: result.requests.sent,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    serverCpuMicrosPerRequest: result['2xx'] === 0 ? Number.NaN : stats.cpuMicros / result['2xx'],
    serverCpuUtilisation: stats.cpuMicros / stats.wallMicros,
    ...(stats.service === undefined ? {} : { service: stats.service })
  }
}

/** Starts a server child; `fn` warms it up and calls `mark()` right before the measured run. */
async function withTarget<T> (args: readonly string[], fn: (ready: Ready, mark: () => Promise<void>) => Promise<T>): Promise<{ value: T, stats: TargetStats }> {
  const child = forkBench('http-target.ts', args)
  try {
    const ready = await nextMessage<Ready>(child, 'ready')
    const mark = async (): Promise<void> => {
      const marked = nextMessage(child, 'marked')
      child.send({ type: 'mark' })
      await marked
    }
    const value = await fn(ready, mark)
    const stopped = nextMessage<{ stats: TargetStats }>(child, 'stopped')
    child.send({ type: 'stop' })
    const { stats } = await stopped
    await exited(child)
    return { value, stats }
  } finally {
    if (child.exitCode === null) child.kill()
    await exited(child)
  }
}

let eventCounter = 0
const runId = randomBytes(4).toString('hex')
const eventId = (): string => `bench_${runId}_${(eventCounter++).toString(36).padStart(8, '0')}`

let requestCounter = 0

/** One learner's events per request (as an app syncs them), learners taken in turn. */
function activityBody (fixture: ServiceFixture, events: number): string {
  const occurredAt = new Date().toISOString()
  const learnerId = fixture.learnerIds[requestCounter++ % fixture.learnerIds.length]
  return JSON.stringify({
    events: Array.from({ length: events }, (_, i) => ({
      eventId: eventId(),
      type: 'ActivityAnswered',
      learnerId,
      activityId: fixture.activityId,
      selected: [fixture.optionIds[i % fixture.optionIds.length]],
      responseMs: 2_000 + (i % 7) * 1_000,
      occurredAt
    }))
  })
}

async function load (port: number, options: LoadOptions, seconds: number, request: RequestSpec): Promise<Result> {
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: options.connections,
    duration: seconds,
    timeout: 30,
    requests: [request]
  })
}

async function measure (port: number, options: LoadOptions, request: RequestSpec, mark: () => Promise<void>): Promise<Result> {
  if (options.warmupSeconds > 0) await load(port, options, options.warmupSeconds, request)
  await mark()
  return load(port, options, options.durationSeconds, request)
}

function ingestRequest (fixture: ServiceFixture, eventsPerRequest: number): RequestSpec {
  return {
    method: 'POST',
    path: '/v1/activity',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${fixture.adminKey}` },
    setupRequest: request => ({ ...request, body: activityBody(fixture, eventsPerRequest) })
  }
}

export async function measureHelloWorld (options: LoadOptions): Promise<LoadResult> {
  const run = await withTarget(['hello'], ({ port }, mark) => measure(port, options, { method: 'GET', path: '/' }, mark))
  return summarise(run.value, 1, run.stats)
}

/** The same request as the service's single-event ingest, against `bare-post` (a fixture is made up: nothing checks it). */
export async function measureBarePost (options: LoadOptions): Promise<LoadResult> {
  const fixture: ServiceFixture = { adminKey: 'msk_bench', learnerIds: ['lrn_bench'], activityId: 'act_bench', optionIds: ['opt_a', 'opt_b'] }
  const run = await withTarget(['bare-post'], ({ port }, mark) => measure(port, options, ingestRequest(fixture, 1), mark))
  return summarise(run.value, 1, run.stats)
}

export async function measureActivityIngest (options: LoadOptions, service: ServiceOptions, eventsPerRequest: number): Promise<LoadResult> {
  const run = await withTarget(['service', JSON.stringify(service)], ({ port, fixture }, mark) => measure(port, options, ingestRequest(fixture as ServiceFixture, eventsPerRequest), mark))
  return summarise(run.value, eventsPerRequest, run.stats)
}
