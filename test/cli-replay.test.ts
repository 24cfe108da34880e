// Integration: `mastery-sync replay` run as operators run it (a child process through
// bin/mastery-sync.js) on a real SQLite DATA_DIR that a service has written, and still holds open.
import t from 'tap'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { harness, buildProfile, newLearner } from './helpers/harness.ts'
import type { RecordedEvent } from '../src/store/event-store.ts'
import { cliBin as bin, runCliOn as cli, type CliRun as Run } from './helpers/cli.ts'

const parse = (text: string): any[] => text.split('\n').filter(line => line !== '').map(line => JSON.parse(line))

const day1 = Date.parse('2026-03-01T08:00:00Z')
const day2 = Date.parse('2026-03-02T08:00:00Z')
const day3 = Date.parse('2026-03-03T08:00:00Z')

t.test('replay writes the log as NDJSON, whole or filtered, to a file or stdout', async t => {
  // Recorded times follow the service's clock: three days, each with its own writes.
  const h = await harness(t, { clock: day1 })
  const a = await h.newAccount()
  const { profileId } = await buildProfile(h, a.adminKey)
  const learner = await newLearner(h, a.adminKey, profileId)
  h.clock.now = day2
  const b = await h.newAccount()
  await buildProfile(h, b.adminKey)
  h.clock.now = day3
  // Enough lines (a few MB) that a pipe's buffer cannot hold them all.
  for (let batch = 0; batch < 10; batch++) {
    await h.service.ctx.store.append(`activity-${learner.learnerId}`, Array.from({ length: 500 }, (_, i) => ({
      id: `bulk-${batch}-${i}`,
      type: 'CardViewed',
      data: { learnerId: learner.learnerId, cardId: 'crd_x', conceptId: 'con_x', occurredAt: new Date(day3).toISOString(), note: 'x'.repeat(400) },
      metadata: { accountId: a.accountId, actor: { kind: 'app', id: 'bench' } }
    })))
  }
  const all: RecordedEvent[] = await h.service.ctx.store.readAll({ maxCount: 100_000 })
  t.ok(all.length > 5000)
  const dir = h.dir

  await t.test('the whole log, to a file', async t => {
    const out = join(t.testdir(), 'log.ndjson')
    const run = await cli(['replay', '--out', out, '--batch', '700'], dir)
    t.equal(run.status, 0, run.stderr)
    t.match(run.stdout, `wrote ${all.length} events (the log up to position ${all.at(-1)?.position}) to ${out}`)
    const lines = parse(readFileSync(out, 'utf8'))
    t.same(lines.map(e => e.position), all.map(e => e.position), 'every event, in log order')
    t.same(lines.map(e => e.id), all.map(e => e.id))
    const registered = lines.find(e => e.type === 'LearnerRegistered')
    t.equal(registered.data.passwordHash, '[redacted]', 'password hashes never leave through history')
    t.match(lines[0], { type: 'AccountCreated', revision: 0, streamId: `account-${a.accountId}`, recordedAt: '2026-03-01T08:00:00.000Z', metadata: { accountId: a.accountId } })
  })

  await t.test('the same bytes on stdout', async t => {
    const out = join(t.testdir(), 'log.ndjson')
    const [file, stdout] = await Promise.all([cli(['replay', '--out', out], dir), cli(['replay'], dir)])
    t.equal(stdout.status, 0, stdout.stderr)
    t.equal(file.status, 0, file.stderr)
    t.equal(stdout.stdout, readFileSync(out, 'utf8'))
  })

  await t.test('one account: exactly what GET /v1/events gives that account', async t => {
    const run = await cli(['replay', '--account', b.accountId], dir)
    t.equal(run.status, 0, run.stderr)
    const lines = parse(run.stdout)
    t.ok(lines.length > 5 && lines.every(e => e.metadata.accountId === b.accountId))
    t.equal(lines.length, all.filter(e => e.metadata.accountId === b.accountId).length)
    const http = await h.request('GET', '/v1/events?limit=100000', { token: b.adminKey })
    t.equal(run.stdout, http.text, 'the same lines, byte for byte')
  })

  await t.test('types, streams (exact and prefix), position and limit', async t => {
    const typed = parse((await cli(['replay', '--type', 'ProfileCreated,ModuleCreated'], dir)).stdout)
    t.same(typed.map(e => e.position), all.filter(e => e.type === 'ProfileCreated' || e.type === 'ModuleCreated').map(e => e.position))
    t.equal(typed.length, 4, 'two accounts, one profile and one module each')

    const exact = parse((await cli(['replay', '--stream', `profile-${profileId}`], dir)).stdout)
    t.same(exact.map(e => e.position), all.filter(e => e.streamId === `profile-${profileId}`).map(e => e.position))
    t.ok(exact.length >= 2)

    const prefixed = parse((await cli(['replay', '--stream', 'module-*,account-*'], dir)).stdout)
    t.same(prefixed.map(e => e.position), all.filter(e => e.streamId.startsWith('module-') || e.streamId.startsWith('account-')).map(e => e.position))

    const page = parse((await cli(['replay', '--after', String(all[9]?.position), '--limit', '5'], dir)).stdout)
    t.same(page.map(e => e.position), all.slice(10, 15).map(e => e.position))

    const both = parse((await cli(['replay', '--account', a.accountId, '--type', 'CardViewed', '--limit', '3'], dir)).stdout)
    t.same(both.map(e => e.id), ['bulk-0-0', 'bulk-0-1', 'bulk-0-2'])
  })

  await t.test('a time range of recorded times: from inclusive, to exclusive', async t => {
    const secondDay = parse((await cli(['replay', '--from', '2026-03-02T08:00:00Z', '--to', '2026-03-03T08:00:00Z'], dir)).stdout)
    const expected = all.filter(e => e.recordedAt >= day2 && e.recordedAt < day3)
    t.ok(expected.length > 5)
    t.same(secondDay.map(e => e.position), expected.map(e => e.position))
    t.ok(secondDay.every(e => e.metadata.accountId === b.accountId), 'day 2 is account B\'s setup')

    const fromOnly = parse((await cli(['replay', '--from', '2026-03-03', '--type', 'AccountCreated,CardViewed', '--limit', '2'], dir)).stdout)
    t.same(fromOnly.map(e => e.id), ['bulk-0-0', 'bulk-0-1'], 'a date alone is midnight UTC')
    const toOnly = parse((await cli(['replay', '--to', '2026-03-01T08:00:00.001Z'], dir)).stdout)
    t.same(toOnly.map(e => e.position), all.filter(e => e.recordedAt === day1).map(e => e.position))
  })

  await t.test('a reader that goes away (| head) ends the replay quietly', async t => {
    const child = spawn(process.execPath, [bin, 'replay'], { env: { ...process.env, DATA_DIR: dir, STORE: 'sqlite' } })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
    const first = await new Promise<string>(resolve => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8'))))
    t.match(first, /^\{"position":/)
    // What `head` does once it has its lines: close its end of the pipe.
    child.stdout.destroy()
    const status = await new Promise<number | null>(resolve => child.on('close', code => resolve(code)))
    t.equal(status, 0, 'exit status 0')
    t.equal(stderr, '', 'no error, no stack trace')
  })

  await t.test('bad filters are refused with the reason, before anything is written', async t => {
    const cases: [string[], RegExp][] = [
      [['--type', 'ActivityAnswered,Nope'], /unknown event type Nope/],
      [['--from', 'yesterday'], /from must be an ISO 8601 time/],
      [['--from', '2026-03-02', '--to', '2026-03-01'], /from \(2026-03-02\) must be before to \(2026-03-01\)/],
      [['--stream', 'mod*ule'], /a stream is an exact id or a prefix ending in \*/],
      [['--limit', 'many'], /--limit must be an integer/]
    ]
    const runs = await Promise.all(cases.map(([args]) => cli(['replay', ...args], dir)))
    const nowhere = await cli(['replay'], join(dir, 'not-here'))
    t.equal(nowhere.status, 1)
    t.match(nowhere.stderr, /no store in DATA_DIR=.*not-here/, 'a mistyped DATA_DIR is not an empty log')
    cases.forEach(([args, message], i) => {
      const run = runs[i] as Run
      t.equal(run.status, 1, args.join(' '))
      t.match(run.stderr, message)
      t.equal(run.stdout, '', 'nothing written')
    })
  })
})
