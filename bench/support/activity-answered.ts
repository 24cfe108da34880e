// Realistic ActivityAnswered events, shaped as the ingest path writes them
// (src/app/activity-ingest.ts): stream activity-{learnerId}, data per schemas/events.ts,
// metadata { accountId, actor }. The catalog has 4 modules x 5 concepts x 2 activities.
import { randomUUID } from 'node:crypto'
import type { DataOf } from '../../schemas/events.ts'
import type { EventToAppend } from '../../src/store/event-store.ts'
import { pick, type Rng } from './rng.ts'

export interface BenchActivity {
  readonly activityId: string
  readonly conceptId: string
  readonly moduleId: string
  readonly optionIds: readonly string[]
  readonly correctOptionId: string
}

export const benchAccountId = 'acc_benchAccount0000001'
const appKeyId = '0123456789abcdef'

/** 20 concepts across 4 modules, 2 four-option activities each. */
export const benchActivities: readonly BenchActivity[] = Array.from({ length: 40 }, (_, i) => ({
  activityId: `act_bench${String(i).padStart(12, '0')}`,
  conceptId: `con_bench${String(Math.floor(i / 2)).padStart(12, '0')}`,
  moduleId: `mod_bench${String(Math.floor(i / 10)).padStart(12, '0')}`,
  optionIds: ['o1', 'o2', 'o3', 'o4'],
  correctOptionId: `o${(i % 4) + 1}`
}))

export const benchLearnerId = (i: number): string => `lrn_bench${String(i).padStart(12, '0')}`

export function answeredData (rng: Rng, learnerId: string, occurredAt: number): DataOf<'ActivityAnswered'> {
  const activity = pick(rng, benchActivities)
  // About two answers in three are right, as for a learner who is making progress.
  const correct = rng() < 0.67
  const selected = correct ? activity.correctOptionId : pick(rng, activity.optionIds.filter(o => o !== activity.correctOptionId))
  return {
    learnerId,
    activityId: activity.activityId,
    conceptId: activity.conceptId,
    moduleId: activity.moduleId,
    selected: [selected],
    correct,
    responseMs: 1_500 + Math.floor(rng() * 20_000),
    occurredAt: new Date(occurredAt).toISOString(),
    source: 'app'
  }
}

export const answeredMetadata = { accountId: benchAccountId, actor: { kind: 'app', id: appKeyId } } as const

export function answeredEvent (rng: Rng, learnerId: string, occurredAt: number): EventToAppend {
  return { id: randomUUID(), type: 'ActivityAnswered', data: answeredData(rng, learnerId, occurredAt), metadata: answeredMetadata }
}
