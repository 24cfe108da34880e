// Delivers commits to LMSs the service reports to itself (AICC, cmi5, xAPI): the outbox of the
// LMS adapter. A commit on exit makes a pending delivery (the lms-adapter projection's
// delivery:{sessionId} document); this sender sends it (AICC: PutParam, then ExitAU; cmi5 and
// xAPI: the exit's statements, Terminated last) with retries and backoff, and records each
// attempt and the outcome in lms-delivery-{sessionId}.
//
// Once, across restarts and concurrent senders: an attempt is claimed by appending
// LmsDeliveryStarted with the stream's expected revision, so two senders never send the same
// attempt, and a settled delivery is never sent again. HACP itself is not idempotent: when an
// attempt's answer is lost after the LMS took the values, the next attempt only closes the
// session, and an LMS that says the session is already closed then means it was delivered.
import type { Logger } from 'pino'
import { deliveredByService, type PendingDeliveryDoc, type RegistrationDoc } from '../../projections/lms-adapter.ts'
import type { DataOf } from '../../schemas/events.ts'
import type { AppContext } from '../app/context.ts'
import { WrongExpectedRevisionError } from '../store/event-store.ts'
import { Signal } from '../store/signal.ts'
import { ReadTimeoutError } from '../projections/runner.ts'
import { HacpClient, HacpError, LmsUnreachableError, type HacpSession } from './aicc-hacp.ts'
import { LrsError, XapiClient, type XapiConnection } from './xapi-client.ts'
import { cmi5ExitStatements, tincanExitStatements, type Cmi5LaunchData, type XapiAgent } from '../domain/lms/xapi.ts'
import { resumeStateId, statementId } from '../app/xapi-launch.ts'

export type HacpFactory = (session: HacpSession) => Pick<HacpClient, 'putParam' | 'exitAu'>
export type XapiFactory = (connection: XapiConnection) => Pick<XapiClient, 'putStatement' | 'putState'>

export interface DeliverySenderOptions {
  /** Pause before each retry; its length is the number of retries. */
  readonly backoffMs?: readonly number[]
  readonly hacp?: HacpFactory
  readonly xapi?: XapiFactory
}

const defaultBackoffMs = [5_000, 30_000, 120_000, 600_000, 3_600_000]
const invalidSessionId = 3

type Outcome =
  | { readonly type: 'LmsDelivered', readonly verbs?: readonly string[] }
  | { readonly type: 'LmsDeliveryFailed', readonly error: string }
  | { readonly type: 'LmsDeliveryAttemptFailed', readonly error: string, readonly valuesAccepted: boolean }

export class DeliverySender {
  private readonly backoffMs: readonly number[]
  private readonly hacp: HacpFactory
  private readonly xapi: XapiFactory
  private readonly timers = new Map<string, NodeJS.Timeout>()
  private readonly sending = new Map<string, Promise<void>>()
  private readonly settled = new Signal()
  private abort = new AbortController()
  private loop: Promise<void> | undefined
  private recovery: Promise<void> | undefined
  /** How far the log has been followed. */
  private position = 0

  constructor (private readonly ctx: AppContext, private readonly log: Logger, options: DeliverySenderOptions = {}) {
    this.backoffMs = options.backoffMs ?? defaultBackoffMs
    this.hacp = options.hacp ?? (session => new HacpClient(session, { fetch: ctx.outboundFetch }))
    this.xapi = options.xapi ?? (connection => new XapiClient(connection, { fetch: ctx.outboundFetch }))
  }

  /** Follows new commits at once; picks up deliveries left pending (by a restart) once the projection has caught up. */
  async start (): Promise<void> {
    this.abort = new AbortController()
    const from = await this.ctx.store.headPosition()
    this.loop = this.follow(from, this.abort.signal)
    this.recovery = this.recoverPending(from, this.abort.signal)
  }

  /** The projection may be rebuilding (a new version on a long log): wait for it as long as it takes. */
  private async recoverPending (from: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.ctx.runner.waitFor(from, { projections: ['lms-adapter'], timeoutMs: 1000 })
        break
      } catch (error) {
        if (!(error instanceof ReadTimeoutError)) throw error
      }
    }
    if (signal.aborted) return
    for (const { doc } of await this.ctx.runner.list<PendingDeliveryDoc>('lms-adapter', 'pending-delivery:', Number.MAX_SAFE_INTEGER)) {
      this.schedule(doc.sessionId, doc.nextAttemptAt === undefined ? 0 : Date.parse(doc.nextAttemptAt) - this.ctx.now())
    }
  }

  async stop (): Promise<void> {
    this.abort.abort()
    for (const timer of this.timers.values()) clearTimeout(timer)
    this.timers.clear()
    await this.loop
    await this.recovery?.catch(() => {})
    await Promise.all(this.sending.values())
  }

  /** Resolves once every commit in the log so far is delivered or given up (tests). */
  async idle (timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    await this.recovery
    const head = await this.ctx.store.headPosition()
    while (this.position < head || this.sending.size > 0 || this.timers.size > 0) {
      if (Date.now() > deadline) throw new Error('deliveries still pending')
      await this.settled.wait(50)
    }
  }

  private async follow (from: number, signal: AbortSignal): Promise<void> {
    this.position = from
    while (!signal.aborted) {
      try {
        for await (const batch of this.ctx.store.subscribe({ after: this.position, signal, lingerMs: 1 })) {
          for (const event of batch) {
            this.position = event.position
            if (event.type !== 'LmsProgressCommitted') continue
            const commit = event.data as DataOf<'LmsProgressCommitted'>
            if (deliveredByService.has(commit.format)) this.schedule(commit.sessionId, 0)
          }
          this.settled.notify()
        }
        return
      } catch (error) {
        this.log.error({ err: error }, 'delivery sender could not follow the log; trying again')
        await this.settled.wait(1000, signal)
      }
    }
  }

  private schedule (sessionId: string, delayMs: number): void {
    if (this.abort.signal.aborted || this.timers.has(sessionId)) return
    const timer = setTimeout(() => {
      this.timers.delete(sessionId)
      if (this.sending.has(sessionId)) return
      const sending = this.deliver(sessionId)
        .catch(error => {
          // The store or the log, not the LMS: try again later, as for an unreachable LMS.
          this.log.error({ err: error, sessionId }, 'delivery failed unexpectedly; trying again')
          this.schedule(sessionId, this.backoffMs[0] ?? 0)
        })
        .finally(() => {
          this.sending.delete(sessionId)
          this.settled.notify()
        })
      this.sending.set(sessionId, sending)
    }, Math.max(0, delayMs))
    timer.unref()
    this.timers.set(sessionId, timer)
  }

  private async deliver (sessionId: string): Promise<void> {
    const streamId = `lms-delivery-${sessionId}`
    const history = await this.ctx.store.readStream(streamId)
    if (history.some(e => e.type === 'LmsDelivered' || e.type === 'LmsDeliveryFailed')) return
    const attempt = history.filter(e => e.type === 'LmsDeliveryStarted').length + 1
    const lastFailure = [...history].reverse().find(e => e.type === 'LmsDeliveryAttemptFailed')
    const valuesAccepted = (lastFailure?.data as DataOf<'LmsDeliveryAttemptFailed'> | undefined)?.valuesAccepted === true
    // The previous attempt started but recorded no outcome (the process stopped mid-way): it may have got through.
    const previousUnknown = history[history.length - 1]?.type === 'LmsDeliveryStarted'
    const session = await this.ctx.store.readStream(`lms-session-${sessionId}`)
    const launched = session[0]?.data as DataOf<'LmsSessionLaunched'> | undefined
    const commitEvent = session.find(e => e.type === 'LmsProgressCommitted')
    const commit = commitEvent?.data as DataOf<'LmsProgressCommitted'> | undefined
    if (launched === undefined || commitEvent === undefined || commit === undefined) return
    const metadata = { accountId: launched.accountId, actor: { kind: 'system', id: 'lms-delivery' } }
    // cmi5, xAPI: what the registration had delivered is fixed by the first attempt (see LmsDeliveryStarted).
    const planned = (history.find(e => e.type === 'LmsDeliveryStarted')?.data as DataOf<'LmsDeliveryStarted'> | undefined)?.sentBefore
    const sentBefore = launched.xapi === undefined ? undefined : planned ?? (await this.ctx.runner.get<RegistrationDoc>('lms-adapter', `registration:${commit.registration}`))?.sentVerbs ?? []
    let revision = history.length - 1
    try {
      revision = (await this.ctx.store.append(streamId, [{ id: this.ctx.newId('evt'), type: 'LmsDeliveryStarted', data: { sessionId, attempt, ...(sentBefore === undefined ? {} : { sentBefore }) }, metadata }], { expectedRevision: revision < 0 ? 'no-stream' : revision })).revision
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) return // another sender took this attempt
      throw error
    }
    const outcome = launched.aicc !== undefined
      ? await this.send(this.hacp(launched.aicc), commit, attempt, valuesAccepted, previousUnknown)
      : launched.xapi !== undefined
        ? await this.sendStatements(sessionId, launched.xapi, commit, commitEvent.recordedAt, sentBefore ?? [], attempt, valuesAccepted, previousUnknown)
        : { type: 'LmsDeliveryFailed', error: 'The session has no LMS address to deliver to.' } as const
    const events: { type: string, data: Record<string, unknown> }[] = []
    if (outcome.type === 'LmsDeliveryAttemptFailed') {
      const delay = this.backoffMs[attempt - 1] ?? 0
      events.push({ type: 'LmsDeliveryAttemptFailed', data: { sessionId, attempt, error: clip(outcome.error), nextAttemptAt: new Date(this.ctx.now() + delay).toISOString(), valuesAccepted: outcome.valuesAccepted } })
      await this.record(streamId, events, metadata, revision)
      this.schedule(sessionId, delay)
      return
    }
    events.push(outcome.type === 'LmsDelivered'
      ? { type: 'LmsDelivered', data: { sessionId, attempt, ...(outcome.verbs === undefined ? {} : { verbs: [...outcome.verbs], registration: commit.registration }) } }
      : { type: 'LmsDeliveryFailed', data: { sessionId, attempt, error: clip(outcome.error) } })
    await this.record(streamId, events, metadata, revision)
    // Settled: the LRS credential is not needed any more.
    if (launched.xapi !== undefined) await this.ctx.lmsCredentials.delete(sessionId)
    this.log.info({ sessionId, attempt, outcome: outcome.type }, 'lms delivery settled')
  }

  /** One attempt: the values, then closing the session; what happened, in terms of what to do next. */
  private async send (client: ReturnType<HacpFactory>, commit: DataOf<'LmsProgressCommitted'>, attempt: number, valuesAccepted: boolean, previousUnknown: boolean): Promise<Outcome> {
    let accepted = valuesAccepted
    try {
      if (!accepted) {
        await client.putParam(commit.values)
        accepted = true
      }
      await client.exitAu()
      return { type: 'LmsDelivered' }
    } catch (error) {
      if (error instanceof HacpError) {
        // The session is closed and the values were taken earlier (or an attempt whose
        // outcome was never recorded may have sent them): our earlier ExitAU got through and
        // only its answer was lost.
        if (error.code === invalidSessionId && (accepted || previousUnknown)) return { type: 'LmsDelivered' }
        return { type: 'LmsDeliveryFailed', error: error.message }
      }
      if (error instanceof LmsUnreachableError) {
        return this.unreachable(error, attempt, accepted)
      }
      throw error
    }
  }

  /**
   * cmi5, xAPI: the exit's statements, in order, Terminated last. Each has a fixed id and is
   * rebuilt the same on every attempt (its time is the commit's), so a retry resends what an
   * earlier attempt already got through and the LRS keeps one copy. Completed and Passed go
   * once per registration: the verbs an earlier delivery got accepted are not sent again.
   */
  private async sendStatements (sessionId: string, lrs: NonNullable<DataOf<'LmsSessionLaunched'>['xapi']>, commit: DataOf<'LmsProgressCommitted'>, committedAt: number, sentBefore: readonly string[], attempt: number, terminatedBefore: boolean, previousUnknown: boolean): Promise<Outcome> {
    const credential = await this.ctx.lmsCredentials.get(sessionId)
    if (credential === undefined) return { type: 'LmsDeliveryFailed', error: 'The LRS credential of this session is gone (the launch did not finish, or it was sealed with another TOKEN_SECRET).' }
    const sent = new Set(sentBefore)
    const verbs: string[] = []
    const id = (verb: string): string => { verbs.push(verb); return statementId(sessionId, verb) }
    const actor = lrs.actor as XapiAgent
    const statements = lrs.kind === 'cmi5'
      ? cmi5ExitStatements({
        session: { actor, activityId: lrs.activityId, registration: lrs.registration ?? '', launchData: lrs.launchData as unknown as Cmi5LaunchData },
        values: commit.values,
        alreadySent: { completed: sent.has('completed'), passed: sent.has('passed') },
        at: committedAt,
        statementId: id
      })
      : tincanExitStatements({
        session: { actor, activityId: lrs.activityId, registration: lrs.registration },
        values: commit.values,
        alreadySent: { completed: sent.has('completed'), passed: sent.has('passed'), mastered: sent.has('mastered') },
        at: committedAt,
        statementId: id,
        serviceUrl: this.ctx.publicUrl
      })
    const client = this.xapi({ endpoint: lrs.endpoint, authorization: credential.authorization })
    let terminatedTried = terminatedBefore
    try {
      if (lrs.kind === 'tincan') {
        // Resume data for the next launch (State API), before the session is closed.
        await client.putState({ activityId: lrs.activityId, agent: actor, ...(lrs.registration === undefined ? {} : { registration: lrs.registration }), stateId: resumeStateId(this.ctx.publicUrl) }, {
          progress: commit.values.progressMeasure, mastered: commit.values.successStatus === 'passed', totalLmsMs: commit.values.totalLmsMs, lastSession: sessionId
        })
      }
      for (const statement of statements) {
        if (statement === statements[statements.length - 1]) terminatedTried = true
        await client.putStatement(statement)
      }
      return { type: 'LmsDelivered', verbs }
    } catch (error) {
      if (error instanceof LrsError) {
        // A cmi5 token stops working once Terminated is in: an earlier attempt got it through and
        // only the answer was lost. That attempt had everything before Terminated accepted, so its
        // verbs count; after an attempt that stopped without a record, nothing is known to be in.
        if (lrs.kind === 'cmi5' && error.status === 401 && terminatedBefore) return { type: 'LmsDelivered', verbs }
        if (lrs.kind === 'cmi5' && error.status === 401 && previousUnknown) return { type: 'LmsDelivered', verbs: [] }
        return { type: 'LmsDeliveryFailed', error: error.message }
      }
      if (error instanceof LmsUnreachableError) {
        return this.unreachable(error, attempt, terminatedTried)
      }
      throw error
    }
  }

  /** The LMS could not be reached: another attempt later, unless this was the last one. */
  private unreachable (error: LmsUnreachableError, attempt: number, valuesAccepted: boolean): Outcome {
    return attempt > this.backoffMs.length
      ? { type: 'LmsDeliveryFailed', error: `${error.message} (gave up after ${attempt} attempts)` }
      : { type: 'LmsDeliveryAttemptFailed', error: error.message, valuesAccepted }
  }

  private async record (streamId: string, events: { type: string, data: Record<string, unknown> }[], metadata: Record<string, unknown>, revision: number): Promise<void> {
    await this.ctx.store.append(streamId, events.map(e => ({ id: this.ctx.newId('evt'), type: e.type, data: e.data, metadata })), { expectedRevision: revision })
  }
}

function clip (text: string): string {
  return text.length <= 1000 ? text : `${text.slice(0, 997)}...`
}
