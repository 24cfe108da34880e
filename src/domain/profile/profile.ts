// profile-{profileId}: a Mastery Profile — which modules, at which goal, and
// whether learners may launch it from an LMS.
import type { EventOf } from '../../../schemas/events.ts'
import type { Command, Decider } from '../decider.ts'
import { unreachable } from '../decider.ts'
import { fail } from '../../errors.ts'

export type ProfileEvent = EventOf<'ProfileCreated' | 'ProfileRenamed' | 'ProfileModuleGoalSet' | 'ProfileModuleRemoved' | 'LmsIntegrationToggled'>

export type ProfileCommand =
  | Command<'CreateProfile', { profileId: string, name: string }>
  | Command<'RenameProfile', { name: string }>
  | Command<'SetModuleGoal', { moduleId: string, goal: number }>
  | Command<'RemoveModuleFromProfile', { moduleId: string }>
  | Command<'SetLmsIntegration', { enabled: boolean }>

export interface ProfileState {
  readonly exists: boolean
  readonly accountId: string | undefined
  readonly name: string
  readonly goals: ReadonlyMap<string, number>
  readonly lmsIntegration: boolean
}

export const profileDecider: Decider<ProfileState, ProfileCommand, ProfileEvent> = {
  initialState: { exists: false, accountId: undefined, name: '', goals: new Map(), lmsIntegration: false },

  evolve (state, event) {
    switch (event.type) {
      case 'ProfileCreated': return { ...state, exists: true, accountId: event.data.accountId, name: event.data.name }
      case 'ProfileRenamed': return { ...state, name: event.data.name }
      case 'ProfileModuleGoalSet': return { ...state, goals: new Map([...state.goals, [event.data.moduleId, event.data.goal]]) }
      case 'ProfileModuleRemoved': {
        const goals = new Map(state.goals)
        goals.delete(event.data.moduleId)
        return { ...state, goals }
      }
      case 'LmsIntegrationToggled': return { ...state, lmsIntegration: event.data.enabled }
      default: return unreachable(event)
    }
  },

  decide (command, state) {
    if (command.type !== 'CreateProfile' && (!state.exists || state.accountId !== command.metadata.accountId)) {
      return fail('MS_ERR_NOT_FOUND', 'No such Mastery Profile in your account.')
    }
    switch (command.type) {
      case 'CreateProfile':
        if (state.exists) return fail('MS_ERR_ALREADY_EXISTS', 'This profile already exists.')
        return [{ type: 'ProfileCreated', data: { profileId: command.data.profileId, accountId: command.metadata.accountId, name: command.data.name } }]
      case 'RenameProfile':
        return state.name === command.data.name ? [] : [{ type: 'ProfileRenamed', data: command.data }]
      case 'SetModuleGoal':
        return state.goals.get(command.data.moduleId) === command.data.goal ? [] : [{ type: 'ProfileModuleGoalSet', data: command.data }]
      case 'RemoveModuleFromProfile':
        if (!state.goals.has(command.data.moduleId)) return fail('MS_ERR_NOT_FOUND', 'This module is not in the profile.')
        return [{ type: 'ProfileModuleRemoved', data: command.data }]
      case 'SetLmsIntegration':
        // Toggling to the current state changes nothing, so it records nothing.
        return state.lmsIntegration === command.data.enabled ? [] : [{ type: 'LmsIntegrationToggled', data: command.data }]
      default: return unreachable(command)
    }
  }
}
