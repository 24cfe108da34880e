// package-{packageId}: an LMS package of a Mastery Profile. Requests and edits make
// a new revision; a builder turns each revision into a zip and records the outcome.
// Uploaded zips keep working across revisions: a launch names the package, not the bytes (R9).
import type { DataOf, EventOf } from '../../../schemas/events.ts'
import type { Command, Decider } from '../decider.ts'
import { unreachable } from '../decider.ts'
import { fail } from '../../errors.ts'

export type PackageFormat = DataOf<'PackageRequested'>['format']
export type PackageEvent = EventOf<'PackageRequested' | 'PackageRevised' | 'PackageBuilt' | 'PackageBuildFailed' | 'PackageRetired'>

export type PackageCommand =
  | Command<'RequestPackage', { packageId: string, profileId: string, title: string, description?: string, format: PackageFormat }>
  /** description: null removes it. */
  | Command<'RevisePackage', { title?: string, description?: string | null, revokeEarlierLaunchKeys?: boolean }>
  | Command<'RecordBuild', DataOf<'PackageBuilt'>>
  | Command<'RecordBuildFailure', DataOf<'PackageBuildFailed'>>
  | Command<'RetirePackage', Record<string, never>>

export interface PackageState {
  readonly exists: boolean
  readonly accountId: string | undefined
  readonly revision: number
  readonly title: string
  readonly description: string | undefined
  readonly retired: boolean
  /** revision -> outcome of its build */
  readonly outcomes: ReadonlyMap<number, 'built' | 'failed'>
}

export const packageDecider: Decider<PackageState, PackageCommand, PackageEvent> = {
  initialState: { exists: false, accountId: undefined, revision: 0, title: '', description: undefined, retired: false, outcomes: new Map() },

  evolve (state, event) {
    switch (event.type) {
      case 'PackageRequested': return { ...state, exists: true, accountId: event.data.accountId, revision: event.data.revision, title: event.data.title, description: event.data.description }
      case 'PackageRevised': return { ...state, revision: event.data.revision, title: event.data.title, description: event.data.description }
      case 'PackageBuilt': return { ...state, outcomes: new Map([...state.outcomes, [event.data.revision, 'built']]) }
      case 'PackageBuildFailed': return { ...state, outcomes: new Map([...state.outcomes, [event.data.revision, 'failed']]) }
      case 'PackageRetired': return { ...state, retired: true }
      default: return unreachable(event)
    }
  },

  decide (command, state) {
    if (command.type === 'RequestPackage') {
      if (state.exists) return fail('MS_ERR_ALREADY_EXISTS', 'This package already exists.')
      const { description, ...rest } = command.data
      return [{ type: 'PackageRequested', data: { ...rest, ...(description === undefined ? {} : { description }), accountId: command.metadata.accountId, revision: 1 } }]
    }
    if (!state.exists || state.accountId !== command.metadata.accountId) return fail('MS_ERR_NOT_FOUND', 'No such package in your account.')
    switch (command.type) {
      case 'RevisePackage': {
        if (state.retired) return fail('MS_ERR_PACKAGE_RETIRED', 'This package was retired; create a new one instead.')
        const title = command.data.title ?? state.title
        const description = command.data.description === null ? undefined : command.data.description ?? state.description
        const revoke = command.data.revokeEarlierLaunchKeys === true
        if (title === state.title && description === state.description && !revoke) return []
        const revision = state.revision + 1
        return [{ type: 'PackageRevised', data: { revision, title, ...(description === undefined ? {} : { description }), ...(revoke ? { earliestLaunchRevision: revision } : {}) } }]
      }
      case 'RecordBuild':
      case 'RecordBuildFailure':
        // A build of a revision that was superseded meanwhile, or recorded already, changes nothing.
        if (command.data.revision !== state.revision || state.outcomes.has(command.data.revision)) return []
        return command.type === 'RecordBuild'
          ? [{ type: 'PackageBuilt', data: command.data }]
          : [{ type: 'PackageBuildFailed', data: command.data }]
      case 'RetirePackage':
        return state.retired ? [] : [{ type: 'PackageRetired', data: {} }]
      default: return unreachable(command)
    }
  }
}
