import { randomUUID } from 'node:crypto'
import { WrongExpectedRevisionError, type ExpectedRevision } from '../store/event-store.ts'
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

/**
 * Load the stream, decide, append with the revision we decided on. Only a
 * concurrent change (a revision conflict) is retried, a few times with backoff.
 */
export async function handleCommand<S, C extends Command, E extends DomainEvent> (
  ctx: AppContext, streamId: string, decider: Decider<S, C, E>, command: C, correlationId?: string
): Promise<Handled<E>> {
  for (let attempt = 1; ; attempt++) {
    const history = await ctx.store.readStream(streamId)
    const state = history.reduce((s, e) => decider.evolve(s, { type: e.type, data: e.data } as E), decider.initialState)
    const last = history[history.length - 1]
    const events = decider.decide(command, state)
    if (events.length === 0) return { events, position: last?.position ?? 0, revision: last?.revision ?? -1 }
    const expectedRevision: ExpectedRevision = last === undefined ? 'no-stream' : last.revision
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
