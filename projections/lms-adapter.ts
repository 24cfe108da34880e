// The LMS side of progress: what each LMS registration (one learner in one LMS course)
// was last told, and every commit, in order. Commits happen only when a session
// launched from the LMS exits (R14), so app-only progress never appears here.
//   registration:{registration}             -> RegistrationDoc
//   session:{sessionId}                      -> LmsSessionDoc
//   learner-commit:{learnerId}:{position}    -> CommitDoc (the commit history of a learner)
//   delivery:{sessionId}                     -> DeliveryDoc (a commit the service delivers to the LMS itself: AICC, cmi5, xAPI)
//   pending-delivery:{sessionId}             -> PendingDeliveryDoc (only while it is not settled: the sender's work list)
import type { ProjectionDefinition } from '../src/projections/projection.ts'
import type { DataOf, DomainEvent } from '../schemas/events.ts'
import type { RecordedEvent } from '../src/store/event-store.ts'

type Values = DataOf<'LmsProgressCommitted'>['values']
export interface RegistrationDoc {
  registration: string, packageId: string, lmsUserId: string, learnerId: string, passed: boolean, totalLmsMs: number, commits: number, lastValues?: Values, lastCommitAt?: number
  /** cmi5, xAPI: verbs the LRS has accepted in this registration (completed and passed go once). */
  sentVerbs?: string[]
}
export interface LmsSessionDoc { sessionId: string, accountId: string, packageId: string, packageRevision: number, profileId: string, learnerId: string, lmsUserId: string, format: string, registration: string, launchedAt: number, exitedAt?: number, how?: string, values?: Values }
export interface DeliveryDoc {
  sessionId: string
  accountId: string
  state: 'pending' | 'delivered' | 'failed'
  /** Attempts started so far. */
  attempts: number
  committedAt: number
  nextAttemptAt?: string
  /** The LMS's error, or why it could not be reached, at the last failed attempt. */
  lastError?: string
  settledAt?: number
}
export interface PendingDeliveryDoc { sessionId: string, nextAttemptAt?: string }
export interface CommitDoc { sessionId: string, packageId: string, profileId: string, registration: string, format: string, values: Values, mastered: boolean, committedAt: number }

const sessionOf = (streamId: string): string => streamId.slice('lms-session-'.length)
const pad = (n: number): string => String(n).padStart(15, '0')

/** Formats whose commits the service delivers to the LMS itself (SCORM commits go through the launcher). */
export const deliveredByService: ReadonlySet<string> = new Set(['aicc', 'cmi5', 'xapi'])

export const lmsAdapterProjection: ProjectionDefinition<RegistrationDoc | LmsSessionDoc | CommitDoc | DeliveryDoc | PendingDeliveryDoc> = {
  name: 'lms-adapter',
  // 2: deliveries; 3: the list of pending ones; 4: cmi5 and xAPI deliveries, verbs sent per registration.
  version: 4,
  eventTypes: new Set(['LmsSessionLaunched', 'LmsSessionExited', 'LmsProgressCommitted', 'LmsDeliveryStarted', 'LmsDeliveryAttemptFailed', 'LmsDelivered', 'LmsDeliveryFailed']),
  keys (event) {
    const e = event as unknown as DomainEvent
    if (e.type === 'LmsProgressCommitted') {
      const keys = [`registration:${e.data.registration}`, `session:${sessionOf(event.streamId)}`, `learner-commit:${e.data.learnerId}:${pad(event.position)}`]
      return deliveredByService.has(e.data.format) ? [...keys, `delivery:${e.data.sessionId}`, `pending-delivery:${e.data.sessionId}`] : keys
    }
    if (e.type === 'LmsDeliveryStarted') return [`delivery:${e.data.sessionId}`]
    if (e.type === 'LmsDelivered' && e.data.registration !== undefined) return [`delivery:${e.data.sessionId}`, `pending-delivery:${e.data.sessionId}`, `registration:${e.data.registration}`]
    if (e.type === 'LmsDeliveryAttemptFailed' || e.type === 'LmsDelivered' || e.type === 'LmsDeliveryFailed') return [`delivery:${e.data.sessionId}`, `pending-delivery:${e.data.sessionId}`]
    if (e.type === 'LmsSessionLaunched') return [`session:${e.data.sessionId}`, `registration:${e.data.registration}`]
    return [`session:${sessionOf(event.streamId)}`]
  },
  evolve (doc, event, key) {
    const e = event as unknown as DomainEvent
    const at = event.recordedAt
    if (e.type === 'LmsSessionLaunched') {
      if (key.startsWith('registration:')) {
        return (doc as RegistrationDoc | undefined) ?? { registration: e.data.registration, packageId: e.data.packageId, lmsUserId: e.data.lmsUserId, learnerId: e.data.learnerId, passed: false, totalLmsMs: 0, commits: 0 }
      }
      const { sessionId, accountId, packageId, packageRevision, profileId, learnerId, lmsUserId, format, registration } = e.data
      return { sessionId, accountId, packageId, packageRevision, profileId, learnerId, lmsUserId, format, registration, launchedAt: at }
    }
    if (e.type === 'LmsSessionExited') return { ...(doc as LmsSessionDoc), exitedAt: at, how: e.data.how }
    if (e.type === 'LmsDelivered' && key.startsWith('registration:')) {
      const reg = doc as RegistrationDoc | undefined
      if (reg === undefined) return reg
      return { ...reg, sentVerbs: [...new Set([...(reg.sentVerbs ?? []), ...(e.data.verbs ?? [])])] }
    }
    if (key.startsWith('delivery:')) return evolveDelivery(doc as DeliveryDoc | undefined, event)
    if (key.startsWith('pending-delivery:')) return evolvePending(doc as PendingDeliveryDoc | undefined, event)
    if (e.type === 'LmsProgressCommitted') {
      if (key.startsWith('registration:')) {
        const reg = doc as RegistrationDoc
        return { ...reg, passed: reg.passed || e.data.values.successStatus === 'passed', totalLmsMs: e.data.values.totalLmsMs, commits: reg.commits + 1, lastValues: e.data.values, lastCommitAt: at }
      }
      if (key.startsWith('session:')) return { ...(doc as LmsSessionDoc), values: e.data.values }
      return { sessionId: e.data.sessionId, packageId: e.data.packageId, profileId: e.data.profileId, registration: e.data.registration, format: e.data.format, values: e.data.values, mastered: e.data.mastered, committedAt: at }
    }
    return doc
  }
}

function evolveDelivery (doc: DeliveryDoc | undefined, event: RecordedEvent): DeliveryDoc | undefined {
  const e = event as unknown as DomainEvent
  if (e.type === 'LmsProgressCommitted') {
    return { sessionId: e.data.sessionId, accountId: String(event.metadata.accountId), state: 'pending', attempts: 0, committedAt: event.recordedAt }
  }
  if (doc === undefined) return doc
  if (e.type === 'LmsDeliveryStarted') return { ...doc, attempts: e.data.attempt }
  if (e.type === 'LmsDeliveryAttemptFailed') return { ...doc, lastError: e.data.error, nextAttemptAt: e.data.nextAttemptAt }
  if (e.type === 'LmsDelivered') return { ...withoutRetry(doc), state: 'delivered', settledAt: event.recordedAt }
  if (e.type === 'LmsDeliveryFailed') return { ...withoutRetry(doc), state: 'failed', lastError: e.data.error, settledAt: event.recordedAt }
  return doc
}

function withoutRetry (doc: DeliveryDoc): DeliveryDoc {
  const { nextAttemptAt: _next, ...rest } = doc
  return rest
}

function evolvePending (doc: PendingDeliveryDoc | undefined, event: RecordedEvent): PendingDeliveryDoc | undefined {
  const e = event as unknown as DomainEvent
  if (e.type === 'LmsProgressCommitted') return { sessionId: e.data.sessionId }
  if (e.type === 'LmsDeliveryAttemptFailed' && doc !== undefined) return { ...doc, nextAttemptAt: e.data.nextAttemptAt }
  // Settled: off the list.
  if (e.type === 'LmsDelivered' || e.type === 'LmsDeliveryFailed') return undefined
  return doc
}
