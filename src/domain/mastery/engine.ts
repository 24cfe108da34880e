// The per-concept level model: how one answer moves a concept's level, when the next
// increase is allowed (spacing) and how an idle level fades (forgetting).
// Pure: every instant is an epoch-millisecond argument; nothing here reads a clock.
import { defaultMasteryParams, type MasteryParams } from './params.ts'

export interface ConceptState {
  /** 0..5, as of `practicedAt`; forgetting since then is applied by `levelAt`, not stored. */
  readonly level: number
  /** Epoch ms of the last answer; any answer, right or wrong, restarts the forgetting clock. */
  readonly practicedAt: number | null
  /** Epoch ms of the last level increase; the spacing wait runs from here. */
  readonly increasedAt: number | null
  /** Number of answers folded in. */
  readonly answers: number
}

export const initialConceptState: ConceptState = Object.freeze({
  level: 0,
  practicedAt: null,
  increasedAt: null,
  answers: 0
})

/** A concept's state in a record of states; a concept never practised is at the initial state. */
export function conceptStateOf (states: Readonly<Record<string, ConceptState>>, conceptId: string): ConceptState {
  // Own properties only: a concept id such as "constructor" must not find Object.prototype.
  return Object.hasOwn(states, conceptId) ? states[conceptId] ?? initialConceptState : initialConceptState
}

export interface Answer {
  readonly conceptId: string
  readonly occurredAt: number
  readonly correct: boolean
  readonly responseMs: number
}

/** Decayed level at instant `at`; before the last answer there is nothing to decay yet. */
export function levelAt (state: ConceptState, at: number, params: MasteryParams = defaultMasteryParams): number {
  const level = clampLevel(state.level, params)
  if (state.practicedAt === null) return level
  const idleMs = at - state.practicedAt - params.forgetGraceMs
  if (!(idleMs > 0)) return level
  return level * Math.pow(0.5, idleMs / halfLifeMs(level, params))
}

/**
 * True when a correct answer at `at` would raise the level: the concept is below Novice (it can
 * always be brought back to Novice) or the spacing wait after its last increase is over.
 * Once due, a concept stays due until its next increase.
 */
export function isDue (state: ConceptState, at: number, params: MasteryParams = defaultMasteryParams): boolean {
  const level = levelAt(state, at, params)
  return level < params.spacingStartLevel || isWaitOver(state, level, at, params)
}

/** When the spacing wait ends (the first millisecond `isDue` holds); null when a gain is possible any time. */
export function nextIncreaseAt (state: ConceptState, params: MasteryParams = defaultMasteryParams): number | null {
  if (state.increasedAt === null || state.level < params.spacingStartLevel) return null
  const undecayedEnd = state.increasedAt + spacingWaitMs(state.level, params)
  const decayStarts = state.practicedAt === null ? undecayedEnd : state.practicedAt + params.forgetGraceMs
  // Without forgetting before it, the wait simply ends at its full length.
  if (decayStarts >= undecayedEnd) return Math.ceil(undecayedEnd)
  // Forgetting lowers the level and with it the wait, so the end comes earlier: search for it.
  return firstDueMs(state, Math.max(state.increasedAt, Math.floor(decayStarts)), Math.ceil(undecayedEnd), params)
}

/**
 * The wait is the one for the level the learner is at now (after forgetting and wrong answers),
 * so a concept that has slipped may be re-earned sooner than one that is intact.
 */
function isWaitOver (state: ConceptState, level: number, at: number, params: MasteryParams): boolean {
  return state.increasedAt === null || at >= state.increasedAt + spacingWaitMs(level, params)
}

/** Binary search for the first millisecond in (notDue, due] at which `isDue` holds (it is monotone in time). */
function firstDueMs (state: ConceptState, notDue: number, due: number, params: MasteryParams): number {
  let low = notDue
  let high = due
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2)
    if (isDue(state, middle, params)) high = middle
    else low = middle
  }
  return high
}

/**
 * Folds one answer into the state. Forgetting up to the answer is materialised first, so the
 * answer acts on what the learner actually still knows.
 */
export function applyAnswer (state: ConceptState, answer: Answer, params: MasteryParams = defaultMasteryParams): ConceptState {
  const before = levelAt(state, answer.occurredAt, params)
  const practiced = {
    practicedAt: state.practicedAt === null ? answer.occurredAt : Math.max(state.practicedAt, answer.occurredAt),
    answers: state.answers + 1
  }
  if (!answer.correct) {
    return { level: Math.max(0, before - params.wrongPenalty), increasedAt: state.increasedAt, ...practiced }
  }
  const after = Math.min(gainCeiling(state, before, answer.occurredAt, params), before + correctGain(answer.responseMs, params))
  return { level: after, increasedAt: after > before ? answer.occurredAt : state.increasedAt, ...practiced }
}

/**
 * How high a correct answer may lift the level. Inside the spacing wait only up to Novice: a
 * first session (or a slip below Novice) can be made good at once, but every step above Novice
 * needs the wait, so nothing above it can be crammed. Outside the wait, up to Expert.
 */
function gainCeiling (state: ConceptState, before: number, at: number, params: MasteryParams): number {
  if (isWaitOver(state, before, at, params)) return params.maxLevel
  return Math.max(before, params.spacingStartLevel)
}

/** Gain of a correct answer: full when fluent, tapering linearly to a floor when slow. */
export function correctGain (responseMs: number, params: MasteryParams = defaultMasteryParams): number {
  return params.correctGain * speedFactor(responseMs, params)
}

function speedFactor (responseMs: number, params: MasteryParams): number {
  // A missing or broken timing is no evidence of fluency: treat it as slow.
  if (!Number.isFinite(responseMs)) return params.slowGainFactor
  if (responseMs <= params.fastAnswerMs) return 1
  if (responseMs >= params.slowAnswerMs) return params.slowGainFactor
  const slowness = (responseMs - params.fastAnswerMs) / (params.slowAnswerMs - params.fastAnswerMs)
  return 1 - slowness * (1 - params.slowGainFactor)
}

/**
 * Wait after an increase, growing per level so higher levels need longer-lasting recall.
 * Below Novice it is the Novice wait: gains there are capped at Novice rather than spaced.
 */
export function spacingWaitMs (level: number, params: MasteryParams = defaultMasteryParams): number {
  return params.baseSpacingMs * Math.pow(params.spacingGrowth, Math.max(0, level - params.spacingStartLevel))
}

/** Half-life of an idle level; longer for higher levels so well-learned concepts fade slower. */
export function halfLifeMs (level: number, params: MasteryParams = defaultMasteryParams): number {
  return params.baseHalfLifeMs * Math.pow(params.halfLifeGrowth, level - params.spacingStartLevel)
}

function clampLevel (level: number, params: MasteryParams): number {
  return Math.min(params.maxLevel, Math.max(0, level))
}
