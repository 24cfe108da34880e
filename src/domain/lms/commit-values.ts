// What an LMS is told when a session launched from it commits on exit (R15):
// progress as level ÷ goal while learning; completed + passed + 100 at mastery;
// never downgraded once passed in that registration; time counts LMS sessions only.
import type { DataOf } from '../../../schemas/events.ts'

export type LmsValues = DataOf<'LmsProgressCommitted'>['values']

export interface CommitInput {
  /** Profile progress 0..1 at the moment of the commit. */
  readonly progress: number
  readonly mastered: boolean
  /** The registration was passed before (by an earlier commit, or as the LMS reported at launch). */
  readonly previouslyPassed: boolean
  readonly sessionMs: number
  /** LMS time of earlier sessions of this registration. */
  readonly previousLmsMs: number
}

export function commitValues (input: CommitInput): LmsValues {
  const sessionMs = Math.max(0, Math.round(input.sessionMs))
  const totalLmsMs = Math.max(0, Math.round(input.previousLmsMs)) + sessionMs
  if (input.mastered || input.previouslyPassed) {
    return { completionStatus: 'completed', successStatus: 'passed', scoreRaw: 100, scoreScaled: 1, progressMeasure: 1, sessionMs, totalLmsMs, exit: 'normal' }
  }
  const progress = Math.min(1, Math.max(0, Number.isFinite(input.progress) ? input.progress : 0))
  // Rounded down so an unmastered profile never reports 100.
  const scoreRaw = Math.min(99, Math.floor(progress * 100))
  return {
    completionStatus: 'incomplete',
    successStatus: 'unknown',
    scoreRaw,
    scoreScaled: Math.round(progress * 10_000) / 10_000,
    progressMeasure: Math.round(progress * 10_000) / 10_000,
    sessionMs,
    totalLmsMs,
    exit: 'suspend'
  }
}
