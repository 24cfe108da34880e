// Mastery per learner: the ledger of concept levels, folded in occurredAt order
// (late answers from offline apps are slotted in where they happened).
//   mastery:{learnerId} -> MasteryLedger
import type { ProjectionDefinition } from '../src/projections/projection.ts'
import type { DataOf } from '../schemas/events.ts'
import { emptyLedger, recordAnswer, type MasteryLedger } from '../src/domain/mastery/ledger.ts'

export const masteryProjection: ProjectionDefinition<MasteryLedger> = {
  name: 'mastery',
  version: 1,
  eventTypes: new Set(['ActivityAnswered']),
  keys (event) {
    return [`mastery:${(event.data as DataOf<'ActivityAnswered'>).learnerId}`]
  },
  evolve (ledger, event) {
    const answer = event.data as DataOf<'ActivityAnswered'>
    return recordAnswer(ledger ?? emptyLedger, {
      conceptId: answer.conceptId,
      occurredAt: Date.parse(answer.occurredAt),
      correct: answer.correct,
      responseMs: answer.responseMs
    }, event.recordedAt)
  }
}
