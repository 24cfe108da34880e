// kill -9 between a cmi5 commit and its delivery: a real service process, a real LRS peer
// (test/helpers/peers/lrs.ts). The LRS holds the first statement of the delivery without
// answering; the service is killed while it waits; after a restart the delivery resumes and
// every statement reaches the LRS exactly once.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import JSZip from 'jszip'
import { freePort } from './helpers/ports.ts'
import { killProcess, startServiceProcess } from './helpers/service-process.ts'
import { startLrs } from './helpers/peers/lrs.ts'




t.test('kill -9 while a cmi5 delivery is in flight: after the restart every statement arrives exactly once', { timeout: 120_000 }, async t => {
  const dataDir = t.testdir()
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const lrs = await startLrs(t)
  let child = await startServiceProcess(dataDir, port, { PUBLIC_URL: origin })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const creds = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')) as { adminKey: string, profileId: string, learner: { id: string } }
  const api = async (method: string, path: string, body?: unknown, token = creds.adminKey) => {
    const res = await fetch(`${origin}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
    const text = await res.text()
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text) }
  }

  // The admin's side: integration on, a cmi5 package, the LMS user linked.
  await api('PUT', `/v1/profiles/${creds.profileId}/lms-integration`, { enabled: true })
  const packageId = (await api('POST', `/v1/profiles/${creds.profileId}/packages`, { title: 'Crash course', format: 'cmi5' })).body.packageId as string
  for (let i = 0; i < 200 && (await api('GET', `/v1/packages/${packageId}`)).body.status !== 'ready'; i++) await sleep(50)
  t.equal((await api('POST', `/v1/learners/${creds.learner.id}/lms-links`, { lmsUserId: 'crash-ada' })).status, 201)
  const zip = await JSZip.loadAsync(Buffer.from(await (await fetch(`${origin}/v1/packages/${packageId}/download`, { headers: { authorization: `Bearer ${creds.adminKey}` } })).arrayBuffer()))
  const auUrl = (/<url>([^<]*)<\/url>/.exec(await zip.file('cmi5.xml')?.async('string') ?? '')?.[1] ?? '').replace(/&amp;/g, '&')

  // The LMS launches; the learner plays and exits while the LRS holds the first exit statement.
  const lms = lrs.launchCmi5({ actor: { objectType: 'Agent', account: { homePage: lrs.origin, name: 'crash-ada' } } })
  const launched = await fetch(lms.url(auUrl), { redirect: 'manual' })
  t.equal(launched.status, 303)
  const fragment = new URLSearchParams(String(launched.headers.get('location')).split('#')[1])
  const token = fragment.get('token') ?? ''
  const sessionId = fragment.get('session') ?? ''
  const moment = await api('POST', '/v1/me/moments', { profileId: creds.profileId }, token)
  for (const a of moment.body.activities as { activityId: string, options: { id: string }[] }[]) {
    await api('POST', `/v1/me/moments/${moment.body.momentId}/answers`, { activityId: a.activityId, selected: [a.options[0]?.id], responseMs: 1500 }, token)
  }
  lrs.failNext(1, { kind: 'timeout' }, { method: 'PUT', path: 'statements' })
  const exited = await api('POST', `/v1/lms/sessions/${sessionId}/exit`, { how: 'exit' }, token)
  t.match(exited.body, { committed: true, delivery: 'pending' }, 'committed; the delivery is held by the LRS')
  t.equal(lrs.pendingFailures(), 0, 'the LRS is holding the first statement')
  await killProcess(child)

  child = await startServiceProcess(dataDir, port, { PUBLIC_URL: origin })
  let delivery: { state?: string, attempts?: number } = {}
  for (let i = 0; i < 300 && delivery.state !== 'delivered'; i++) {
    delivery = (await api('GET', `/v1/lms/sessions/${sessionId}/delivery`)).body ?? {}
    if (delivery.state !== 'delivered') await sleep(100)
  }
  t.match(delivery, { state: 'delivered', attempts: 2 }, 'the attempt cut short is followed by one more')
  const statements = lrs.statementsOf(lms.sessionId)
  const verbs = statements.map(s => String((s as { verb: { id: string } }).verb.id).split('/').pop())
  const expected = exited.body.values.successStatus === 'passed' ? ['initialized', 'completed', 'passed', 'terminated'] : ['initialized', 'terminated']
  t.same(verbs, expected, `each statement once (${verbs.join(', ')})`)
  t.same(lrs.violations({ includeUnfinished: true }), [], 'no cmi5 rule broken')
  await killProcess(child)
})
