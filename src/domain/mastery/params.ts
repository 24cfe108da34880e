// The tunable numbers of the mastery model, in one place so the engine, the ledger,
// moment selection and docs/mastery.md (whose parameter table a test keeps in step)
// all speak about the same values. Times are milliseconds, levels are 0..5.

const HOUR_MS = 60 * 60 * 1000
const DAY_MS = 24 * HOUR_MS

export interface MasteryParams {
  /** Highest level (Expert); levels are clamped to [0, maxLevel]. */
  readonly maxLevel: number
  /** Level gained by a quick correct answer once the spacing wait is over. */
  readonly correctGain: number
  /** Answers at or below this response time earn the full gain. */
  readonly fastAnswerMs: number
  /** Answers at or above this response time earn only `slowGainFactor` of the gain. */
  readonly slowAnswerMs: number
  /** Share of the gain a slow (but correct) answer still earns. */
  readonly slowGainFactor: number
  /** Level lost by a wrong answer (never below 0). */
  readonly wrongPenalty: number
  /** Up to this level a concept rises without waiting; above it every increase needs the spacing wait. */
  readonly spacingStartLevel: number
  /** Wait after an increase that reached `spacingStartLevel`. */
  readonly baseSpacingMs: number
  /** Factor by which the wait grows per level above `spacingStartLevel`. */
  readonly spacingGrowth: number
  /** Idle time after the last answer before anything is forgotten. */
  readonly forgetGraceMs: number
  /** Half-life of a level of exactly `spacingStartLevel` once the grace period is over. */
  readonly baseHalfLifeMs: number
  /** Factor by which the half-life grows per level. */
  readonly halfLifeGrowth: number
  /** How far behind the latest recorded answer the ledger keeps answers re-orderable. */
  readonly lateWindowMs: number
  /** A level this close below a goal counts as reaching it. */
  readonly masteryEpsilon: number
}

export const defaultMasteryParams: MasteryParams = Object.freeze({
  // The product's scale: 0 Unknown … 5 Expert.
  maxLevel: 5,
  // Half a level per spaced success: Novice → Competent takes four spaced sessions
  // (about a week of practice), Expert about five weeks.
  correctGain: 0.5,
  // Recall within a few seconds is fluent retrieval; reading-and-reasoning takes longer.
  fastAnswerMs: 4_000,
  // Past half a minute an answer is likely worked out or looked up; it still counts, a little.
  slowAnswerMs: 30_000,
  // Half the gain for slow answers: correct is still evidence, just weaker evidence of mastery.
  slowGainFactor: 0.5,
  // Half a fast gain: one slip should not erase a spaced success, but repeated errors should show.
  wrongPenalty: 0.25,
  // A first session may take a learner from Unknown to Novice (two quick answers); every step
  // above needs spacing, so no sitting can take a new concept past Novice.
  spacingStartLevel: 1,
  // One day between increases at Novice (and below): the night's sleep is what consolidates.
  baseSpacingMs: DAY_MS,
  // Doubling per level (the classic expanding-interval schedule): 1 d at Novice, 2 d at Aware,
  // 4 d at Competent, 8 d at Proficient.
  spacingGrowth: 2,
  // Nothing is forgotten in the first two days, so a weekend off costs nothing.
  forgetGraceMs: 2 * DAY_MS,
  // About a week for a fresh Novice to lose half its level: forgetting on a weekly scale.
  baseHalfLifeMs: 7 * DAY_MS,
  // ×1.5 per level: a half-life of ~10.5 d at Aware, ~16 d at Competent, ~35 d at Expert,
  // so well-learned concepts fade markedly slower.
  halfLifeGrowth: 1.5,
  // The API accepts answers up to 30 days late; one extra day absorbs clock skew between the
  // device's occurredAt and the server's recordedAt.
  lateWindowMs: 31 * DAY_MS,
  // Sums of real-valued gains can land a hair under a whole level; that must not deny mastery.
  masteryEpsilon: 1e-9
})
