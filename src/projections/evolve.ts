import type { RecordedEvent } from '../store/event-store.ts'
import type { ProjectionDefinition } from './projection.ts'

/**
 * The documents some events change, evolved from their newest versions (`current`). Nothing
 * is changed in place: the result maps each touched key to its new document (undefined:
 * deleted). Shared by the runner and the parallel replay's workers.
 */
export async function evolveDocuments (
  definition: ProjectionDefinition,
  events: readonly RecordedEvent[],
  current: (key: string) => Promise<unknown>
): Promise<Map<string, unknown>> {
  const changes = new Map<string, unknown>()
  if (definition.evolveAll !== undefined) {
    // Keys are independent: group the events by document, then evolve each once.
    const byKey = new Map<string, RecordedEvent[]>()
    for (const event of events) {
      if (!definition.eventTypes.has(event.type)) continue
      for (const key of definition.keys(event)) {
        const list = byKey.get(key)
        if (list === undefined) byKey.set(key, [event])
        else list.push(event)
      }
    }
    for (const [key, keyed] of byKey) changes.set(key, definition.evolveAll(await current(key), keyed, key))
  } else {
    for (const event of events) {
      if (!definition.eventTypes.has(event.type)) continue
      for (const key of definition.keys(event)) {
        const doc = changes.has(key) ? changes.get(key) : await current(key)
        changes.set(key, definition.evolve(doc, event, key))
      }
    }
  }
  return changes
}
