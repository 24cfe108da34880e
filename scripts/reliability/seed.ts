// Seeds a run through the public API, as an operator and an account admin would: a growth
// account, a profile of a few concepts with LMS integration on, a SCORM 2004 package, LMS
// users linked to learners (one per LMS virtual user) and learners for the app clients.
import { setTimeout as sleep } from 'node:timers/promises'
import { launchKeyFor } from '../../src/app/credentials.ts'

export interface Seeded {
  readonly adminKey: string
  readonly profileId: string
  readonly packageId: string
  readonly launchKey: string
  readonly activities: readonly { readonly activityId: string }[]
  readonly cards: readonly string[]
  /** One per LMS virtual user: its LMS user id and the learner it is linked to. */
  readonly lmsUsers: readonly { readonly lmsUserId: string, readonly learnerId: string }[]
  /** Learners the app clients (POST /v1/activity) report for. */
  readonly appLearners: readonly string[]
}

export interface SeedOptions {
  readonly base: string
  readonly operatorToken: string
  readonly tokenSecret: string
  readonly lmsUsers: number
  readonly appLearners: number
  readonly concepts: number
}

type Reply = { status: number, body: any } // eslint-disable-line @typescript-eslint/no-explicit-any

async function call (base: string, method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000)
  })
  const text = await res.text()
  let parsed: unknown
  try { parsed = JSON.parse(text) } catch { parsed = text }
  return { status: res.status, body: parsed }
}

export async function seed (options: SeedOptions): Promise<Seeded> {
  const { base } = options
  let head = 0
  const must = async (method: string, path: string, token: string | undefined, body?: unknown): Promise<any> => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await call(base, method, path, token, body)
    if (res.status < 200 || res.status >= 300) throw new Error(`seeding: ${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`)
    if (typeof res.body?.position === 'number') head = Math.max(head, res.body.position)
    return res.body
  }

  const account = await must('POST', '/v1/accounts', options.operatorToken, { name: 'Reliability run', plan: 'growth' })
  const key = account.adminKey as string
  const module = await must('POST', '/v1/modules', key, { title: 'Flags' })
  const activities: { activityId: string }[] = []
  const cards: string[] = []
  for (let c = 0; c < options.concepts; c++) {
    const concept = await must('POST', `/v1/modules/${module.id}/concepts`, key, { title: `Concept ${c}` })
    for (let a = 0; a < 2; a++) {
      const activity = await must('POST', `/v1/concepts/${concept.id}/activities`, key, {
        prompt: `Question ${c}.${a}?`,
        options: [{ id: 'right', text: 'Right', correct: true }, { id: 'wrong', text: 'Wrong', correct: false }]
      })
      activities.push({ activityId: activity.id })
    }
    const card = await must('POST', `/v1/concepts/${concept.id}/cards`, key, { title: `Card ${c}`, body: 'Something worth knowing.' })
    cards.push(card.id)
  }
  const profile = await must('POST', '/v1/profiles', key, { name: 'International Flags' })
  await must('PUT', `/v1/profiles/${profile.id}/modules/${module.id}`, key, { goal: 3 })
  await must('PUT', `/v1/profiles/${profile.id}/lms-integration`, key, { enabled: true })
  const pkg = await must('POST', `/v1/profiles/${profile.id}/packages`, key, { title: 'Flags', format: 'scorm2004' })

  const newLearner = async (label: string): Promise<string> => {
    const learner = await must('POST', '/v1/learners', key, { name: label, email: `${label}@reliability.example.com`, password: 'correct horse battery' })
    return learner.id as string
  }
  const lmsUsers: { lmsUserId: string, learnerId: string }[] = []
  for (let i = 0; i < options.lmsUsers; i++) {
    const learnerId = await newLearner(`lms-${i}`)
    const lmsUserId = `lms-user-${i}`
    await must('POST', `/v1/learners/${learnerId}/lms-links`, key, { lmsUserId })
    lmsUsers.push({ lmsUserId, learnerId })
  }
  const appLearners: string[] = []
  for (let i = 0; i < options.appLearners; i++) appLearners.push(await newLearner(`app-${i}`))

  // The package is built asynchronously; the load starts once it is ready and every read
  // model has seen the seeding (a launch reads links and packages from them).
  const deadline = Date.now() + 30_000
  for (;;) {
    const status = await call(base, 'GET', `/v1/packages/${pkg.packageId}`, key)
    if (status.status === 200 && status.body.status === 'ready') break
    if (Date.now() > deadline) throw new Error(`seeding: the package did not become ready: ${JSON.stringify(status.body)}`)
    await sleep(100)
  }
  await call(base, 'GET', `/v1/profiles/${profile.id}`, key, undefined, { 'x-min-position': String(head) })

  return {
    adminKey: key,
    profileId: profile.id,
    packageId: pkg.packageId,
    launchKey: launchKeyFor(options.tokenSecret, pkg.packageId, 1),
    activities,
    cards,
    lmsUsers,
    appLearners
  }
}
