// POST /v1/activity: app clients (web, mobile, offline-first) send batches of what
// learners did, each with a client event id (retries are no-ops) and occurredAt.
// A batch is checked whole before anything is appended: one bad item refuses it all.
import type { LearnerDoc } from '../../projections/learners.ts'
import type { PlacementDoc } from '../../projections/catalog.ts'
import { decideActivity, type ActivityCommand, type ActivityEvent } from '../domain/activity/activity.ts'
import { EventIdConflictError, type EventToAppend } from '../store/event-store.ts'
import { AppError } from '../errors.ts'
import type { AppContext } from './context.ts'
import { activityFacts } from './content.ts'

export type ActivityItem =
  | { eventId: string, type: 'ActivityAnswered', learnerId?: string, activityId: string, selected: string[], responseMs: number, occurredAt: string }
  | { eventId: string, type: 'CardViewed', learnerId?: string, cardId: string, occurredAt: string }

export type Submitter = { kind: 'admin', accountId: string, keyId: string } | { kind: 'learner', accountId: string, learnerId: string }

export async function ingestActivity (ctx: AppContext, who: Submitter, items: readonly ActivityItem[]) {
  const now = ctx.now()
  const byStream = new Map<string, EventToAppend[]>()
  const problems: { index: number, code: string, message: string }[] = []
  // One object for the whole batch: the store serialises it once.
  const metadata = { accountId: who.accountId, actor: who.kind === 'admin' ? { kind: 'app', id: who.keyId } : { kind: 'learner', id: who.learnerId } }
  for (const [index, item] of items.entries()) {
    try {
      const learnerId = await resolveLearner(ctx, who, item.learnerId)
      const [event] = decideActivity(await toCommand(ctx, who.accountId, learnerId, item, now), undefined) as [ActivityEvent]
      const stream = `activity-${learnerId}`
      const list = byStream.get(stream) ?? []
      list.push({ id: item.eventId, type: event.type, data: event.data, metadata })
      byStream.set(stream, list)
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      problems.push({ index, code: error.code, message: error.message })
    }
  }
  if (problems.length > 0) {
    const first = problems[0] as { index: number, code: string, message: string }
    throw new AppError(first.code as AppError['code'], `Item ${first.index}: ${first.message} Nothing in this batch was recorded.`, { items: problems })
  }
  let position = 0
  let duplicates = 0
  for (const [stream, events] of byStream) {
    try {
      const result = await ctx.store.append(stream, events, { expectedRevision: 'any' })
      position = Math.max(position, result.position)
      if (result.duplicate) duplicates += events.length
    } catch (error) {
      if (error instanceof EventIdConflictError) throw new AppError('MS_ERR_EVENT_ID_CONFLICT', `Event id ${error.eventId} was already used for another learner's event; use a fresh id per event.`)
      throw error
    }
  }
  return { accepted: items.length - duplicates, duplicates, position }
}

async function resolveLearner (ctx: AppContext, who: Submitter, learnerId: string | undefined): Promise<string> {
  if (who.kind === 'learner') {
    if (learnerId !== undefined && learnerId !== who.learnerId) throw new AppError('MS_ERR_FORBIDDEN', 'A learner can only record their own activity.')
    return who.learnerId
  }
  if (learnerId === undefined) throw new AppError('MS_ERR_VALIDATION', 'learnerId is required when an admin key submits activity.')
  const doc = await ctx.runner.get<LearnerDoc>('learners', `learner:${learnerId}`)
  if (doc === undefined || doc.accountId !== who.accountId) throw new AppError('MS_ERR_NOT_FOUND', `No such learner in your account: ${learnerId}.`)
  return learnerId
}

async function toCommand (ctx: AppContext, accountId: string, learnerId: string, item: ActivityItem, now: number): Promise<ActivityCommand> {
  const metadata = { now, accountId, actor: { kind: 'app' as const, id: learnerId } }
  const occurredAt = Date.parse(item.occurredAt)
  if (item.type === 'ActivityAnswered') {
    const activity = await activityFacts(ctx, accountId, item.activityId)
    return { type: 'RecordAppAnswer', data: { learnerId, activity, selected: item.selected, responseMs: item.responseMs, occurredAt }, metadata }
  }
  const card = await ctx.runner.get<PlacementDoc>('catalog', `card:${item.cardId}`)
  if (card === undefined || card.accountId !== accountId || card.conceptId === undefined) throw new AppError('MS_ERR_NOT_FOUND', `No such knowledge card: ${item.cardId}.`)
  return { type: 'RecordCardView', data: { learnerId, cardId: item.cardId, conceptId: card.conceptId, occurredAt }, metadata }
}
