import { randomUUID } from 'node:crypto'
import { WrongExpectedRevisionError, type EventStore, type ExpectedRevision } from '../store/event-store.ts'
import type { Command, Decider } from '../domain/decider.ts'
import type { DomainEvent } from '../../schemas/events.ts'
import { AppError } from '../errors.ts'
import type { AppContext } from './context.ts'

export interface Handled<E> {
  readonly events: readonly E[]
  /** Log position of the last event written (or of the stream's last event when nothing was written). */
  readonly position: number
  readonly revision: number
}

const maxAttempts = 5

/** A stream's decider state as of a revision. */
interface Folded { readonly decider: object, readonly revision: number, readonly position: number, readonly state: unknown }

const statesKept = 10_000

/**
 * Decider states of recently handled streams, per store. Streams only grow and evolve is
 * pure, so a remembered state plus the events after it is the state a full read would give:
 * a learner with a long history (every session adds events) is not re-read from its start
 * on every command.
 */
const foldedByStore = new WeakMap<EventStore, Map<string, Folded>>()

async function loadState<S, E extends DomainEvent> (store: EventStore, streamId: string, decider: Decider<S, Command, E>): Promise<Folded & { state: S }> {
  let folded = foldedByStore.get(store)
  if (folded === undefined) foldedByStore.set(store, folded = new Map())
  const known = folded.get(streamId)
  let current = known !== undefined && known.decider === decider
    ? known as Folded & { state: S }
    : { decider, revision: -1, position: 0, state: decider.initialState }
  const tail = await store.readStream(streamId, { fromRevision: current.revision + 1 })
  const last = tail[tail.length - 1]
  if (last !== undefined) {
    const state = tail.reduce((s, e) => decider.evolve(s, { type: e.type, data: e.data } as E), current.state)
    current = { decider, revision: last.revision, position: last.position, state }
  }
  folded.delete(streamId)
  folded.set(streamId, current)
  if (folded.size > statesKept) {
    const oldest = folded.keys().next()
    if (oldest.done !== true) folded.delete(oldest.value)
  }
  return current
}

/**
 * Load the stream, decide, append with the revision we decided on. Only a
 * concurrent change (a revision conflict) is retried, a few times with backoff.
 */
export async function handleCommand<S, C extends Command, E extends DomainEvent> (
  ctx: AppContext, streamId: string, decider: Decider<S, C, E>, command: C, correlationId?: string
): Promise<Handled<E>> {
  for (let attempt = 1; ; attempt++) {
    const { state, revision, position } = await loadState(ctx.store, streamId, decider as Decider<S, Command, E>)
    const events = decider.decide(command, state)
    if (events.length === 0) return { events, position, revision }
    const expectedRevision: ExpectedRevision = revision === -1 ? 'no-stream' : revision
    try {
      const result = await ctx.store.append(streamId, events.map(e => ({
        id: randomUUID(),
        type: e.type,
        data: e.data,
        metadata: eventMetadata(command, correlationId)
      })), { expectedRevision })
      return { events, position: result.position, revision: result.revision }
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error
      if (attempt >= maxAttempts) throw new AppError('MS_ERR_CONFLICT', 'This resource is being changed concurrently; retry the request.')
      await new Promise(resolve => setTimeout(resolve, 2 ** attempt + Math.random() * 5))
    }
  }
}

/**
 * Handles a command, then waits until the named read models show its effect, so the
 * caller's next request reads its own write. Returns the log position reached.
 */
export async function handleAndProject<S, C extends Command, E extends DomainEvent> (
  ctx: AppContext, streamId: string, decider: Decider<S, C, E>, command: C, projections: readonly string[]
): Promise<number> {
  const result = await handleCommand(ctx, streamId, decider, command)
  await ctx.runner.waitFor(result.position, { projections })
  return result.position
}

export function eventMetadata (command: Command, correlationId?: string): Record<string, unknown> {
  return {
    accountId: command.metadata.accountId,
    actor: command.metadata.actor,
    ...(correlationId === undefined ? {} : { correlationId })
  }
}
