import t from 'tap'
import { Signal } from '../../src/store/signal.ts'

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
