// Which activities a (Mini) Mastery Moment should contain: the ones whose practice raises
// mastery most right now. Concepts are ranked by what practising them would achieve, then
// activities are dealt round-robin over the ranking so a moment spreads across concepts.
// Deterministic: ties are broken by a hash of the caller's seed, never by randomness.
import { conceptStateOf, isDue, levelAt, type ConceptState } from './engine.ts'
import { defaultMasteryParams, type MasteryParams } from './params.ts'

export interface Candidate {
  readonly activityId: string
  readonly conceptId: string
}

export interface MomentSelectionInput {
  readonly candidates: readonly Candidate[]
  /** conceptId → effective goal level (the highest goal over the profiles in play). */
  readonly goals: ReadonlyMap<string, number>
  readonly states: Readonly<Record<string, ConceptState>>
  readonly at: number
  readonly size: number
  readonly seed: string
  /** Activity ids to avoid while other candidates remain. */
  readonly recentlySeen?: ReadonlySet<string>
}

/**
 * What practising a concept now achieves, best first:
 * raise — below its goal and past the spacing wait: a correct answer raises the level;
 * retain — idle past the grace period and fading: practice stops the loss;
 * wait   — below its goal but inside the spacing wait: practice only keeps it fresh;
 * keep   — at its goal and fresh: little to gain;
 * stray  — no goal in any profile in play: only to fill a moment.
 */
const Tier = { Raise: 0, Retain: 1, Wait: 2, Keep: 3, Stray: 4 } as const
type Tier = typeof Tier[keyof typeof Tier]

interface RankedConcept {
  readonly conceptId: string
  readonly tier: Tier
  /** Decayed level ÷ goal: the further behind, the sooner. */
  readonly share: number
  readonly tieBreak: number
}

export function selectMomentActivities (input: MomentSelectionInput, params: MasteryParams = defaultMasteryParams): string[] {
  const size = Math.max(0, Math.floor(input.size))
  if (size === 0 || input.candidates.length === 0) return []
  const byConcept = activitiesByConcept(input.candidates)
  const ranking = [...byConcept.keys()].map((conceptId) => rankConcept(conceptId, input, params)).sort(byRank)
  const seen = input.recentlySeen ?? new Set<string>()
  const shuffled = ranking.map(({ conceptId }) => shuffle(byConcept.get(conceptId) ?? [], input.seed))
  // Unseen activities first everywhere; recently seen ones only when nothing else is left.
  const fresh = dealRoundRobin(shuffled.map((ids) => ids.filter((id) => !seen.has(id))), size)
  const stale = dealRoundRobin(shuffled.map((ids) => ids.filter((id) => seen.has(id))), size - fresh.length)
  return [...fresh, ...stale]
}

/** Groups activity ids by concept in first-seen order; an activity listed twice counts once. */
function activitiesByConcept (candidates: readonly Candidate[]): Map<string, string[]> {
  const byConcept = new Map<string, string[]>()
  const listed = new Set<string>()
  for (const { activityId, conceptId } of candidates) {
    if (listed.has(activityId)) continue
    listed.add(activityId)
    byConcept.set(conceptId, [...(byConcept.get(conceptId) ?? []), activityId])
  }
  return byConcept
}

function rankConcept (conceptId: string, input: MomentSelectionInput, params: MasteryParams): RankedConcept {
  const state = conceptStateOf(input.states, conceptId)
  const level = levelAt(state, input.at, params)
  const goal = input.goals.get(conceptId)
  const tieBreak = fnv1a(`${input.seed}\u0000concept\u0000${conceptId}`)
  if (goal === undefined || !Number.isFinite(goal)) return { conceptId, tier: Tier.Stray, share: level / params.maxLevel, tieBreak }
  const target = Math.min(params.maxLevel, Math.max(1, goal))
  return { conceptId, tier: tierOf(state, level, target, input.at, params), share: level / target, tieBreak }
}

function tierOf (state: ConceptState, level: number, goal: number, at: number, params: MasteryParams): Tier {
  const belowGoal = level < goal - params.masteryEpsilon
  if (belowGoal && isDue(state, at, params)) return Tier.Raise
  if (level < state.level) return Tier.Retain
  return belowGoal ? Tier.Wait : Tier.Keep
}

function byRank (a: RankedConcept, b: RankedConcept): number {
  return a.tier - b.tier || a.share - b.share || a.tieBreak - b.tieBreak || compareStrings(a.conceptId, b.conceptId)
}

/** Seeded order of a concept's activities, so repeated moments vary but replay identically. */
function shuffle (activityIds: readonly string[], seed: string): string[] {
  const keyed = activityIds.map((id) => ({ id, key: fnv1a(`${seed}\u0000activity\u0000${id}`) }))
  return keyed.sort((a, b) => a.key - b.key || compareStrings(a.id, b.id)).map(({ id }) => id)
}

/** One activity per concept per round, in rank order, until `size` are dealt. */
function dealRoundRobin (queues: readonly (readonly string[])[], size: number): string[] {
  const dealt: string[] = []
  for (let round = 0; dealt.length < size; round++) {
    const row = queues.flatMap((queue) => queue[round] ?? [])
    if (row.length === 0) break
    dealt.push(...row.slice(0, size - dealt.length))
  }
  return dealt
}

/** FNV-1a, 32 bit: a tiny, well-spread, pure string hash for seeded tie-breaks. */
export function fnv1a (text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

function compareStrings (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
