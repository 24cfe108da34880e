// Learners as admins and sign-in see them.
//   learner:{learnerId}                 -> LearnerDoc
//   account-learner:{accountId}:{id}    -> { learnerId } (listing an account's learners)
//   email:{email}:{learnerId}           -> { learnerId } (sign-in by email across accounts)
import type { ProjectionDefinition } from '../src/projections/projection.ts'
import type { DomainEvent } from '../schemas/events.ts'

export interface LearnerDoc {
  learnerId: string
  accountId: string
  name: string
  email: string
  attributes: Record<string, string>
  passwordHash: string
  /** Bumped by every password change: sessions signed before it are void. */
  passwordVersion: number
  registeredAt: number
  /** profileId -> when and why it was assigned */
  assigned: Record<string, { at: number, reason: string }>
  /** [at, profileId, assigned?] — lets mastery be computed as of a past instant */
  assignmentHistory: [number, string, boolean][]
  /** sessionId -> expiry (epoch ms); signed-out sessions are removed */
  sessions: Record<string, number>
}

const learnerOf = (streamId: string): string => streamId.slice('learner-'.length)

export const learnersProjection: ProjectionDefinition<LearnerDoc | { learnerId: string }> = {
  name: 'learners',
  version: 1,
  eventTypes: new Set(['LearnerRegistered', 'LearnerPasswordChanged', 'LearnerSignedIn', 'LearnerSignedOut', 'ProfileAssigned', 'ProfileUnassigned']),
  keys (event) {
    const e = event as unknown as DomainEvent
    if (e.type === 'LearnerRegistered') return [`learner:${e.data.learnerId}`, `account-learner:${e.data.accountId}:${e.data.learnerId}`, `email:${e.data.email}:${e.data.learnerId}`]
    return [`learner:${learnerOf(event.streamId)}`]
  },
  evolve (doc, event, key) {
    const e = event as unknown as DomainEvent
    if (key.startsWith('account-learner:') || key.startsWith('email:')) return { learnerId: learnerOf(event.streamId) }
    const learner = doc as LearnerDoc
    const at = event.recordedAt
    switch (e.type) {
      case 'LearnerRegistered': {
        const { learnerId, accountId, name, email, attributes, passwordHash } = e.data
        return { learnerId, accountId, name, email, attributes, passwordHash, passwordVersion: 0, registeredAt: at, assigned: {}, assignmentHistory: [], sessions: {} }
      }
      case 'LearnerPasswordChanged':
        return { ...learner, passwordHash: e.data.passwordHash, passwordVersion: learner.passwordVersion + 1, sessions: {} }
      case 'LearnerSignedIn': {
        // Expired sessions are dropped as new ones open, so the document stays small.
        const sessions = Object.fromEntries(Object.entries(learner.sessions).filter(([, exp]) => exp > at))
        return { ...learner, sessions: { ...sessions, [e.data.sessionId]: Date.parse(e.data.expiresAt) } }
      }
      case 'LearnerSignedOut': {
        const { [e.data.sessionId]: _gone, ...sessions } = learner.sessions
        return { ...learner, sessions }
      }
      case 'ProfileAssigned':
        return {
          ...learner,
          assigned: { ...learner.assigned, [e.data.profileId]: { at, reason: e.data.reason } },
          assignmentHistory: [...learner.assignmentHistory, [at, e.data.profileId, true]]
        }
      case 'ProfileUnassigned': {
        const { [e.data.profileId]: _gone, ...assigned } = learner.assigned
        return { ...learner, assigned, assignmentHistory: [...learner.assignmentHistory, [at, e.data.profileId, false]] }
      }
      default: return doc
    }
  }
}
