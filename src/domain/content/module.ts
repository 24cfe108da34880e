// module-{moduleId}: a Module with its Concepts, their Activities (multiple choice)
// and Knowledge Cards. Edits are live: learners see them at once (R6).
import type { EventOf } from '../../../schemas/events.ts'
import type { Command, Decider } from '../decider.ts'
import { unreachable } from '../decider.ts'
import { fail } from '../../errors.ts'

export type ModuleEvent = EventOf<'ModuleCreated' | 'ModuleChanged' | 'ModuleRemoved' | 'ConceptAdded' | 'ConceptChanged' | 'ConceptRemoved'
  | 'ActivityAdded' | 'ActivityChanged' | 'ActivityRemoved' | 'CardAdded' | 'CardChanged' | 'CardRemoved'>

export interface Option { readonly id: string, readonly text: string, readonly correct: boolean }

export type ModuleCommand =
  | Command<'CreateModule', { moduleId: string, title: string, description?: string }>
  | Command<'ChangeModule', { title?: string, description?: string }>
  | Command<'RemoveModule', Record<string, never>>
  | Command<'AddConcept', { conceptId: string, title: string }>
  | Command<'ChangeConcept', { conceptId: string, title: string }>
  | Command<'RemoveConcept', { conceptId: string }>
  | Command<'AddActivity', { activityId: string, conceptId: string, prompt: string, options: readonly Option[] }>
  | Command<'ChangeActivity', { activityId: string, prompt?: string, options?: readonly Option[] }>
  | Command<'RemoveActivity', { activityId: string }>
  | Command<'AddCard', { cardId: string, conceptId: string, title: string, body: string }>
  | Command<'ChangeCard', { cardId: string, title?: string, body?: string }>
  | Command<'RemoveCard', { cardId: string }>

type Status = 'live' | 'removed'

export interface ModuleState {
  readonly exists: boolean
  readonly removed: boolean
  readonly accountId: string | undefined
  readonly concepts: ReadonlyMap<string, Status>
  /** activityId / cardId -> its concept and status */
  readonly activities: ReadonlyMap<string, { conceptId: string, status: Status }>
  readonly cards: ReadonlyMap<string, { conceptId: string, status: Status }>
}

const withEntry = <V>(map: ReadonlyMap<string, V>, key: string, value: V): ReadonlyMap<string, V> => new Map([...map, [key, value]])

export const moduleDecider: Decider<ModuleState, ModuleCommand, ModuleEvent> = {
  initialState: { exists: false, removed: false, accountId: undefined, concepts: new Map(), activities: new Map(), cards: new Map() },

  evolve (state, event) {
    switch (event.type) {
      case 'ModuleCreated': return { ...state, exists: true, accountId: event.data.accountId }
      case 'ModuleChanged': return state
      case 'ModuleRemoved': return { ...state, removed: true }
      case 'ConceptAdded': return { ...state, concepts: withEntry(state.concepts, event.data.conceptId, 'live') }
      case 'ConceptChanged': return state
      case 'ConceptRemoved': return { ...state, concepts: withEntry(state.concepts, event.data.conceptId, 'removed') }
      case 'ActivityAdded': return { ...state, activities: withEntry(state.activities, event.data.activityId, { conceptId: event.data.conceptId, status: 'live' }) }
      case 'ActivityChanged': return state
      case 'ActivityRemoved': {
        const a = state.activities.get(event.data.activityId)
        return a === undefined ? state : { ...state, activities: withEntry(state.activities, event.data.activityId, { ...a, status: 'removed' }) }
      }
      case 'CardAdded': return { ...state, cards: withEntry(state.cards, event.data.cardId, { conceptId: event.data.conceptId, status: 'live' }) }
      case 'CardChanged': return state
      case 'CardRemoved': {
        const c = state.cards.get(event.data.cardId)
        return c === undefined ? state : { ...state, cards: withEntry(state.cards, event.data.cardId, { ...c, status: 'removed' }) }
      }
      default: return unreachable(event)
    }
  },

  decide (command, state) {
    if (command.type === 'CreateModule') {
      if (state.exists) return fail('MS_ERR_ALREADY_EXISTS', 'This module already exists.')
      return [{ type: 'ModuleCreated', data: { ...command.data, accountId: command.metadata.accountId } }]
    }
    if (!state.exists || state.accountId !== command.metadata.accountId) return fail('MS_ERR_NOT_FOUND', 'No such module in your account.')
    if (state.removed) return fail('MS_ERR_REMOVED', 'This module was removed; it can no longer be edited.')
    switch (command.type) {
      case 'ChangeModule': return [{ type: 'ModuleChanged', data: command.data }]
      case 'RemoveModule': return [{ type: 'ModuleRemoved', data: {} }]
      case 'AddConcept':
        if (state.concepts.has(command.data.conceptId)) return fail('MS_ERR_ALREADY_EXISTS', 'This concept already exists.')
        return [{ type: 'ConceptAdded', data: command.data }]
      case 'ChangeConcept':
        requireLive(state.concepts.get(command.data.conceptId), 'concept')
        return [{ type: 'ConceptChanged', data: command.data }]
      case 'RemoveConcept':
        requireLive(state.concepts.get(command.data.conceptId), 'concept')
        return [{ type: 'ConceptRemoved', data: command.data }]
      case 'AddActivity':
        requireLive(state.concepts.get(command.data.conceptId), 'concept')
        if (state.activities.has(command.data.activityId)) return fail('MS_ERR_ALREADY_EXISTS', 'This activity already exists.')
        checkOptions(command.data.options)
        return [{ type: 'ActivityAdded', data: { ...command.data, options: [...command.data.options] } }]
      case 'ChangeActivity':
        requireLive(state.activities.get(command.data.activityId)?.status, 'activity')
        if (command.data.options !== undefined) checkOptions(command.data.options)
        return [{ type: 'ActivityChanged', data: { activityId: command.data.activityId, prompt: command.data.prompt, options: command.data.options === undefined ? undefined : [...command.data.options] } }]
      case 'RemoveActivity':
        requireLive(state.activities.get(command.data.activityId)?.status, 'activity')
        return [{ type: 'ActivityRemoved', data: command.data }]
      case 'AddCard':
        requireLive(state.concepts.get(command.data.conceptId), 'concept')
        if (state.cards.has(command.data.cardId)) return fail('MS_ERR_ALREADY_EXISTS', 'This card already exists.')
        return [{ type: 'CardAdded', data: command.data }]
      case 'ChangeCard':
        requireLive(state.cards.get(command.data.cardId)?.status, 'knowledge card')
        return [{ type: 'CardChanged', data: command.data }]
      case 'RemoveCard':
        requireLive(state.cards.get(command.data.cardId)?.status, 'knowledge card')
        return [{ type: 'CardRemoved', data: command.data }]
      default: return unreachable(command)
    }
  }
}

function requireLive (status: Status | undefined, what: string): void {
  if (status === undefined) fail('MS_ERR_NOT_FOUND', `No such ${what} in this module.`)
  if (status === 'removed') fail('MS_ERR_REMOVED', `This ${what} was removed.`)
}

function checkOptions (options: readonly Option[]): void {
  if (!options.some(o => o.correct)) fail('MS_ERR_INVALID_ACTIVITY', 'An activity needs at least one correct option.')
  if (new Set(options.map(o => o.id)).size !== options.length) fail('MS_ERR_INVALID_ACTIVITY', 'Option ids must be unique within an activity.')
}
