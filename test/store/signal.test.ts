import t from 'tap'
import { IdleReport, Signal } from '../../src/store/signal.ts'

t.test('a wait resolves true when notified, false on its timeout or an abort', async t => {
  const signal = new Signal()
  const notified = signal.wait(10_000)
  signal.notify()
  t.equal(await notified, true)
  t.equal(await signal.wait(5), false, 'timed out')
  const abort = new AbortController()
  const aborted = signal.wait(10_000, abort.signal)
  abort.abort()
  t.equal(await aborted, false, 'aborted while waiting')
})

t.test('a wait on a signal already aborted returns at once', async t => {
  const abort = new AbortController()
  abort.abort()
  const started = performance.now()
  t.equal(await new Signal().wait(10_000, abort.signal), false)
  t.ok(performance.now() - started < 5_000, 'it did not wait for the timeout')
})

t.test('an idle report is due once per quiet spell, and never without idleMs', async t => {
  t.equal(new IdleReport(undefined).due(200), 200, 'no idleMs: just the wait')
  const idle = new IdleReport(30)
  const first = idle.due(200)
  t.ok(typeof first === 'number' && first <= 30, 'not yet due: wait at most what is left')
  await new Promise(resolve => setTimeout(resolve, 40))
  t.equal(idle.due(200), 'report', 'due after the quiet spell')
  t.equal(idle.due(200), 200, 'and only once')
  idle.active()
  t.not(idle.due(200), 'report', 'events start the spell over')
  await new Promise(resolve => setTimeout(resolve, 40))
  t.equal(idle.due(200), 'report')
})
