// A real service for tests: a SQLite file in a fresh temp dir, the real projections,
// the real HTTP app driven through app.inject(). Optionally a controllable clock.
import type { StorageChoice } from '../../src/storage.ts'
import type { OutboundPolicy } from '../../src/lms/outbound.ts'
import type { Test } from 'tap'
import { pino, type Logger } from 'pino'
import type { KafkaConfig } from '../../src/config.ts'
import type { DeliverySenderOptions } from '../../src/lms/delivery-sender.ts'
import type { FastifyInstance } from 'fastify'
import { openService, type Service } from '../../src/service.ts'
import { buildApp } from '../../src/http/app.ts'
import { loadConfig } from '../../src/config.ts'
import type { BuildFunction } from '../../src/packaging/package-builder.ts'

export const operatorToken = 'test-operator-token-0123456789'
export const tokenSecret = 'x'.repeat(40)

export interface Harness {
  readonly app: FastifyInstance
  readonly service: Service
  readonly dir: string
  readonly clock: { now: number }
  request (method: string, url: string, options?: { token?: string, body?: unknown, headers?: Record<string, string> }): Promise<{ status: number, body: any, text: string, headers: Record<string, unknown> }>
  newAccount (plan?: 'starter' | 'growth' | 'enterprise'): Promise<{ accountId: string, adminKey: string }>
  eventCount (): Promise<number>
}

export interface HarnessOptions {
  readonly clock?: number
  readonly dir?: string
  readonly build?: BuildFunction
  readonly delivery?: DeliverySenderOptions
  readonly storage?: StorageChoice
  readonly outbound?: OutboundPolicy
  /** Kafka export and ingest on (test/helpers/kafka.ts starts the broker). */
  readonly kafka?: KafkaConfig
  /** The service's log (silent by default). */
  readonly log?: Logger
  /** PUBLIC_URL (default http://127.0.0.1:3000). */
  readonly publicUrl?: string
}

export async function harness (t: Test, options: HarnessOptions = {}): Promise<Harness> {
  const dir = options.dir ?? t.testdir()
  const clock = { now: options.clock ?? Date.now() }
  const service = await openService({
    dataDir: dir,
    sqliteSynchronous: 'normal',
    log: options.log ?? pino({ level: 'silent' }),
    tokenSecret,
    publicUrl: options.publicUrl ?? 'http://127.0.0.1:3000',
    // The LMS and LRS peers of these tests listen on loopback.
    outbound: options.outbound ?? 'any',
    ...(options.kafka === undefined ? {} : { kafka: options.kafka }),
    ...(options.build === undefined ? {} : { build: options.build }),
    ...(options.delivery === undefined ? {} : { delivery: options.delivery }),
    ...(options.storage === undefined ? {} : { storage: options.storage }),
    ...(options.clock === undefined ? {} : { now: () => clock.now })
  })
  const config = loadConfig({ DATA_DIR: dir, OPERATOR_TOKEN: operatorToken, SEED_DEMO: 'false' })
  const app = await buildApp(service.ctx, config)
  t.teardown(async () => { await app.close(); await service.close() })

  const request: Harness['request'] = async (method, url, opts = {}) => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: { ...(opts.token === undefined ? {} : { authorization: `Bearer ${opts.token}` }), ...opts.headers },
      ...(opts.body === undefined ? {} : { payload: opts.body as object })
    })
    let body: unknown
    try { body = res.json() } catch { body = undefined }
    return { status: res.statusCode, body, text: res.body, headers: res.headers }
  }
  return {
    app,
    service,
    dir,
    clock,
    request,
    async newAccount (plan = 'growth') {
      const res = await request('POST', '/v1/accounts', { token: operatorToken, body: { name: `Account ${plan}`, plan } })
      if (res.status !== 201) throw new Error(`account creation failed: ${res.text}`)
      return res.body
    },
    async eventCount () {
      return (await service.ctx.store.readAll({ maxCount: 1_000_000 })).length
    }
  }
}

/** Builds a small profile: one module with `concepts` concepts of two activities each. */
export async function buildProfile (h: Harness, adminKey: string, options: { concepts?: number, goal?: number } = {}) {
  const token = adminKey
  const module = await h.request('POST', '/v1/modules', { token, body: { title: 'Flags' } })
  const moduleId = module.body.id as string
  const concepts: { conceptId: string, activities: { activityId: string, correct: string, wrong: string }[] }[] = []
  for (let c = 0; c < (options.concepts ?? 2); c++) {
    const concept = await h.request('POST', `/v1/modules/${moduleId}/concepts`, { token, body: { title: `Concept ${c}` } })
    const conceptId = concept.body.id as string
    const activities = []
    for (let a = 0; a < 2; a++) {
      const act = await h.request('POST', `/v1/concepts/${conceptId}/activities`, {
        token,
        body: { prompt: `Question ${c}.${a}?`, options: [{ id: 'right', text: 'Right', correct: true }, { id: 'wrong', text: 'Wrong', correct: false }] }
      })
      activities.push({ activityId: act.body.id as string, correct: 'right', wrong: 'wrong' })
    }
    await h.request('POST', `/v1/concepts/${conceptId}/cards`, { token, body: { title: `Card ${c}`, body: 'Something worth knowing.' } })
    concepts.push({ conceptId, activities })
  }
  const profile = await h.request('POST', '/v1/profiles', { token, body: { name: 'International Flags' } })
  const profileId = profile.body.id as string
  await h.request('PUT', `/v1/profiles/${profileId}/modules/${moduleId}`, { token, body: { goal: options.goal ?? 3 } })
  return { moduleId, profileId, concepts }
}

export async function newLearner (h: Harness, adminKey: string, profileId?: string, email = `learner-${Math.random().toString(36).slice(2)}@example.com`) {
  const password = 'correct horse battery'
  const res = await h.request('POST', '/v1/learners', { token: adminKey, body: { name: 'Ada Learner', email, password } })
  if (res.status !== 201) throw new Error(`learner creation failed: ${res.text}`)
  const learnerId = res.body.id as string
  if (profileId !== undefined) await h.request('PUT', `/v1/profiles/${profileId}/assignments/${learnerId}`, { token: adminKey, body: {} })
  const login = await h.request('POST', '/v1/auth/login', { body: { email, password } })
  return { learnerId, email, password, token: login.body.token as string }
}
