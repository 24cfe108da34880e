// A server for the HTTP benchmarks, in its own process so it does not share a core
// with autocannon. Argument "hello": a fastify hello-world. Argument "bare-post": fastify
// parsing an ingest body and answering 202, nothing else. Argument "service": the real
// service (openService + buildApp) on a temp DATA_DIR with the demo account seeded.
// Sends { type: 'ready', port, fixture } and, on { type: 'stop' }, { type: 'stopped', stats }.
import Database from 'better-sqlite3'
import Fastify, { type FastifyInstance } from 'fastify'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { loadConfig } from '../../src/config.ts'
import { openService, type Service } from '../../src/service.ts'
import { buildApp } from '../../src/http/app.ts'
import { seedDemo } from '../../src/seed-demo.ts'
import { authenticateAdmin } from '../../src/app/accounts.ts'
import { registerLearner } from '../../src/app/learners.ts'
import type { ActivityDoc } from '../../projections/catalog.ts'
import { reportFailure } from '../support/child.ts'

export interface ServiceOptions {
  /** Learners to spread the load over: the demo learner plus learners - 1 registered here. */
  readonly learners: number
  readonly synchronous: 'full' | 'normal'
  /** Run the projections live, as the service does (false only to diagnose). */
  readonly live: boolean
}

export interface ServiceFixture {
  readonly adminKey: string
  readonly learnerIds: readonly string[]
  readonly activityId: string
  readonly optionIds: readonly string[]
}

export interface ServiceStats {
  /** ActivityAnswered events in the log after the run. */
  readonly answered: number
  /** How far the mastery projection got by the end of the run, out of the log head. */
  readonly masteryPosition: number
  readonly headPosition: number
}

export interface TargetStats {
  /** CPU time (user + system) this server used from the "mark" message to "stop". */
  readonly cpuMicros: number
  readonly wallMicros: number
  readonly service?: ServiceStats
}

async function helloWorld (): Promise<{ app: FastifyInstance, stop: () => Promise<ServiceStats | undefined> }> {
  const app = Fastify({ logger: false })
  app.get('/', async () => ({ hello: 'world' }))
  return { app, stop: async () => { await app.close(); return undefined } }
}

/**
 * The HTTP and JSON floor of the ingest route: fastify parsing the same body and answering
 * 202 with the same shape, with no authentication, domain, store or projections.
 */
async function barePost (): Promise<{ app: FastifyInstance, stop: () => Promise<ServiceStats | undefined> }> {
  const app = Fastify({ logger: false })
  app.post('/v1/activity', async (request, reply) => {
    const { events } = request.body as { events: unknown[] }
    return reply.code(202).send({ accepted: events.length, duplicates: 0, position: 0 })
  })
  return { app, stop: async () => { await app.close(); return undefined } }
}

async function service (options: ServiceOptions): Promise<{ app: FastifyInstance, fixture: ServiceFixture, stop: () => Promise<ServiceStats> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mastery-sync-bench-http-'))
  const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'silent', SQLITE_SYNCHRONOUS: options.synchronous })
  const log = pino({ level: 'silent' })
  let opened: Service | undefined
  try {
    opened = await openService({ dataDir: config.dataDir, sqliteSynchronous: config.sqliteSynchronous, log, live: true })
    const { ctx } = opened
    const { credentials } = await seedDemo(ctx, config.dataDir)
    const admin = await authenticateAdmin(ctx, credentials.adminKey)
    const extra = await Promise.all(Array.from({ length: options.learners - 1 }, (_, i) =>
      registerLearner(ctx, admin, { name: `Bench Learner ${i}`, email: `bench-${i}@demo.mastery-sync.dev`, password: `bench-password-${i}` })))
    if (!options.live) await ctx.runner.stop()
    const activities = await ctx.runner.list<ActivityDoc>('catalog', 'activity:')
    const activity = activities.map(a => a.doc).find(a => !a.removed && a.accountId === credentials.accountId)
    if (activity === undefined) throw new Error('the demo seed has no activity')
    const app = await buildApp(ctx, config)
    const svc = opened
    return {
      app,
      fixture: { adminKey: credentials.adminKey, learnerIds: [credentials.learner.id, ...extra.map(l => l.learnerId)], activityId: activity.activityId, optionIds: activity.options.map(o => o.id) },
      async stop () {
        // The load has stopped: requests still queued were dropped by autocannon, so do not
        // wait for them (a projection loop hogging the event loop can hold them for minutes).
        app.server.closeAllConnections()
        await app.close()
        const headPosition = await ctx.store.headPosition()
        const masteryPosition = ctx.runner.status().find(s => s.name === 'mastery')?.position ?? 0
        await svc.close()
        const db = new Database(join(config.dataDir, 'mastery-sync.sqlite'), { readonly: true })
        const row = db.prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'ActivityAnswered'").get() as { n: number }
        db.close()
        rmSync(dataDir, { recursive: true, force: true })
        return { answered: row.n, masteryPosition, headPosition }
      }
    }
  } catch (error) {
    await opened?.close()
    rmSync(dataDir, { recursive: true, force: true })
    throw error
  }
}

async function main (): Promise<void> {
  const kind = process.argv[2]
  if (kind !== 'hello' && kind !== 'bare-post' && kind !== 'service') throw new Error('usage: http-target.ts hello | bare-post | service <options json>')
  const target = kind === 'hello'
    ? { ...(await helloWorld()), fixture: undefined }
    : kind === 'bare-post'
      ? { ...(await barePost()), fixture: undefined }
      : await service(JSON.parse(process.argv[3] ?? '{}') as ServiceOptions)
  await target.app.listen({ port: 0, host: '127.0.0.1' })
  const address = target.app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  let mark = { cpu: process.cpuUsage(), wall: performance.now() }
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'mark') {
      mark = { cpu: process.cpuUsage(), wall: performance.now() }
      process.send?.({ type: 'marked' })
    }
    if (message.type !== 'stop') return
    const cpu = process.cpuUsage(mark.cpu)
    const usage = { cpuMicros: cpu.user + cpu.system, wallMicros: (performance.now() - mark.wall) * 1000 }
    target.stop().then(service => {
      const stats: TargetStats = { ...usage, ...(service === undefined ? {} : { service }) }
      // Exit explicitly once the parent has the stats (this also writes a --cpu-prof profile).
      process.send?.({ type: 'stopped', stats }, () => process.exit(0))
    }, reportFailure)
  })
  process.send?.({ type: 'ready', port: address.port, fixture: target.fixture })
}

main().catch(reportFailure)
