// Every HTTP route, fuzzed from its own schema (the OpenAPI document the service serves, so a
// new route is fuzzed without being listed here): values at the edges of the schema, values
// that break it in one place, wrong content types, oversized and deeply nested bodies, hostile
// text in every string, odd path parameters, and the wrong credentials.
//
// For every case: no 5xx, an error body with a registered code and a message, no stack trace,
// and nothing appended by a refused request. Seeded (FUZZ_SEED=<n> replays another sequence;
// FUZZ_CASES=<n> runs more cases per route); the failures name the seed and case.
import t from 'tap'
import { errorCodes } from '../../src/errors.ts'
import type { RecordedEvent } from '../../src/store/event-store.ts'
import { harness, buildProfile, newLearner, operatorToken, type Harness } from '../helpers/harness.ts'
import { brokenValue, edgeValue, hostileText, paramValue, pick, seeded, type Rng } from './schema-values.ts'

const seed = Number(process.env.FUZZ_SEED ?? 20261127)
const casesPerRoute = Number(process.env.FUZZ_CASES ?? 40)

interface Operation {
  readonly method: string
  readonly path: string
  readonly body?: Record<string, any>
  readonly consumes: readonly string[]
  readonly query: readonly { name: string, schema: Record<string, any>, required: boolean }[]
  readonly pathParams: readonly string[]
}

/** Events a request did not cause: background work started by earlier successful requests. */
const background = (event: RecordedEvent): boolean => {
  const actor = event.metadata.actor as { kind?: string, id?: string } | undefined
  return actor?.kind === 'system' && (actor.id === 'package-builder' || actor.id === 'lms-delivery')
}

function operations (spec: any): Operation[] {
  const resolve = (schema: any): any => {
    if (schema?.$ref === undefined) return schema
    const name = String(schema.$ref).split('/').pop() as string
    return resolve(spec.components?.schemas?.[name])
  }
  const out: Operation[] = []
  for (const [path, methods] of Object.entries<any>(spec.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const content = op.requestBody?.content ?? {}
      const consumes = Object.keys(content)
      const json = content['application/json']?.schema
      const parameters: any[] = op.parameters ?? []
      out.push({
        method: method.toUpperCase(),
        path,
        ...(json === undefined ? {} : { body: resolve(json) }),
        consumes,
        query: parameters.filter(p => p.in === 'query').map(p => ({ name: p.name, schema: resolve(p.schema) ?? {}, required: p.required === true })),
        pathParams: parameters.filter(p => p.in === 'path').map(p => p.name as string)
      })
    }
  }
  return out
}

interface Fixture {
  readonly adminKey: string
  readonly otherAdminKey: string
  readonly learnerToken: string
  readonly ids: Record<string, string[]>
}

async function fixture (h: Harness): Promise<Fixture> {
  const { adminKey, accountId } = await h.newAccount()
  const other = await h.newAccount()
  const { moduleId, profileId, concepts } = await buildProfile(h, adminKey)
  const learner = await newLearner(h, adminKey, profileId)
  const spareKey = await h.request('POST', '/v1/admin-keys', { token: adminKey, body: { label: 'spare' } })
  const pkg = await h.request('POST', `/v1/profiles/${profileId}/packages`, { token: adminKey, body: { title: 'Flags', format: 'scorm12' } })
  const moment = await h.request('POST', '/v1/me/moments', { token: learner.token, body: { profileId } })
  await h.request('POST', `/v1/learners/${learner.learnerId}/lms-links`, { token: adminKey, body: { lmsUserId: 'lms-user-1' } })
  const activityIds = concepts.flatMap(c => c.activities.map(a => a.activityId))
  return {
    adminKey,
    otherAdminKey: other.adminKey,
    learnerToken: learner.token,
    ids: {
      accountId: [accountId, other.accountId],
      moduleId: [moduleId],
      conceptId: concepts.map(c => c.conceptId),
      id: [...concepts.map(c => c.conceptId), ...activityIds],
      profileId: [profileId],
      learnerId: [learner.learnerId],
      packageId: [pkg.body?.id].filter((id): id is string => typeof id === 'string'),
      keyId: [spareKey.body?.keyId].filter((id): id is string => typeof id === 'string'),
      momentId: [moment.body?.id ?? moment.body?.momentId].filter((id): id is string => typeof id === 'string'),
      lmsUserId: ['lms-user-1'],
      sessionId: []
    }
  }
}

/** The credentials a route is meant for, and now and then the wrong ones. */
function token (op: Operation, f: Fixture, rng: Rng): string | undefined {
  const roll = rng()
  if (roll < 0.05) return undefined
  if (roll < 0.1) return f.otherAdminKey
  if (roll < 0.13) return pick(rng, ['x', 'Bearer', 'a.b.c', 'ms_' + 'A'.repeat(500), f.learnerToken.slice(0, -2) + 'xx'])
  if (op.path.startsWith('/v1/me') || op.path === '/v1/auth/logout' || op.path === '/v1/activity' && rng() < 0.5) return f.learnerToken
  if (op.path === '/v1/accounts' || op.path.startsWith('/v1/accounts/')) return operatorToken
  return f.adminKey
}

interface Case {
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string>
  readonly payload?: string | Buffer
  readonly label: string
}

function makeCase (op: Operation, f: Fixture, rng: Rng, n: number): Case {
  let path = op.path
  for (const name of op.pathParams) path = path.replace(`{${name}}`, encodeURIComponent(paramValue(f.ids[name] ?? [], rng)))
  const query = new URLSearchParams()
  for (const q of op.query) {
    if (!q.required && rng() < 0.5) continue
    const value = rng() < 0.7 ? edgeValue(q.schema, rng) : pick(rng, [...hostileText, '-1', '1e400', 'NaN', '[]', 'x'.repeat(3000)])
    query.set(q.name, typeof value === 'string' ? value : JSON.stringify(value))
  }
  if (rng() < 0.1) query.set(pick(rng, ['__proto__', 'constructor', 'unknown']), 'x')
  const url = path + (query.size > 0 ? `?${query.toString()}` : '')
  const auth = token(op, f, rng)
  const headers: Record<string, string> = auth === undefined ? {} : { authorization: `Bearer ${auth}` }
  if (op.consumes.length === 0) return { method: op.method, url, headers, label: `#${n} ${op.method} ${url.slice(0, 120)}` }

  const kind = rng()
  let payload: string | Buffer
  let contentType = op.consumes.includes('application/json') ? 'application/json' : op.consumes[0] as string
  let what: string
  if (op.body !== undefined && kind < 0.45) {
    payload = JSON.stringify(edgeValue(op.body, rng)); what = 'edge'
  } else if (op.body !== undefined && kind < 0.8) {
    payload = JSON.stringify(brokenValue(op.body, rng)) ?? 'null'; what = 'broken'
  } else if (kind < 0.86) {
    contentType = pick(rng, ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'image/png'])
    payload = pick(rng, ['{"title":"x"}', '<x/>', 'a=b', '--x--']); what = 'content type'
  } else if (kind < 0.9) {
    payload = Buffer.alloc(3 * 1024 * 1024, 'a'); what = 'oversized'
  } else if (kind < 0.95) {
    payload = pick(rng, ['{', '{"a":}', '\u0000', '[1,2', '{"__proto__":{"polluted":true}}', '"' + '\\'.repeat(1001) + '"', 'null', '']); what = 'malformed'
  } else {
    // CSV-shaped text: the import route takes it; the others must refuse it as JSON.
    payload = ['lmsUserId,email', '=HYPERLINK("http://127.0.0.1"),nobody@example.org', `${pick(rng, hostileText)},x@example.org`].join('\n'); what = 'csv'
  }
  headers['content-type'] = contentType
  return { method: op.method, url, headers, payload, label: `#${n} ${what} ${op.method} ${url.slice(0, 120)}` }
}

// Thousands of requests: on a slow machine this takes longer than a test file's usual 120 s.
t.setTimeout(600_000)

t.test(`every route, fuzzed from its schema (seed ${seed}, ${casesPerRoute} cases per route)`, async t => {
  const h = await harness(t)
  const f = await fixture(h)
  await h.app.ready()
  const ops = operations((h.app as unknown as { swagger: () => unknown }).swagger())
  t.ok(ops.length >= 50, `the OpenAPI document lists ${ops.length} operations`)
  const rng = seeded(seed)
  const failures: string[] = []
  const statuses = new Map<number, number>()
  let cases = 0

  for (const op of ops) {
    for (let i = 0; i < casesPerRoute; i++) {
      const c = makeCase(op, f, rng, ++cases)
      const head = await h.service.ctx.store.headPosition()
      const res = await h.app.inject({ method: c.method as 'GET', url: c.url, headers: c.headers, ...(c.payload === undefined ? {} : { payload: c.payload }) })
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      const fail = (why: string): void => { failures.push(`${c.label}: ${why} (status ${res.statusCode}: ${res.body.slice(0, 300)})`) }
      if (res.statusCode >= 500) fail('server error')
      if (/\bat .+\.(ts|js):\d+/.test(res.body)) fail('a stack trace in the response')
      if (res.statusCode >= 400) {
        let code: unknown
        let message: unknown
        try { ({ code, message } = res.json().error ?? {}) } catch { fail('an error without a JSON body') }
        if (typeof code !== 'string' || !(code in errorCodes)) fail(`error code ${String(code)} is not in the registry`)
        else if (errorCodes[code as keyof typeof errorCodes].status !== res.statusCode) fail(`${code} is registered with status ${errorCodes[code as keyof typeof errorCodes].status}`)
        if (typeof message !== 'string' || message.length === 0) fail('an error without a message')
        // Background work of earlier successful cases may append at any time; this request may not.
        const after = await h.service.ctx.store.readAll({ after: head, maxCount: 10_000 })
        const caused = after.filter(event => !background(event))
        if (caused.length > 0) fail(`refused, yet appended ${caused.map(e => e.type).join(', ')}`)
      }
    }
  }
  // The routes outside the OpenAPI document: launch pages and the player, with query strings.
  for (const path of ['/lms/aicc/launch', '/lms/cmi5/launch', '/lms/xapi/launch', '/player/', '/player']) {
    for (let i = 0; i < casesPerRoute; i++) {
      const params = new URLSearchParams()
      for (const name of ['k', 'key', 'aicc_sid', 'aicc_url', 'endpoint', 'fetch', 'actor', 'registration', 'activityId', 'auth', 'returnURL']) {
        if (rng() < 0.5) params.set(name, pick(rng, [...hostileText, 'http://127.0.0.1:1/x', '{"mbox":"mailto:a@b.c"}', 'x'.repeat(4000)]))
      }
      const url = `${path}?${params.toString()}`
      const head = await h.service.ctx.store.headPosition()
      const res = await h.app.inject({ method: 'GET', url })
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      cases++
      if (res.statusCode >= 500) failures.push(`GET ${url.slice(0, 160)}: server error ${res.statusCode}: ${res.body.slice(0, 200)}`)
      if (res.statusCode >= 400 && (await h.service.ctx.store.readAll({ after: head })).some(e => !background(e))) failures.push(`GET ${url.slice(0, 160)}: refused, yet appended`)
      if (res.statusCode >= 400) {
        // A refusal page names its code for the learner's administrator: a registered one, with this status.
        const code = /\bMS_ERR_[A-Z_]+/.exec(res.body)?.[0]
        const registered = code === undefined ? undefined : errorCodes[code as keyof typeof errorCodes]
        if (registered?.status !== res.statusCode) failures.push(`GET ${url.slice(0, 160)}: refused (${res.statusCode}) without a registered code of that status (${String(code)})`)
      }
    }
  }
  t.comment(`${cases} cases; statuses ${[...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`)
  t.same(failures, [], `no case failed (seed ${seed})`)
  t.ok([...statuses.keys()].some(s => s < 300), 'some cases were accepted (the fuzz reaches the handlers, not only the validators)')
  t.ok((statuses.get(400) ?? 0) > 0 && (statuses.get(415) ?? 0) > 0 && (statuses.get(413) ?? 0) > 0, 'validation, content type and size limits were all exercised')
})
