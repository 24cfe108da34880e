// Content and profiles as the API and the engine read them: always the live state (R6),
// with enough history (when concepts and goals changed) to compute mastery as of a past instant.
//   module:{moduleId}                    -> ModuleDoc (concepts, activities, cards)
//   concept:{conceptId} / activity:{id} / card:{id} -> where it lives (routing, answering)
//   profile:{profileId}                  -> ProfileDoc
//   account-module:{accountId}:{id}, account-profile:{accountId}:{id} -> listing indexes
import type { ProjectionDefinition } from '../src/projections/projection.ts'
import type { DomainEvent } from '../schemas/events.ts'
import type { RecordedEvent } from '../src/store/event-store.ts'

export interface OptionDoc { id: string, text: string, correct: boolean }
export interface ModuleDoc {
  moduleId: string
  accountId: string
  title: string
  description?: string
  createdAt: number
  removedAt?: number
  concepts: Record<string, { title: string, addedAt: number, removedAt?: number }>
  activities: Record<string, { conceptId: string, prompt: string, options: OptionDoc[], removedAt?: number }>
  cards: Record<string, { conceptId: string, title: string, body: string, removedAt?: number }>
}
export interface ActivityDoc { activityId: string, accountId: string, moduleId: string, conceptId: string, prompt: string, options: OptionDoc[], removed: boolean }
export interface PlacementDoc { accountId: string, moduleId: string, conceptId?: string }
export interface ProfileDoc {
  profileId: string
  accountId: string
  name: string
  createdAt: number
  lmsIntegration: boolean
  /** moduleId -> goal (1..5) */
  modules: Record<string, number>
  /** [at, moduleId, goal or null when removed] */
  goalHistory: [number, string, number | null][]
}
export type CatalogDoc = ModuleDoc | ActivityDoc | PlacementDoc | ProfileDoc | { id: string }

const idOf = (streamId: string): string => streamId.slice(streamId.indexOf('-') + 1)
const accountOf = (event: RecordedEvent): string => String(event.metadata.accountId)

export const catalogProjection: ProjectionDefinition<CatalogDoc> = {
  name: 'catalog',
  version: 1,
  eventTypes: new Set(['ModuleCreated', 'ModuleChanged', 'ModuleRemoved', 'ConceptAdded', 'ConceptChanged', 'ConceptRemoved',
    'ActivityAdded', 'ActivityChanged', 'ActivityRemoved', 'CardAdded', 'CardChanged', 'CardRemoved',
    'ProfileCreated', 'ProfileRenamed', 'ProfileModuleGoalSet', 'ProfileModuleRemoved', 'LmsIntegrationToggled']),

  keys (event) {
    const e = event as unknown as DomainEvent
    const id = idOf(event.streamId)
    switch (e.type) {
      case 'ModuleCreated': case 'ModuleRemoved': return [`module:${id}`, `account-module:${accountOf(event)}:${id}`]
      case 'ConceptAdded': case 'ConceptRemoved': return [`module:${id}`, `concept:${e.data.conceptId}`]
      case 'ActivityAdded': case 'ActivityChanged': case 'ActivityRemoved': return [`module:${id}`, `activity:${e.data.activityId}`]
      case 'CardAdded': case 'CardRemoved': return [`module:${id}`, `card:${e.data.cardId}`]
      case 'ProfileCreated': return [`profile:${id}`, `account-profile:${accountOf(event)}:${id}`]
      case 'ProfileRenamed': case 'ProfileModuleGoalSet': case 'ProfileModuleRemoved': case 'LmsIntegrationToggled': return [`profile:${id}`]
      default: return [`module:${id}`]
    }
  },

  evolve (doc, event, key) {
    const e = event as unknown as DomainEvent
    const at = event.recordedAt
    const id = idOf(event.streamId)
    if (key.startsWith('account-')) return e.type === 'ModuleRemoved' ? undefined : { id }
    if (key.startsWith('concept:') || key.startsWith('card:')) {
      if (e.type === 'ConceptAdded') return { accountId: accountOf(event), moduleId: id, conceptId: e.data.conceptId }
      if (e.type === 'CardAdded') return { accountId: accountOf(event), moduleId: id, conceptId: e.data.conceptId }
      return undefined // removed
    }
    if (key.startsWith('activity:')) return evolveActivity(doc as ActivityDoc | undefined, e, id, accountOf(event))
    if (key.startsWith('profile:')) return evolveProfile(doc as ProfileDoc | undefined, e, at)
    return evolveModule(doc as ModuleDoc | undefined, e, at)
  }
}

function evolveModule (doc: ModuleDoc | undefined, e: DomainEvent, at: number): ModuleDoc | undefined {
  if (e.type === 'ModuleCreated') {
    return { moduleId: e.data.moduleId, accountId: e.data.accountId, title: e.data.title, ...(e.data.description === undefined ? {} : { description: e.data.description }), createdAt: at, concepts: {}, activities: {}, cards: {} }
  }
  if (doc === undefined) return undefined
  switch (e.type) {
    case 'ModuleChanged': return { ...doc, ...e.data }
    case 'ModuleRemoved': return { ...doc, removedAt: at }
    case 'ConceptAdded': return { ...doc, concepts: { ...doc.concepts, [e.data.conceptId]: { title: e.data.title, addedAt: at } } }
    case 'ConceptChanged': return patch(doc, 'concepts', e.data.conceptId, { title: e.data.title })
    case 'ConceptRemoved': return patch(doc, 'concepts', e.data.conceptId, { removedAt: at })
    case 'ActivityAdded': return { ...doc, activities: { ...doc.activities, [e.data.activityId]: { conceptId: e.data.conceptId, prompt: e.data.prompt, options: e.data.options } } }
    case 'ActivityChanged': return patch(doc, 'activities', e.data.activityId, defined({ prompt: e.data.prompt, options: e.data.options }))
    case 'ActivityRemoved': return patch(doc, 'activities', e.data.activityId, { removedAt: at })
    case 'CardAdded': return { ...doc, cards: { ...doc.cards, [e.data.cardId]: { conceptId: e.data.conceptId, title: e.data.title, body: e.data.body } } }
    case 'CardChanged': return patch(doc, 'cards', e.data.cardId, defined({ title: e.data.title, body: e.data.body }))
    case 'CardRemoved': return patch(doc, 'cards', e.data.cardId, { removedAt: at })
    default: return doc
  }
}

function evolveActivity (doc: ActivityDoc | undefined, e: DomainEvent, moduleId: string, accountId: string): ActivityDoc | undefined {
  switch (e.type) {
    case 'ActivityAdded': return { activityId: e.data.activityId, accountId, moduleId, conceptId: e.data.conceptId, prompt: e.data.prompt, options: e.data.options, removed: false }
    case 'ActivityChanged': return doc === undefined ? undefined : { ...doc, ...defined({ prompt: e.data.prompt, options: e.data.options }) }
    case 'ActivityRemoved': return doc === undefined ? undefined : { ...doc, removed: true }
    default: return doc
  }
}

function evolveProfile (doc: ProfileDoc | undefined, e: DomainEvent, at: number): ProfileDoc | undefined {
  if (e.type === 'ProfileCreated') return { profileId: e.data.profileId, accountId: e.data.accountId, name: e.data.name, createdAt: at, lmsIntegration: false, modules: {}, goalHistory: [] }
  if (doc === undefined) return undefined
  switch (e.type) {
    case 'ProfileRenamed': return { ...doc, name: e.data.name }
    case 'ProfileModuleGoalSet': return { ...doc, modules: { ...doc.modules, [e.data.moduleId]: e.data.goal }, goalHistory: [...doc.goalHistory, [at, e.data.moduleId, e.data.goal]] }
    case 'ProfileModuleRemoved': {
      const { [e.data.moduleId]: _gone, ...modules } = doc.modules
      return { ...doc, modules, goalHistory: [...doc.goalHistory, [at, e.data.moduleId, null]] }
    }
    case 'LmsIntegrationToggled': return { ...doc, lmsIntegration: e.data.enabled }
    default: return doc
  }
}

function patch<K extends 'concepts' | 'activities' | 'cards'> (doc: ModuleDoc, field: K, id: string, change: Partial<ModuleDoc[K][string]>): ModuleDoc {
  const current = doc[field][id]
  if (current === undefined) return doc
  return { ...doc, [field]: { ...doc[field], [id]: { ...current, ...change } } }
}

function defined<T extends Record<string, unknown>> (value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
