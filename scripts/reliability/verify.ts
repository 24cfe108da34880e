// After a run: is everything the service acknowledged in the log, and did any LMS session
// commit twice? Read from the store itself, with the service stopped.
import type { Acknowledged } from './driver.ts'
import type { LoggedEvent } from './stores.ts'

export interface Verdict {
  readonly eventsInLog: number
  /** Acknowledged writes checked. */
  readonly acknowledged: number
  /** Acknowledged writes whose events are not in the log, by kind. */
  readonly lost: Record<'launch' | 'moment' | 'answer' | 'exit' | 'ingest', number>
  readonly lostTotal: number
  /** LMS sessions with more than one LmsProgressCommitted. */
  readonly duplicateCommits: number
  readonly lmsSessions: number
  readonly commits: number
  /** A few lost or doubled items, to start an investigation from. */
  readonly examples: readonly string[]
}

const sessionOf = (streamId: string): string => streamId.slice('lms-session-'.length)

export function verify (acks: Acknowledged, log: readonly LoggedEvent[]): Verdict {
  const byPosition = new Map<number, LoggedEvent>()
  const byId = new Map<string, LoggedEvent>()
  const commitsPerSession = new Map<string, number>()
  let sessions = 0
  for (const e of log) {
    byPosition.set(e.position, e)
    byId.set(e.id, e)
    if (e.type === 'LmsSessionLaunched') sessions++
    if (e.type === 'LmsProgressCommitted') commitsPerSession.set(sessionOf(e.streamId), (commitsPerSession.get(sessionOf(e.streamId)) ?? 0) + 1)
  }
  const lost = { launch: 0, moment: 0, answer: 0, exit: 0, ingest: 0 }
  const examples: string[] = []
  const note = (text: string): void => { if (examples.length < 10) examples.push(text) }
  let acknowledged = 0

  for (const a of acks.launches) {
    acknowledged++
    const e = byPosition.get(a.position)
    if (e?.type !== 'LmsSessionLaunched' || e.streamId !== `lms-session-${a.sessionId}`) { lost.launch++; note(`launch ${a.sessionId} acknowledged at position ${a.position}: ${e === undefined ? 'no event there' : `${e.type} of ${e.streamId} there`}`) }
  }
  for (const a of acks.appended) {
    acknowledged++
    const e = byPosition.get(a.position)
    if (e?.streamId !== `activity-${a.learnerId}`) { lost[a.kind]++; note(`${a.kind} of ${a.learnerId} acknowledged at position ${a.position}: ${e === undefined ? 'no event there' : `${e.type} of ${e.streamId} there`}`) }
  }
  for (const sessionId of acks.exits) {
    acknowledged++
    if ((commitsPerSession.get(sessionId) ?? 0) === 0) { lost.exit++; note(`exit of ${sessionId} acknowledged: no LmsProgressCommitted in lms-session-${sessionId}`) }
  }
  for (const batch of acks.ingested) {
    for (const id of batch.ids) {
      acknowledged++
      const e = byId.get(id)
      if (e?.streamId !== `activity-${batch.learnerId}`) { lost.ingest++; note(`client event ${id} acknowledged: ${e === undefined ? 'not in the log' : `in ${e.streamId}`}`) }
    }
  }
  let duplicateCommits = 0
  let commits = 0
  for (const [sessionId, count] of commitsPerSession) {
    commits += count
    if (count > 1) { duplicateCommits++; note(`lms-session-${sessionId} holds ${count} LmsProgressCommitted`) }
  }
  return {
    eventsInLog: log.length,
    acknowledged,
    lost,
    lostTotal: Object.values(lost).reduce((a, b) => a + b, 0),
    duplicateCommits,
    lmsSessions: sessions,
    commits,
    examples
  }
}
