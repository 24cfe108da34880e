// The load: virtual users that behave like the real clients, a fixed number at a time (a closed
// loop: each sends its next request when the last one is answered).
//
// - LMS users do what a package's launcher and the player do: launch, start a Mini Moment,
//   answer its activities, exit. One exit in four races a sendBeacon ('unload', text/plain)
//   against the Exit button, as a closing window does.
// - App clients send batches of activity to POST /v1/activity with their own event ids.
//
// Clients retry as a real app would: a connection error, a timeout or a 5xx is retried with
// backoff, with the same body (the same event ids), until the request's deadline. Every
// acknowledged (2xx) write is recorded with what must be in the log because of it.
import type { Seeded } from './seed.ts'
import { pick, seededRng } from '../../bench/support/rng.ts'

export type Kind = 'launch' | 'moment' | 'answer' | 'exit' | 'ingest'
export const kinds: readonly Kind[] = ['launch', 'moment', 'answer', 'exit', 'ingest']

export interface KindStats {
  /** Logical requests started (a retried request counts once). */
  requests: number
  /** Ended with a 2xx (or, after a retry, with the answer that says the first try went through). */
  completed: number
  /** Ended with a 4xx the client did not expect. */
  refused: number
  /** Still failing at the request's deadline. */
  abandoned: number
  /** HTTP attempts, retries included. */
  attempts: number
  /** Attempts answered 2xx. */
  ok: number
  /** Attempts answered with another status, by status. */
  statuses: Record<string, number>
  /** Attempts without an answer (refused or reset connection, timeout), by cause. */
  connectionErrors: Record<string, number>
  /** A retry answered 409 MS_ERR_ALREADY_ANSWERED: the first try was recorded, its answer lost. */
  resolvedByRetry: number
  /** Milliseconds of each attempt answered 2xx. */
  latencies: number[]
}

/** What acknowledged writes promise to be in the log. */
export interface Acknowledged {
  /** LmsSessionLaunched at `position` in lms-session-{sessionId}. */
  launches: { sessionId: string, position: number }[]
  /** An event at `position` in activity-{learnerId}. */
  appended: { kind: 'moment' | 'answer', learnerId: string, position: number }[]
  /** Sessions whose exit was acknowledged: one LmsProgressCommitted in lms-session-{sessionId}. */
  exits: Set<string>
  /** Client event ids acknowledged by POST /v1/activity, with the learner's stream they belong to. */
  ingested: { learnerId: string, ids: string[] }[]
}

export interface Recorder {
  readonly stats: Record<Kind, KindStats>
  readonly acks: Acknowledged
  /** Unexpected refusals, a few of each, to show in the report. */
  readonly samples: Map<string, string>
}

export function newRecorder (): Recorder {
  const stats = Object.fromEntries(kinds.map(k => [k, {
    requests: 0, completed: 0, refused: 0, abandoned: 0, attempts: 0, ok: 0, statuses: {}, connectionErrors: {}, resolvedByRetry: 0, latencies: []
  } satisfies KindStats])) as unknown as Record<Kind, KindStats>
  return { stats, acks: { launches: [], appended: [], exits: new Set(), ingested: [] }, samples: new Map() }
}

export interface DriverOptions {
  readonly base: string
  readonly seeded: Seeded
  readonly lmsUsers: number
  readonly appClients: number
  /** No new flow or batch starts after this (epoch ms). */
  readonly loadEndsAt: number
  /** A request still failing at this time is abandoned (epoch ms). */
  readonly giveUpAt: number
  readonly eventsPerBatch: number
  /** Tags client event ids, so runs on one store never collide. */
  readonly runTag: string
  readonly recorder: Recorder
}

interface Reply { status: number, body: any } // eslint-disable-line @typescript-eslint/no-explicit-any

const attemptTimeoutMs = 10_000

function causeOf (error: unknown): string {
  const e = error as { name?: string, cause?: { code?: string, name?: string } }
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timeout'
  return e.cause?.code ?? e.cause?.name ?? e.name ?? 'error'
}

/** Sends one logical request, retrying connection errors and 5xx until it is answered or given up. */
async function send (o: DriverOptions, kind: Kind, path: string, init: { token?: string, body: string, contentType?: string }): Promise<(Reply & { retried: boolean }) | undefined> {
  const s = o.recorder.stats[kind]
  s.requests++
  let retried = false
  for (let attempt = 0; ; attempt++) {
    s.attempts++
    const started = performance.now()
    try {
      const res = await fetch(`${o.base}${path}`, {
        method: 'POST',
        headers: { 'content-type': init.contentType ?? 'application/json', ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }) },
        body: init.body,
        signal: AbortSignal.timeout(attemptTimeoutMs)
      })
      const text = await res.text()
      const ms = performance.now() - started
      let body: unknown
      try { body = JSON.parse(text) } catch { body = text }
      if (res.status >= 200 && res.status < 300) {
        s.ok++
        s.latencies.push(ms)
        return { status: res.status, body, retried }
      }
      s.statuses[res.status] = (s.statuses[res.status] ?? 0) + 1
      const sampleKey = `${kind} ${res.status} ${(body as { error?: { code?: string } })?.error?.code ?? ''}`
      if (!o.recorder.samples.has(sampleKey)) o.recorder.samples.set(sampleKey, text.slice(0, 300))
      if (res.status < 500) return { status: res.status, body, retried }
    } catch (error) {
      const cause = causeOf(error)
      s.connectionErrors[cause] = (s.connectionErrors[cause] ?? 0) + 1
    }
    retried = true
    if (Date.now() >= o.giveUpAt) {
      s.abandoned++
      return undefined
    }
    // Backoff as an app would: quick at first, at most a second between tries.
    await new Promise(resolve => setTimeout(resolve, Math.min(1_000, 50 * 2 ** attempt)))
  }
}

function json (value: unknown): string { return JSON.stringify(value) }

async function lmsUser (o: DriverOptions, user: Seeded['lmsUsers'][number], rng: () => number): Promise<void> {
  const { stats, acks } = o.recorder
  while (Date.now() < o.loadEndsAt) {
    const launched = await send(o, 'launch', '/v1/lms/launch', {
      body: json({ packageId: o.seeded.packageId, revision: 1, launchKey: o.seeded.launchKey, standard: 'scorm2004', lmsUserId: user.lmsUserId, lmsUserName: 'Load User' })
    })
    if (launched?.status !== 201) {
      if (launched !== undefined) stats.launch.refused++
      await new Promise(resolve => setTimeout(resolve, 200))
      continue
    }
    stats.launch.completed++
    const { sessionId, token } = launched.body as { sessionId: string, token: string, position: number }
    acks.launches.push({ sessionId, position: launched.body.position })

    const moment = await send(o, 'moment', '/v1/me/moments', { token, body: json({}) })
    if (moment?.status === 201) {
      stats.moment.completed++
      acks.appended.push({ kind: 'moment', learnerId: user.learnerId, position: moment.body.position })
      for (const activity of moment.body.activities as { activityId: string }[]) {
        const answered = await send(o, 'answer', `/v1/me/moments/${moment.body.momentId}/answers`, {
          token, body: json({ activityId: activity.activityId, selected: [rng() < 0.7 ? 'right' : 'wrong'], responseMs: 800 + Math.floor(rng() * 6_000) })
        })
        if (answered?.status === 200) {
          stats.answer.completed++
          acks.appended.push({ kind: 'answer', learnerId: user.learnerId, position: answered.body.position })
        } else if (answered?.retried === true && answered.body?.error?.code === 'MS_ERR_ALREADY_ANSWERED') {
          stats.answer.completed++
          stats.answer.resolvedByRetry++
        } else if (answered !== undefined) {
          stats.answer.refused++
        }
      }
    } else if (moment !== undefined) {
      stats.moment.refused++
    }

    const exit = (how: 'exit' | 'unload') => how === 'exit'
      ? send(o, 'exit', `/v1/lms/sessions/${sessionId}/exit`, { token, body: json({ how }) })
      : send(o, 'exit', `/v1/lms/sessions/${sessionId}/exit`, { contentType: 'text/plain;charset=UTF-8', body: json({ how, token }) })
    const exits = await Promise.all(rng() < 0.25 ? [exit('exit'), exit('unload')] : [exit('exit')])
    for (const r of exits) {
      if (r?.status === 200) {
        stats.exit.completed++
        acks.exits.add(sessionId)
      } else if (r !== undefined) {
        stats.exit.refused++
      }
    }
  }
}

async function appClient (o: DriverOptions, client: number, rng: () => number): Promise<void> {
  const { stats, acks } = o.recorder
  const { activities, cards, appLearners } = o.seeded
  for (let batch = 0; Date.now() < o.loadEndsAt; batch++) {
    // Each client reports for its own learners, as one app install does.
    const learnerId = appLearners[(client * 2 + (batch % 2)) % appLearners.length] as string
    const occurredAt = new Date().toISOString()
    const events = Array.from({ length: o.eventsPerBatch }, (_, i) => {
      const eventId = `${o.runTag}-${client}-${batch}-${i}`
      return rng() < 0.8
        ? { eventId, type: 'ActivityAnswered', learnerId, activityId: pick(rng, activities).activityId, selected: [rng() < 0.7 ? 'right' : 'wrong'], responseMs: 1_000 + Math.floor(rng() * 5_000), occurredAt }
        : { eventId, type: 'CardViewed', learnerId, cardId: pick(rng, cards), occurredAt }
    })
    const res = await send(o, 'ingest', '/v1/activity', { token: o.seeded.adminKey, body: json({ events }) })
    if (res?.status === 202) {
      stats.ingest.completed++
      acks.ingested.push({ learnerId, ids: events.map(e => e.eventId) })
    } else if (res !== undefined) {
      stats.ingest.refused++
      await new Promise(resolve => setTimeout(resolve, 200))
    }
  }
}


/** Runs every virtual user until the load ends and their last request is answered or given up. */
export async function drive (o: DriverOptions): Promise<void> {
  await Promise.all([
    ...o.seeded.lmsUsers.slice(0, o.lmsUsers).map((user, i) => lmsUser(o, user, seededRng(1_000 + i))),
    ...Array.from({ length: o.appClients }, (_, i) => appClient(o, i, seededRng(2_000 + i)))
  ])
}
