// LMS benchmarks: package build time for the demo profile, and server-side launch and
// exit latency with many LMS sessions open at once. Server-side time is fastify's
// elapsed time per request (received → reply sent), taken in an onResponse hook.
//
//   npx tsx bench/lms-sessions.ts [sessions] [in flight]     standalone; bench/run.ts calls benchLms()
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { openService } from '../src/service.ts'
import { buildApp } from '../src/http/app.ts'
import { loadConfig } from '../src/config.ts'
import { seedDemo } from '../src/seed-demo.ts'
import { buildPackage } from '../packaging/build-package.ts'
import { launchKeyFor } from '../src/app/credentials.ts'

export interface LmsBenchResult {
  readonly buildP50Ms: number
  readonly buildP99Ms: number
  readonly builds: number
  readonly sessions: number
  readonly inFlight: number
  readonly launchP50Ms: number
  readonly launchP99Ms: number
  readonly exitP50Ms: number
  readonly exitP99Ms: number
  readonly errors: number
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN
}

export async function benchLms (options: { sessions: number, builds: number, inFlight: number }): Promise<LmsBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-lms-'))
  const service = await openService({ dataDir: dir, log: pino({ level: 'silent' }), publicUrl: 'http://127.0.0.1:3000' })
  const app = await buildApp(service.ctx, loadConfig({ DATA_DIR: dir, SEED_DEMO: 'false' }))
  const serverMs = new Map<string, number[]>()
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? ''
    const list = serverMs.get(route) ?? []
    list.push(reply.elapsedTime)
    serverMs.set(route, list)
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  try {
    const { credentials } = await seedDemo(service.ctx, dir)
    const admin = { authorization: `Bearer ${credentials.adminKey}`, 'content-type': 'application/json' }

    // Package build: the 2004 package of the demo profile, built directly, many times.
    const buildTimes: number[] = []
    for (let i = 0; i < options.builds; i++) {
      const started = performance.now()
      await buildPackage({ packageId: 'pkg_bench', revision: 1 + i, title: 'International Flags', format: 'scorm2004', serviceUrl: base, launchKey: launchKeyFor('bench', 'pkg_bench', 1 + i) })
      buildTimes.push(performance.now() - started)
    }

    // A real package through the API, and accounts that provision LMS users on first launch.
    const created = await fetch(`${base}/v1/profiles/${credentials.profileId}/packages`, { method: 'POST', headers: admin, body: JSON.stringify({ title: 'Flags', format: 'scorm2004' }) }).then(r => r.json()) as { packageId: string }
    await service.packageBuilder.waitFor(await service.ctx.store.headPosition())
    await fetch(`${base}/v1/account/settings`, { method: 'PUT', headers: admin, body: JSON.stringify({ unknownLmsUsers: 'provision' }) })
    const launchBody = (user: number) => JSON.stringify({ packageId: created.packageId, revision: 1, launchKey: launchKeyFor(service.ctx.tokenSecret, created.packageId, 1), standard: 'scorm2004', lmsUserId: `bench-user-${user}` })
    const users = Array.from({ length: options.sessions }, (_, i) => i)
    let errors = 0
    // Learners arrive as a stream, a few requests in flight at a time, until all sessions
    // are open together; then they leave the same way.
    const inFlight = options.inFlight
    const inWaves = async <T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> => {
      const results: R[] = new Array(items.length)
      let next = 0
      await Promise.all(Array.from({ length: Math.min(inFlight, items.length) }, async () => {
        while (next < items.length) {
          const i = next++
          results[i] = await fn(items[i] as T)
        }
      }))
      return results
    }
    const launchAll = async () => inWaves(users, async user => {
      const res = await fetch(`${base}/v1/lms/launch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: launchBody(user) })
      if (res.status !== 201) errors++
      return await res.json() as { sessionId: string, token: string }
    })
    const exitAll = async (sessions: { sessionId: string, token: string }[]) => inWaves(sessions, async s => {
      const res = await fetch(`${base}/v1/lms/sessions/${s.sessionId}/exit`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` }, body: JSON.stringify({ how: 'exit' }) })
      if (res.status !== 200) errors++
    })

    // Warm-up round: provisions every LMS user (a slow password hash each) and warms caches.
    await exitAll(await launchAll())
    serverMs.clear()
    // Measured round: all sessions open together, then all exited.
    await exitAll(await launchAll())
    const launches = serverMs.get('/v1/lms/launch') ?? []
    const exits = serverMs.get('/v1/lms/sessions/:sessionId/exit') ?? []
    return {
      buildP50Ms: percentile(buildTimes, 0.5),
      buildP99Ms: percentile(buildTimes, 0.99),
      builds: buildTimes.length,
      sessions: options.sessions,
      inFlight: options.inFlight,
      launchP50Ms: percentile(launches, 0.5),
      launchP99Ms: percentile(launches, 0.99),
      exitP50Ms: percentile(exits, 0.5),
      exitP99Ms: percentile(exits, 0.99),
      errors
    }
  } finally {
    await app.close()
    await service.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sessions = Number(process.argv[2] ?? 200)
  benchLms({ sessions, builds: 200, inFlight: Number(process.argv[3] ?? 8) }).then(result => {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n')
  }, (error: unknown) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  })
}
