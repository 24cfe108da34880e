// Commit on exit for AICC: the service delivers PutParam and ExitAU itself, through the
// outbox of the LMS adapter, to a stand-in LMS that is a real HTTP server written from CMI001
// (test/helpers/peers/aicc-hacp-lms.ts).
import t, { type Test } from 'tap'
import { harness, tokenSecret, type Harness } from '../helpers/harness.ts'
import { aiccAccount } from '../helpers/aicc.ts'
import { startAiccHacpLms, type AiccHacpLms } from '../helpers/peers/aicc-hacp-lms.ts'
import { launchKeyFor } from '../../src/app/credentials.ts'
import { HacpClient, LmsUnreachableError } from '../../src/lms/aicc-hacp.ts'
import type { DeliverySenderOptions } from '../../src/lms/delivery-sender.ts'

interface World { h: Harness, token: string, lms: AiccHacpLms, packageId: string, profileId: string }

async function world (t: Test, options: { dir?: string, clock?: number, delivery?: DeliverySenderOptions, lms?: AiccHacpLms, existing?: { packageId: string, profileId: string, token: string } } = {}): Promise<World> {
  const h = await harness(t, { ...(options.dir === undefined ? {} : { dir: options.dir }), ...(options.clock === undefined ? {} : { clock: options.clock }), delivery: options.delivery ?? { backoffMs: [20, 20, 20] } })
  const lms = options.lms ?? await startAiccHacpLms(t)
  if (options.existing !== undefined) return { h, lms, ...options.existing }
  const { token, profile, packageId } = await aiccAccount(h)
  return { h, token, lms, packageId, profileId: profile.profileId }
}

/** Launches from the LMS, answers a Mini Moment correctly, and presses Exit (`beforeExit` runs just before). */
async function playAndExit (w: World, beforeExit: () => void = () => {}) {
  const session = w.lms.createSession({ studentId: 'lms-user-42', studentName: 'Lovelace, Ada' })
  const key = encodeURIComponent(launchKeyFor(tokenSecret, w.packageId, 1))
  const launched = await w.h.app.inject({ method: 'GET', url: `/lms/aicc/launch?package=${w.packageId}&revision=1&key=${key}&${session.launchQuery}` })
  const fragment = new URLSearchParams(String(launched.headers.location).split('#')[1])
  const token = fragment.get('token') ?? ''
  const sessionId = fragment.get('session') ?? ''
  const moment = await w.h.request('POST', '/v1/me/moments', { token, body: { profileId: w.profileId } })
  for (const a of moment.body.activities) {
    await w.h.request('POST', `/v1/me/moments/${moment.body.momentId}/answers`, { token, body: { activityId: a.activityId, selected: ['right'], responseMs: 1500 } })
  }
  beforeExit()
  const exited = await w.h.request('POST', `/v1/lms/sessions/${sessionId}/exit`, { token, body: { how: 'exit' } })
  return { session, sessionId, exited }
}

const deliveryEvents = async (h: Harness, sessionId: string) => (await h.service.ctx.store.readStream(`lms-delivery-${sessionId}`)).map(e => e.type)

async function settled (w: World, sessionId: string) {
  await w.h.service.deliverySender.idle()
  const head = await w.h.service.ctx.store.headPosition()
  return w.h.request('GET', `/v1/lms/sessions/${sessionId}/delivery`, { token: w.token, headers: { 'x-min-position': String(head) } })
}

t.test('on exit the service sends the commit to the LMS: PutParam with the values, then ExitAU, once', async t => {
  const w = await world(t)
  const { session, sessionId, exited } = await playAndExit(w)
  t.equal(exited.status, 200, exited.text)
  const delivery = await settled(w, sessionId)
  t.match(delivery.body, { sessionId, state: 'delivered', attempts: 1 })
  t.same(w.lms.session(session.sessionId).exchanges.map(e => e.command), ['getparam', 'putparam', 'exitau'])
  t.equal(w.lms.session(session.sessionId).exchanges[1]?.lineEnding, 'CRLF')
  const record = w.lms.learner('lms-user-42')
  t.equal(record.lessonStatus, exited.body.values.successStatus === 'passed' ? 'passed' : 'incomplete', 'the status the commit derived')
  t.equal(record.score?.raw, exited.body.values.scoreRaw, 'and its score')
  t.same(await deliveryEvents(w.h, sessionId), ['LmsDeliveryStarted', 'LmsDelivered'])
  const retried = await w.h.request('POST', `/v1/lms/sessions/${sessionId}/exit`, { token: 'x', body: { how: 'unload' } })
  t.equal(retried.status, 401, 'a later exit with a bad token changes nothing')
  await w.h.service.deliverySender.idle()
  t.equal(w.lms.exchanges().filter(e => e.command === 'putparam').length, 1, 'delivered exactly once')
})

t.test('an unreachable LMS is retried with backoff, each attempt recorded, until it answers', async t => {
  const w = await world(t)
  const { sessionId } = await playAndExit(w, () => w.lms.failNext(2, { kind: 'status', status: 503 }))
  const delivery = await settled(w, sessionId)
  t.match(delivery.body, { state: 'delivered', attempts: 3 })
  t.same(await deliveryEvents(w.h, sessionId), ['LmsDeliveryStarted', 'LmsDeliveryAttemptFailed', 'LmsDeliveryStarted', 'LmsDeliveryAttemptFailed', 'LmsDeliveryStarted', 'LmsDelivered'])
  const failures = (await w.h.service.ctx.store.readStream(`lms-delivery-${sessionId}`)).filter(e => e.type === 'LmsDeliveryAttemptFailed')
  t.match(failures[0]?.data, { attempt: 1, error: /HTTP 503/, valuesAccepted: false })
  t.equal(w.lms.learner('lms-user-42').statusHistory.length, 1, 'the LMS recorded the values once')
})

t.test('an answer lost after the LMS took the values: the retry only closes the session', async t => {
  let lost = false
  const delivery: DeliverySenderOptions = {
    backoffMs: [20],
    hacp: session => {
      const client = new HacpClient(session)
      return {
        putParam: async values => client.putParam(values),
        // The first ExitAU reaches the LMS, but its answer never comes back.
        exitAu: async () => {
          await client.exitAu()
          if (!lost) {
            lost = true
            throw new LmsUnreachableError('ExitAU', 'the connection dropped')
          }
        }
      }
    }
  }
  const w = await world(t, { delivery })
  const { session, sessionId } = await playAndExit(w)
  const reply = await settled(w, sessionId)
  t.match(reply.body, { state: 'delivered', attempts: 2 })
  t.same(w.lms.session(session.sessionId).exchanges.map(e => e.command), ['getparam', 'putparam', 'exitau', 'exitau'], 'no second PutParam')
  t.equal(w.lms.session(session.sessionId).exchanges[3]?.reply?.error, 3, 'the LMS says the session is closed: it was our first ExitAU')
})

t.test('a refusal by the LMS is final and visible through the API with the LMS\'s error', async t => {
  const w = await world(t)
  const { sessionId } = await playAndExit(w, () => w.lms.failNext(1, { kind: 'hacp-error', error: 1, errorText: 'Invalid Command' }))
  const reply = await settled(w, sessionId)
  t.match(reply.body, { state: 'failed', attempts: 1, lastError: /error 1 \(Invalid Command\)/ })
  t.same(await deliveryEvents(w.h, sessionId), ['LmsDeliveryStarted', 'LmsDeliveryFailed'])
  const other = await w.h.newAccount('growth')
  t.equal((await w.h.request('GET', `/v1/lms/sessions/${sessionId}/delivery`, { token: other.adminKey })).status, 404, 'another account sees nothing')
})

t.test('a restart between the commit and its delivery: after it, exactly one delivery arrives', async t => {
  const dir = t.testdir()
  const lms = await startAiccHacpLms(t)
  const start = Date.parse('2026-06-01T09:00:00Z')
  // The first process cannot reach the LMS, and stops before its next attempt is due.
  const unreachable: DeliverySenderOptions = { backoffMs: [60_000], hacp: () => ({ putParam: async () => { throw new LmsUnreachableError('PutParam', 'down') }, exitAu: async () => {} }) }
  const first = await world(t, { dir, lms, clock: start, delivery: unreachable })
  const { session, sessionId } = await playAndExit(first)
  await first.h.service.deliverySender.stop()
  const before = await deliveryEvents(first.h, sessionId)
  // Stopped right after the commit: either before the sender saw it, or after one failed attempt.
  t.ok(before.length === 0 || before.join() === 'LmsDeliveryStarted,LmsDeliveryAttemptFailed', `before the restart: ${before.join() || 'nothing'}`)
  await first.h.app.close()
  await first.h.service.close()

  const second = await world(t, { dir, lms, clock: start + 120_000, existing: { packageId: first.packageId, profileId: first.profileId, token: first.token } })
  const reply = await settled(second, sessionId)
  t.match(reply.body, { state: 'delivered', attempts: before.length === 0 ? 1 : 2 })
  t.same(lms.session(session.sessionId).exchanges.map(e => e.command), ['getparam', 'putparam', 'exitau'], 'one delivery after the restart')
})

t.test('an attempt that stopped without recording its outcome, but got through: the next one finds the session closed, and that counts as delivered', async t => {
  const w = await world(t)
  const sender = w.h.service.deliverySender
  const { session, sessionId, exited } = await playAndExit(w, () => { void sender.stop() })
  await sender.stop()
  // What a process that died mid-attempt leaves: the claim, and an LMS that has it all.
  await w.h.service.ctx.store.append(`lms-delivery-${sessionId}`, [{ id: 'crashed-claim', type: 'LmsDeliveryStarted', data: { sessionId, attempt: 1 }, metadata: { accountId: 'x', actor: { kind: 'system', id: 'lms-delivery' } } }], { expectedRevision: 'no-stream' })
  const client = new HacpClient({ url: session.aiccUrl, sessionId: session.sessionId })
  await client.putParam(exited.body.values)
  await client.exitAu()
  await sender.start()
  const reply = await settled(w, sessionId)
  t.match(reply.body, { state: 'delivered', attempts: 2 })
  t.same(await deliveryEvents(w.h, sessionId), ['LmsDeliveryStarted', 'LmsDeliveryStarted', 'LmsDelivered'])
  t.equal(w.lms.learner('lms-user-42').statusHistory.length, 1, 'the values reached the LMS once')
})
