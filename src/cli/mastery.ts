// `mastery-sync mastery --learner <id> --as-of <time>`: a learner's mastery per assigned profile
// at any instant, computed exactly as GET /v1/learners/{id}/mastery?asOf= does
// (src/app/mastery-view.ts): a pure fold of the events up to that instant.
import { pino } from 'pino'
import { loadConfig } from '../config.ts'
import { ProjectionRunner, ReadTimeoutError } from '../projections/runner.ts'
import { projections } from '../../projections/index.ts'
import type { LearnerDoc } from '../../projections/learners.ts'
import { learnerMastery } from '../app/mastery-view.ts'
import { openStore } from './store-access.ts'

export type MasteryReport = Awaited<ReturnType<typeof learnerMastery>>

export class NotFoundError extends Error {}

/** How long to wait for a running service to bring its read models up to the head. */
const followTimeoutMs = 10_000

export async function mastery (learnerId: string, asOf: number | undefined, warn: (message: string) => void): Promise<MasteryReport> {
  const config = loadConfig()
  const opened = await openStore(config)
  const { storage } = opened
  const log = pino({ level: 'silent' })
  const runner = new ProjectionRunner(storage.store, storage.readModels, projections, log)
  try {
    if (opened.alone) {
      // Nobody else runs the projections: bring them up to the head here, as a service would on start.
      await runner.catchUpAll()
    } else {
      // A service runs them: read what it stores, once it has reached the head.
      await runner.follow()
      const head = await storage.store.headPosition()
      try {
        await runner.waitFor(head, { projections: ['learners', 'catalog', 'mastery'], timeoutMs: followTimeoutMs })
      } catch (error) {
        if (!(error instanceof ReadTimeoutError)) throw error
        warn(`the service running on this store has stored its read models up to log position ${error.reached} of ${head}: the answer may miss the latest events`)
      }
    }
    const learner = await runner.get<LearnerDoc>('learners', `learner:${learnerId}`)
    if (learner === undefined) throw new NotFoundError(`no learner ${learnerId} in this store`)
    // learnerMastery reads the log, the read models and the clock, nothing else of a service
    // (secrets, package files, LMS calls): a read-only command opens none of that.
    return await learnerMastery({ store: storage.store, runner, now: Date.now }, learner, asOf)
  } finally {
    await runner.stop()
    await opened.close()
  }
}

const percent = (share: number): string => `${(share * 100).toFixed(1)} %`

/** A table for people: one block per profile, its concepts under it. */
export function masteryTable (report: MasteryReport): string {
  const lines = [`learner ${report.learnerId}, as of ${report.asOf}`, '']
  if (report.profiles.length === 0) lines.push('no profile assigned at that instant')
  for (const profile of report.profiles) {
    lines.push(`${profile.name} (${profile.profileId}): ${percent(profile.progress)}${profile.mastered ? ', mastered' : ''}`)
    const width = Math.max(7, ...profile.concepts.map(c => c.conceptId.length))
    lines.push(`  ${'concept'.padEnd(width)}  level  goal  mastered`)
    for (const concept of profile.concepts) {
      lines.push(`  ${concept.conceptId.padEnd(width)}  ${concept.level.toFixed(2).padStart(5)}  ${String(concept.goal).padStart(4)}  ${concept.mastered ? 'yes' : 'no'}`)
    }
    lines.push('')
  }
  return lines.join('\n').trimEnd() + '\n'
}
