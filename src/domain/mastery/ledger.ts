// A learner's mastery ledger: what the mastery projection stores per learner.
//
// Apps sync offline activity late, but mastery must follow when answers happened, not when
// they arrived. The ledger therefore keeps the answers that may still be overtaken by a late
// one (those within `lateWindowMs` of the latest recorded answer) raw and sorted in `recent`,
// and folds everything older into per-concept states in `base`. The result is plain JSON and
// stays small however long the learner's history grows.
import { applyAnswer, initialConceptState, type Answer, type ConceptState } from './engine.ts'
import { defaultMasteryParams, type MasteryParams } from './params.ts'

/**
 * An answer as the ledger stores it: a tuple, because field names would more than double the
 * stored JSON (`["c-12",1741000000000,1,2300]` against 80-odd characters). Read it through
 * `recentAnswers`; everything outside the ledger speaks `Answer`.
 */
export type RecentAnswer = readonly [conceptId: string, occurredAt: number, correct: 0 | 1, responseMs: number]

export interface MasteryLedger {
  /** Concept states after folding every answer up to and including `baseUntil`. */
  readonly base: Readonly<Record<string, ConceptState>>
  /** occurredAt of the last answer folded into `base`; null while nothing is folded. */
  readonly baseUntil: number | null
  /** Answers after `baseUntil`, sorted by occurredAt, ties in arrival order. */
  readonly recent: readonly RecentAnswer[]
  /** Latest recordedAt seen; the late window is measured back from it. */
  readonly latestRecordedAt: number | null
}

export const emptyLedger: MasteryLedger = Object.freeze({
  base: Object.freeze({}),
  baseUntil: null,
  recent: Object.freeze([]),
  latestRecordedAt: null
})

/** Adds an answer recorded (received) at `recordedAt`, in occurredAt order. */
export function recordAnswer (ledger: MasteryLedger, answer: Answer, recordedAt: number, params: MasteryParams = defaultMasteryParams): MasteryLedger {
  const latestRecordedAt = ledger.latestRecordedAt === null ? recordedAt : Math.max(ledger.latestRecordedAt, recordedAt)
  const settled = settleAfterBase(toRecent(answer), ledger.baseUntil)
  const recent = insertInOrder(ledger.recent, settled)
  return compact({ ...ledger, recent, latestRecordedAt }, params)
}

/**
 * Adds several answers at once, exactly as `recordAnswer` one after the other would, but in
 * one pass: the recent answers are copied once and then extended in place, so a learner who
 * answers a lot costs O(recent + answers) per batch instead of O(recent) per answer.
 */
export function recordAnswers (ledger: MasteryLedger, entries: readonly { answer: Answer, recordedAt: number }[], params: MasteryParams = defaultMasteryParams): MasteryLedger {
  if (entries.length === 0) return ledger
  let base: Map<string, ConceptState> | undefined
  let baseUntil = ledger.baseUntil
  let latestRecordedAt = ledger.latestRecordedAt
  const recent: RecentAnswer[] = [...ledger.recent]
  let start = 0 // recent[start..] are still raw; before it they are folded into base
  for (const { answer, recordedAt } of entries) {
    latestRecordedAt = latestRecordedAt === null ? recordedAt : Math.max(latestRecordedAt, recordedAt)
    const settled = settleAfterBase(toRecent(answer), baseUntil)
    // Insert after every answer that occurred at the same time or earlier (ties: arrival order).
    let index = recent.length
    if (index > start && (recent[index - 1]?.[1] ?? -Infinity) > settled[1]) {
      index = firstIndexFrom(recent, start, (other) => other[1] > settled[1])
    }
    recent.splice(index, 0, settled)
    // Fold what fell out of the late window, as compact() does after each answer.
    const cutoff = latestRecordedAt - params.lateWindowMs
    let end = start
    while (end < recent.length && (recent[end]?.[1] ?? Infinity) < cutoff) end++
    if (end > start) {
      base ??= new Map(Object.entries(ledger.base))
      foldInto(base, recent.slice(start, end).map(fromRecent), params)
      baseUntil = recent[end - 1]?.[1] ?? baseUntil
      start = end
    }
  }
  return {
    base: base === undefined ? ledger.base : Object.fromEntries(base),
    baseUntil,
    recent: start === 0 ? recent : recent.slice(start),
    latestRecordedAt
  }
}

/** Concept states as of `at`: the base plus recent answers that occurred at or before `at`. */
export function conceptStatesAt (ledger: MasteryLedger, at: number, params: MasteryParams = defaultMasteryParams): Record<string, ConceptState> {
  // History before baseUntil is folded away: the base is the earliest view the ledger has.
  const states = new Map(Object.entries(ledger.base))
  foldInto(states, recentAnswers(ledger).filter((answer) => answer.occurredAt <= at), params)
  return Object.fromEntries(states)
}

/** Replays answers from scratch in occurredAt order (ties keep their given order). */
export function foldAnswers (answers: readonly Answer[], at: number, params: MasteryParams = defaultMasteryParams): Record<string, ConceptState> {
  const inOrder = answers.filter((answer) => answer.occurredAt <= at).sort((a, b) => a.occurredAt - b.occurredAt)
  const states = new Map<string, ConceptState>()
  foldInto(states, inOrder, params)
  return Object.fromEntries(states)
}

/** The answers the ledger still holds raw, in occurrence order. */
export function recentAnswers (ledger: MasteryLedger): Answer[] {
  return ledger.recent.map(fromRecent)
}

function foldInto (states: Map<string, ConceptState>, answers: readonly Answer[], params: MasteryParams): void {
  for (const answer of answers) {
    states.set(answer.conceptId, applyAnswer(states.get(answer.conceptId) ?? initialConceptState, answer, params))
  }
}

/** Folds answers that fell out of the late window into the base. */
function compact (ledger: MasteryLedger, params: MasteryParams): MasteryLedger {
  if (ledger.latestRecordedAt === null) return ledger
  const cutoff = ledger.latestRecordedAt - params.lateWindowMs
  const settledCount = countBefore(ledger.recent, cutoff)
  if (settledCount === 0) return ledger
  const settled = ledger.recent.slice(0, settledCount)
  const states = new Map(Object.entries(ledger.base))
  foldInto(states, settled.map(fromRecent), params)
  return {
    base: Object.fromEntries(states),
    baseUntil: settled[settled.length - 1]?.[1] ?? ledger.baseUntil,
    recent: ledger.recent.slice(settledCount),
    latestRecordedAt: ledger.latestRecordedAt
  }
}

/**
 * An answer older than what the base already settled cannot be replayed in place any more
 * (the API refuses such answers, so this is a safety net). It counts as happening right after
 * the settled history: at `baseUntil`, ordered after everything folded there.
 */
function settleAfterBase (answer: RecentAnswer, baseUntil: number | null): RecentAnswer {
  const [conceptId, occurredAt, correct, responseMs] = answer
  if (baseUntil === null || occurredAt >= baseUntil) return answer
  return [conceptId, baseUntil, correct, responseMs]
}

/** Keeps only the four answer fields, so callers' extra properties never reach the stored JSON. */
function toRecent (answer: Answer): RecentAnswer {
  return [answer.conceptId, answer.occurredAt, answer.correct ? 1 : 0, answer.responseMs]
}

function fromRecent ([conceptId, occurredAt, correct, responseMs]: RecentAnswer): Answer {
  return { conceptId, occurredAt, correct: correct === 1, responseMs }
}

/** Inserts after every answer that occurred at the same time or earlier (ties: arrival order). */
function insertInOrder (answers: readonly RecentAnswer[], answer: RecentAnswer): RecentAnswer[] {
  const index = firstIndex(answers, (other) => other[1] > answer[1])
  return [...answers.slice(0, index), answer, ...answers.slice(index)]
}

function countBefore (sorted: readonly RecentAnswer[], instant: number): number {
  return firstIndex(sorted, (answer) => answer[1] >= instant)
}

/** Binary search: first index where `isAfter` holds, for a predicate monotone over `sorted`. */
function firstIndex (sorted: readonly RecentAnswer[], isAfter: (answer: RecentAnswer) => boolean): number {
  return firstIndexFrom(sorted, 0, isAfter)
}

function firstIndexFrom (sorted: readonly RecentAnswer[], from: number, isAfter: (answer: RecentAnswer) => boolean): number {
  let low = from
  let high = sorted.length
  while (low < high) {
    const middle = (low + high) >>> 1
    const answer = sorted[middle]
    if (answer !== undefined && isAfter(answer)) high = middle
    else low = middle + 1
  }
  return low
}
