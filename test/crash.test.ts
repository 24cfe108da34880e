// Crash test: a real service process ingests activity while we kill -9 it.
// Every event it acknowledged must be in the log after a restart, and the
// projections must converge to what a rebuild from zero gives.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { pino } from 'pino'
import { openService } from '../src/service.ts'
import { freePort } from './helpers/ports.ts'
import { startServiceProcess } from './helpers/service-process.ts'


t.test('kill -9 during ingest loses no acknowledged event and projections converge', async t => {
  const dataDir = t.testdir()
  const port = await freePort()
  let child = await startServiceProcess(dataDir, port)
  const creds = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8'))
  const moduleList = await fetch(`http://127.0.0.1:${port}/v1/profiles/${creds.profileId}`, { headers: { authorization: `Bearer ${creds.adminKey}` } }).then(r => r.json()) as { modules: { moduleId: string }[] }
  const mod = await fetch(`http://127.0.0.1:${port}/v1/modules/${moduleList.modules[0]?.moduleId}`, { headers: { authorization: `Bearer ${creds.adminKey}` } }).then(r => r.json()) as { concepts: { activities: { activityId: string, options: { id: string }[] }[] }[] }
  const activity = mod.concepts[0]?.activities[0] as { activityId: string, options: { id: string }[] }

  const acknowledged: string[] = []
  let sent = 0
  let stop = false
  const writer = async (w: number) => {
    while (!stop) {
      const ids = Array.from({ length: 5 }, (_, i) => `crash-${w}-${sent}-${i}`)
      sent++
      try {
        const res = await fetch(`http://127.0.0.1:${port}/v1/activity`, {
          method: 'POST',
          headers: { authorization: `Bearer ${creds.adminKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ events: ids.map(eventId => ({ eventId, type: 'ActivityAnswered', learnerId: creds.learner.id, activityId: activity.activityId, selected: [activity.options[0]?.id], responseMs: 1200, occurredAt: new Date().toISOString() })) })
        })
        if (res.status === 202) acknowledged.push(...ids)
      } catch {
        // the connection died with the process: not acknowledged, may or may not be stored
      }
    }
  }
  const writers = Array.from({ length: 8 }, (_, w) => writer(w))
  while (acknowledged.length < 1500) await sleep(20)
  child.kill('SIGKILL')
  await new Promise(resolve => child.once('exit', resolve))
  stop = true
  await Promise.all(writers)
  t.ok(acknowledged.length >= 1500, `${acknowledged.length} events acknowledged before the kill`)

  child = await startServiceProcess(dataDir, port)
  child.kill('SIGTERM')
  await new Promise(resolve => child.once('exit', resolve))

  const service = await openService({ dataDir, log: pino({ level: 'silent' }) })
  t.teardown(() => service.close())
  const stored = new Set<string>()
  for (let after = 0; ;) {
    const page = await service.ctx.store.readAll({ after, maxCount: 5000 })
    if (page.length === 0) break
    for (const e of page) stored.add(e.id)
    after = page[page.length - 1]?.position ?? after
  }
  const lost = acknowledged.filter(id => !stored.has(id))
  t.same(lost, [], 'every acknowledged event survived kill -9')

  await service.ctx.runner.waitFor(await service.ctx.store.headPosition(), { timeoutMs: 30_000 })
  const converged = await service.ctx.runner.get('mastery', `mastery:${creds.learner.id}`)
  await service.ctx.runner.rebuild('mastery')
  t.same(await service.ctx.runner.get('mastery', `mastery:${creds.learner.id}`), converged, 'the mastery projection after the crash equals a rebuild from zero')
})
