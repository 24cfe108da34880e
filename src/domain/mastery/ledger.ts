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

/**
 * A run of consecutive recent answers. `recent` is split into chunks so that recording an
 * answer copies one chunk rather than every answer in the window: a learner who answers a lot
 * keeps thousands of answers raw, and the projection stores a new ledger per batch.
 */
export type RecentChunk = readonly RecentAnswer[]

/** Most answers in a chunk: what copying a chunk costs against how many chunks the list has. */
export const RECENT_CHUNK_SIZE = 256

export interface MasteryLedger {
  /** Concept states after folding every answer up to and including `baseUntil`. */
  readonly base: Readonly<Record<string, ConceptState>>
  /** occurredAt of the last answer folded into `base`; null while nothing is folded. */
  readonly baseUntil: number | null
  /**
   * Answers after `baseUntil`, sorted by occurredAt, ties in arrival order, in chunks of 1 to
   * RECENT_CHUNK_SIZE answers. A chunk is never changed once stored, so successive ledgers
   * share every chunk an answer did not touch. Read it through `recentAnswers`.
   */
  readonly recent: readonly RecentChunk[]
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
  return recordAnswers(ledger, [{ answer, recordedAt }], params)
}

/**
 * Adds several answers at once, exactly as `recordAnswer` one after the other would (down to
 * the chunk boundaries, so a projection rebuilt in other batches stores the same documents).
 * A batch copies the outer list of chunks once; after that an answer in occurredAt order costs
 * O(log chunks), with the last chunk copied the first time it grows, and a late answer copies
 * only the chunk it lands in.
 */
export function recordAnswers (ledger: MasteryLedger, entries: readonly { answer: Answer, recordedAt: number }[], params: MasteryParams = defaultMasteryParams): MasteryLedger {
  if (entries.length === 0) return ledger
  const draft = draftOf(ledger.recent)
  let base: Map<string, ConceptState> | undefined
  let baseUntil = ledger.baseUntil
  let latestRecordedAt = ledger.latestRecordedAt
  for (const { answer, recordedAt } of entries) {
    latestRecordedAt = latestRecordedAt === null ? recordedAt : Math.max(latestRecordedAt, recordedAt)
    insertInOrder(draft, settleAfterBase(toRecent(answer), baseUntil))
    const settled = takeBefore(draft, latestRecordedAt - params.lateWindowMs)
    if (settled.length > 0) {
      base ??= new Map(Object.entries(ledger.base))
      foldInto(base, settled.map(fromRecent), params)
      baseUntil = settled[settled.length - 1]?.[1] ?? baseUntil
    }
  }
  return {
    base: base === undefined ? ledger.base : Object.fromEntries(base),
    baseUntil,
    recent: chunksOf(draft),
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
  return ledger.recent.flatMap((chunk) => chunk.map(fromRecent))
}

/** How many answers the ledger still holds raw. */
export function recentCount (ledger: MasteryLedger): number {
  return ledger.recent.reduce((count, chunk) => count + chunk.length, 0)
}

function foldInto (states: Map<string, ConceptState>, answers: readonly Answer[], params: MasteryParams): void {
  for (const answer of answers) {
    states.set(answer.conceptId, applyAnswer(states.get(answer.conceptId) ?? initialConceptState, answer, params))
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

// ----- the chunks being edited by one recordAnswers call ----------------------------------

/**
 * `recent` while a batch is recorded. Chunks of the ledger it started from are shared with
 * that ledger, so they are copied before their first change; chunks made during the batch
 * (`fresh`) are changed in place. Folded answers are only counted off the front (`start`,
 * `skip`) and cut away once at the end, so settling one answer per new one stays O(1).
 */
interface RecentDraft {
  /** The outer list: a copy, its entries replaced as chunks are copied or split. */
  readonly chunks: RecentChunk[]
  readonly fresh: Set<RecentChunk>
  /** chunks[start] is the first chunk with answers not yet folded. */
  start: number
  /** Leading answers of chunks[start] already folded. */
  skip: number
}

function draftOf (recent: readonly RecentChunk[]): RecentDraft {
  return { chunks: [...recent], fresh: new Set(), start: 0, skip: 0 }
}

function chunksOf (draft: RecentDraft): RecentChunk[] {
  const chunks = draft.chunks.slice(draft.start)
  const first = chunks[0]
  if (first !== undefined && draft.skip > 0) chunks[0] = first.slice(draft.skip)
  return chunks
}

/** Inserts after every answer that occurred at the same time or earlier (ties: arrival order). */
function insertInOrder (draft: RecentDraft, answer: RecentAnswer): void {
  const index = firstChunkEndingAfter(draft, answer[1])
  if (index === draft.chunks.length) append(draft, answer)
  else insertInto(draft, index, answer)
}

/** The overwhelmingly common case: the answer is the latest so far. */
function append (draft: RecentDraft, answer: RecentAnswer): void {
  const last = draft.chunks.length - 1
  if (last >= draft.start && liveLength(draft, last) < RECENT_CHUNK_SIZE) writableChunk(draft, last).push(answer)
  else draft.chunks.push(freshChunk(draft, [answer]))
}

/** A late answer: lands inside chunk `index`, which is halved should it overflow. */
function insertInto (draft: RecentDraft, index: number, answer: RecentAnswer): void {
  const chunk = writableChunk(draft, index)
  const offset = offsetOf(draft, index)
  chunk.splice(firstIndexAfter(chunk, offset, answer[1]), 0, answer)
  if (chunk.length - offset <= RECENT_CHUNK_SIZE) return
  const middle = offset + Math.ceil((chunk.length - offset) / 2)
  draft.chunks.splice(index, 1, freshChunk(draft, chunk.slice(offset, middle)), freshChunk(draft, chunk.slice(middle)))
  if (index === draft.start) draft.skip = 0
}

/** Takes the unfolded answers that occurred before `instant` off the front, in order. */
function takeBefore (draft: RecentDraft, instant: number): RecentAnswer[] {
  const taken: RecentAnswer[] = []
  for (let chunk = draft.chunks[draft.start]; chunk !== undefined; chunk = draft.chunks[draft.start]) {
    const answer = chunk[draft.skip]
    if (answer === undefined || answer[1] >= instant) break
    taken.push(answer)
    draft.skip++
    if (draft.skip === chunk.length) {
      draft.start++
      draft.skip = 0
    }
  }
  return taken
}

/** The chunk at `index`, ready to change: copied (without folded answers) unless made in this batch. */
function writableChunk (draft: RecentDraft, index: number): RecentAnswer[] {
  const chunk = draft.chunks[index] ?? []
  if (isFresh(draft, chunk)) return chunk
  const copy = freshChunk(draft, chunk.slice(offsetOf(draft, index)))
  if (index === draft.start) draft.skip = 0
  draft.chunks[index] = copy
  return copy
}

function freshChunk (draft: RecentDraft, chunk: RecentAnswer[]): RecentAnswer[] {
  draft.fresh.add(chunk)
  return chunk
}

/** Only chunks made as mutable arrays during this batch are ever registered as fresh. */
function isFresh (draft: RecentDraft, chunk: RecentChunk): chunk is RecentAnswer[] {
  return draft.fresh.has(chunk)
}

/** Where the unfolded answers of chunk `index` begin. */
function offsetOf (draft: RecentDraft, index: number): number {
  return index === draft.start ? draft.skip : 0
}

function liveLength (draft: RecentDraft, index: number): number {
  return (draft.chunks[index]?.length ?? 0) - offsetOf(draft, index)
}

/** Binary search over the unfolded chunks: the first whose last answer occurred after `instant`. */
function firstChunkEndingAfter (draft: RecentDraft, instant: number): number {
  let low = draft.start
  let high = draft.chunks.length
  while (low < high) {
    const middle = (low + high) >>> 1
    const chunk = draft.chunks[middle]
    if ((chunk?.[chunk.length - 1]?.[1] ?? Infinity) > instant) high = middle
    else low = middle + 1
  }
  return low
}

/** Binary search within a chunk from `from`: the first answer that occurred after `instant`. */
function firstIndexAfter (chunk: RecentChunk, from: number, instant: number): number {
  let low = from
  let high = chunk.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if ((chunk[middle]?.[1] ?? Infinity) > instant) high = middle
    else low = middle + 1
  }
  return low
}
