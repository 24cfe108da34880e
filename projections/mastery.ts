// Mastery per learner: the ledger of concept levels, folded in occurredAt order
// (late answers from offline apps are slotted in where they happened).
//   mastery:{learnerId} -> MasteryLedger
import type { ProjectionDefinition } from '../src/projections/projection.ts'
import type { DataOf } from '../schemas/events.ts'
import { emptyLedger, recordAnswer, recordAnswers, type MasteryLedger } from '../src/domain/mastery/ledger.ts'
import type { RecordedEvent } from '../src/store/event-store.ts'

export const masteryProjection: ProjectionDefinition<MasteryLedger> = {
  name: 'mastery',
  // 1 stored a ledger's `recent` answers as one flat list; 2 stores them in chunks.
  version: 2,
  eventTypes: new Set(['ActivityAnswered']),
  // A learner's answers are all in their own activity stream.
  documentsFollowStreams: true,
  keys (event) {
    return [`mastery:${(event.data as DataOf<'ActivityAnswered'>).learnerId}`]
  },
  evolve (ledger, event) {
    return recordAnswer(ledger ?? emptyLedger, answerOf(event), event.recordedAt)
  },
  // A learner answering a lot gets one ledger update per batch, not one per answer.
  evolveAll (ledger, events) {
    return recordAnswers(ledger ?? emptyLedger, events.map(event => ({ answer: answerOf(event), recordedAt: event.recordedAt })))
  }
}

function answerOf (event: RecordedEvent) {
  const answer = event.data as DataOf<'ActivityAnswered'>
  return { conceptId: answer.conceptId, occurredAt: Date.parse(answer.occurredAt), correct: answer.correct, responseMs: answer.responseMs }
}
