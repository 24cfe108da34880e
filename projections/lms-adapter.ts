// The LMS side of progress: what each LMS registration (one learner in one LMS course)
// was last told, and every commit, in order. Commits happen only when a session
// launched from the LMS exits (R14), so app-only progress never appears here.
//   registration:{registration}             -> RegistrationDoc
//   session:{sessionId}                      -> LmsSessionDoc
//   learner-commit:{learnerId}:{position}    -> CommitDoc (the commit history of a learner)
import type { ProjectionDefinition } from '../src/projections/projection.ts'
import type { DataOf, DomainEvent } from '../schemas/events.ts'

type Values = DataOf<'LmsProgressCommitted'>['values']
export interface RegistrationDoc { registration: string, packageId: string, lmsUserId: string, learnerId: string, passed: boolean, totalLmsMs: number, commits: number, lastValues?: Values, lastCommitAt?: number }
export interface LmsSessionDoc { sessionId: string, accountId: string, packageId: string, packageRevision: number, profileId: string, learnerId: string, lmsUserId: string, format: string, registration: string, launchedAt: number, exitedAt?: number, how?: string, values?: Values }
export interface CommitDoc { sessionId: string, packageId: string, profileId: string, registration: string, format: string, values: Values, mastered: boolean, committedAt: number }

const sessionOf = (streamId: string): string => streamId.slice('lms-session-'.length)
const pad = (n: number): string => String(n).padStart(15, '0')

export const lmsAdapterProjection: ProjectionDefinition<RegistrationDoc | LmsSessionDoc | CommitDoc> = {
  name: 'lms-adapter',
  version: 1,
  eventTypes: new Set(['LmsSessionLaunched', 'LmsSessionExited', 'LmsProgressCommitted']),
  keys (event) {
    const e = event as unknown as DomainEvent
    if (e.type === 'LmsProgressCommitted') return [`registration:${e.data.registration}`, `session:${sessionOf(event.streamId)}`, `learner-commit:${e.data.learnerId}:${pad(event.position)}`]
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
