// learner-{learnerId}: identity, password (as a slow hash made outside the domain),
// sign-in sessions and profile assignments.
import type { EventOf } from '../../../schemas/events.ts'
import type { Command, Decider } from '../decider.ts'
import { unreachable } from '../decider.ts'
import { fail } from '../../errors.ts'

export type LearnerEvent = EventOf<'LearnerRegistered' | 'LearnerPasswordChanged' | 'LearnerSignedIn' | 'LearnerSignedOut' | 'ProfileAssigned' | 'ProfileUnassigned'>

export type LearnerCommand =
  | Command<'RegisterLearner', { learnerId: string, name: string, email: string, passwordHash: string, attributes: Readonly<Record<string, string>> }>
  | Command<'ChangePassword', { passwordHash: string }>
  | Command<'SignIn', { sessionId: string, expiresAt: string }>
  | Command<'SignOut', { sessionId: string }>
  | Command<'AssignProfile', { profileId: string, reason: string }>
  | Command<'UnassignProfile', { profileId: string, reason: string }>

export interface LearnerState {
  readonly exists: boolean
  readonly accountId: string | undefined
  readonly assigned: ReadonlySet<string>
  readonly openSessions: ReadonlySet<string>
}

export const learnerDecider: Decider<LearnerState, LearnerCommand, LearnerEvent> = {
  initialState: { exists: false, accountId: undefined, assigned: new Set(), openSessions: new Set() },

  evolve (state, event) {
    switch (event.type) {
      case 'LearnerRegistered': return { ...state, exists: true, accountId: event.data.accountId }
      case 'LearnerPasswordChanged': return { ...state, openSessions: new Set() }
      case 'LearnerSignedIn': return { ...state, openSessions: new Set([...state.openSessions, event.data.sessionId]) }
      case 'LearnerSignedOut': return { ...state, openSessions: new Set([...state.openSessions].filter(s => s !== event.data.sessionId)) }
      case 'ProfileAssigned': return { ...state, assigned: new Set([...state.assigned, event.data.profileId]) }
      case 'ProfileUnassigned': return { ...state, assigned: new Set([...state.assigned].filter(p => p !== event.data.profileId)) }
      default: return unreachable(event)
    }
  },

  decide (command, state) {
    if (command.type === 'RegisterLearner') {
      if (state.exists) return fail('MS_ERR_ALREADY_EXISTS', 'This learner already exists.')
      return [{ type: 'LearnerRegistered', data: { ...command.data, attributes: { ...command.data.attributes }, accountId: command.metadata.accountId } }]
    }
    if (!state.exists || state.accountId !== command.metadata.accountId) return fail('MS_ERR_NOT_FOUND', 'No such learner in your account.')
    switch (command.type) {
      case 'ChangePassword': return [{ type: 'LearnerPasswordChanged', data: command.data }]
      case 'SignIn': return [{ type: 'LearnerSignedIn', data: command.data }]
      // Signing out twice is harmless: the second time there is nothing to record.
      case 'SignOut': return state.openSessions.has(command.data.sessionId) ? [{ type: 'LearnerSignedOut', data: command.data }] : []
      case 'AssignProfile': return state.assigned.has(command.data.profileId) ? [] : [{ type: 'ProfileAssigned', data: command.data }]
      case 'UnassignProfile': return state.assigned.has(command.data.profileId) ? [{ type: 'ProfileUnassigned', data: command.data }] : []
      default: return unreachable(command)
    }
  }
}
