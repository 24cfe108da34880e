// Progress of a learner through a mastery profile: how close each concept is to its goal
// level, as of an instant (so forgetting since the last answer counts).
import { conceptStateOf, levelAt, type ConceptState } from './engine.ts'
import { defaultMasteryParams, type MasteryParams } from './params.ts'

export interface ConceptGoal {
  readonly conceptId: string
  /** Goal level 1..5 inherited from the module's goal in the profile. */
  readonly goal: number
}

export interface ConceptProgress {
  conceptId: string
  /** Level decayed to the instant asked about. */
  level: number
  goal: number
  mastered: boolean
}

export interface ProfileProgress {
  /** Mean over the concepts of min(level, goal) ÷ goal, in 0..1. */
  readonly progress: number
  /** Every concept at or above its goal (and there is at least one concept). */
  readonly mastered: boolean
  readonly concepts: readonly ConceptProgress[]
}

export function profileProgress (
  goals: readonly ConceptGoal[],
  states: Readonly<Record<string, ConceptState>>,
  at: number,
  params: MasteryParams = defaultMasteryParams
): ProfileProgress {
  const concepts = goals.map((goal) => conceptProgress(goal, conceptStateOf(states, goal.conceptId), at, params))
  // An empty profile teaches nothing, so there is nothing to have mastered.
  if (concepts.length === 0) return { progress: 0, mastered: false, concepts }
  const shares = concepts.map((concept) => concept.mastered ? 1 : concept.level / concept.goal)
  return {
    progress: shares.reduce((sum, share) => sum + share, 0) / shares.length,
    mastered: concepts.every((concept) => concept.mastered),
    concepts
  }
}

function conceptProgress (goal: ConceptGoal, state: ConceptState, at: number, params: MasteryParams): ConceptProgress {
  const level = levelAt(state, at, params)
  const target = effectiveGoal(goal.goal, params)
  return { conceptId: goal.conceptId, level, goal: target, mastered: level >= target - params.masteryEpsilon }
}

/** Goals live in 1..5; clamping keeps a bad goal from dividing by zero or being unreachable. */
function effectiveGoal (goal: number, params: MasteryParams): number {
  if (!Number.isFinite(goal)) return params.maxLevel
  return Math.min(params.maxLevel, Math.max(1, goal))
}
