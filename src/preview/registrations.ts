// What the preview LMS keeps per learner between launches, as an LMS keeps a registration:
// the data model of the last commit, the total time of finished sessions, and whether the
// last session was suspended. A launch starts from it (cmi.entry "resume", statuses and
// scores as committed, total_time), so a later launch sees what an earlier one wrote.
//
// Attempts, as the standards have them: in SCORM 2004 a session that ends (Terminate) with
// cmi.exit "normal", "logout", "time-out" or "" ends the learner attempt, and the next launch
// starts a new one whose data model starts afresh (RTE, cmi.exit). SCORM 1.2 has no attempts
// in its data model: the LMS keeps it, and only cmi.core.entry says whether to resume.
import type { ScormStandard } from './course.ts'
import { formatCmiTimespan, formatIsoDuration, parseCmiTimespan, parseIsoDuration } from './durations.ts'

/** Data model elements by their dotted names, e.g. { 'cmi.core.lesson_status': 'incomplete' }. */
export type DataModel = Readonly<Record<string, string>>

export interface Registration {
  readonly learnerId: string
  /** Launches of the course by this learner, all attempts together. */
  readonly launches: number
  /** The learner attempt (1, 2, …); SCORM 1.2 stays at 1. */
  readonly attempt: number
  /** Launches within the current attempt. */
  readonly attemptLaunches: number
  /** The data model of the current attempt as of the last Commit or LMSFinish/Terminate. */
  readonly committed: DataModel
  /** Time of the finished sessions of the current attempt. */
  readonly totalMs: number
  /** The last session ended with exit "suspend". */
  readonly suspended: boolean
  /** SCORM 2004: the last session ended the attempt; the next launch starts a new one. */
  readonly attemptEnded: boolean
}

/** The elements the preview shows and keeps, per standard, in the order the page lists them. */
export const trackedElements: Readonly<Record<ScormStandard, readonly string[]>> = {
  scorm12: [
    'cmi.core.student_id', 'cmi.core.student_name', 'cmi.core.lesson_status', 'cmi.core.score.raw', 'cmi.core.score.min',
    'cmi.core.score.max', 'cmi.core.session_time', 'cmi.core.total_time', 'cmi.core.exit', 'cmi.core.entry',
    'cmi.core.lesson_location', 'cmi.suspend_data'
  ],
  scorm2004: [
    'cmi.learner_id', 'cmi.learner_name', 'cmi.completion_status', 'cmi.success_status', 'cmi.score.scaled', 'cmi.score.raw',
    'cmi.score.min', 'cmi.score.max', 'cmi.progress_measure', 'cmi.session_time', 'cmi.total_time', 'cmi.exit', 'cmi.entry',
    'cmi.location', 'cmi.suspend_data'
  ]
}

export class Registrations {
  readonly #byLearner = new Map<string, Registration>()

  constructor (readonly standard: ScormStandard) {}

  get (learnerId: string): Registration | undefined {
    return this.#byLearner.get(learnerId)
  }

  /** A new launch of the course by this learner: its number overall and its attempt. */
  launch (learnerId: string): { launch: number, attempt: number } {
    const current = this.#byLearner.get(learnerId) ?? fresh(learnerId)
    const next: Registration = current.attemptEnded
      ? { ...fresh(learnerId), launches: current.launches + 1, attempt: current.attempt + 1, attemptLaunches: 1 }
      : { ...current, launches: current.launches + 1, attemptLaunches: current.attemptLaunches + 1 }
    this.#byLearner.set(learnerId, next)
    return { launch: next.launches, attempt: next.attempt }
  }

  /** A Commit: the LMS now holds these values. */
  commit (learnerId: string, values: DataModel): void {
    const current = this.#byLearner.get(learnerId) ?? { ...fresh(learnerId), launches: 1, attemptLaunches: 1 }
    this.#byLearner.set(learnerId, { ...current, committed: { ...values } })
  }

  /** LMSFinish/Terminate: the session's time joins the total, its exit decides the next entry (and, in 2004, the attempt). */
  finish (learnerId: string, values: DataModel): void {
    this.commit(learnerId, values)
    const current = this.#byLearner.get(learnerId) as Registration
    const is12 = this.standard === 'scorm12'
    const sessionTime = values[is12 ? 'cmi.core.session_time' : 'cmi.session_time'] ?? ''
    const sessionMs = (is12 ? parseCmiTimespan(sessionTime) : parseIsoDuration(sessionTime)) ?? 0
    const suspended = values[is12 ? 'cmi.core.exit' : 'cmi.exit'] === 'suspend'
    this.#byLearner.set(learnerId, { ...current, totalMs: current.totalMs + sessionMs, suspended, attemptEnded: !is12 && !suspended })
  }

  forget (learnerId: string): void {
    this.#byLearner.delete(learnerId)
  }

  /**
   * The data model a launch starts with, for scorm-again's loadFromJSON (before Initialize,
   * when read-only elements such as entry and total_time can still be set).
   */
  initialData (learner: { id: string, name: string }): Record<string, unknown> {
    const registration = this.#byLearner.get(learner.id)
    const committed = registration?.committed ?? {}
    const kept = (element: string): Record<string, string> => {
      const value = committed[element]
      return value === undefined || value === '' ? {} : { [element.split('.').pop() as string]: value }
    }
    const entry = registration === undefined || registration.attemptLaunches <= 1 ? 'ab-initio' : registration.suspended ? 'resume' : ''
    const totalMs = registration?.totalMs ?? 0
    if (this.standard === 'scorm12') {
      return {
        core: {
          student_id: learner.id,
          student_name: learner.name,
          credit: 'credit',
          lesson_mode: 'normal',
          entry,
          total_time: formatCmiTimespan(totalMs),
          ...kept('cmi.core.lesson_status'),
          ...kept('cmi.core.lesson_location'),
          score: { ...kept('cmi.core.score.raw'), ...kept('cmi.core.score.min'), ...kept('cmi.core.score.max') }
        },
        ...kept('cmi.suspend_data')
      }
    }
    return {
      learner_id: learner.id,
      learner_name: learner.name,
      credit: 'credit',
      mode: 'normal',
      entry,
      total_time: formatIsoDuration(totalMs),
      ...kept('cmi.completion_status'),
      ...kept('cmi.success_status'),
      ...kept('cmi.progress_measure'),
      ...kept('cmi.location'),
      ...kept('cmi.suspend_data'),
      score: { ...kept('cmi.score.scaled'), ...kept('cmi.score.raw'), ...kept('cmi.score.min'), ...kept('cmi.score.max') }
    }
  }
}

function fresh (learnerId: string): Registration {
  return { learnerId, launches: 0, attempt: 1, attemptLaunches: 0, committed: {}, totalMs: 0, suspended: false, attemptEnded: false }
}
