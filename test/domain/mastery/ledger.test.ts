import t from 'tap'
import fc from 'fast-check'
import { isDeepStrictEqual } from 'node:util'
import type { Answer, ConceptState } from '../../../src/domain/mastery/engine.ts'
import {
  conceptStatesAt, emptyLedger, foldAnswers, recentAnswers, recentCount, recordAnswer, recordAnswers, RECENT_CHUNK_SIZE, type MasteryLedger
} from '../../../src/domain/mastery/ledger.ts'
import { defaultMasteryParams } from '../../../src/domain/mastery/params.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const T0 = Date.UTC(2025, 2, 3, 9) // Monday 3 March 2025, 09:00 UTC

function answer (occurredAt: number, correct = true, conceptId = 'fractions', responseMs = 3_000): Answer {
  return { conceptId, occurredAt, correct, responseMs }
}

/** Records answers in the given arrival order, each at its own recordedAt. */
function record (arrivals: readonly (readonly [Answer, number])[], from: MasteryLedger = emptyLedger): MasteryLedger {
  return arrivals.reduce((ledger, [a, recordedAt]) => recordAnswer(ledger, a, recordedAt), from)
}

/** Same states up to float rounding of the levels. */
function sameStates (actual: Record<string, ConceptState>, expected: Record<string, ConceptState>): boolean {
  const ids = Object.keys(expected)
  if (Object.keys(actual).length !== ids.length) return false
  return ids.every((id) => {
    const a = actual[id]
    const e = expected[id]
    return a !== undefined && e !== undefined && Math.abs(a.level - e.level) <= 1e-9 &&
      a.practicedAt === e.practicedAt && a.increasedAt === e.increasedAt && a.answers === e.answers
  })
}

t.test('an empty ledger knows no concepts', async (t) => {
  t.strictSame(emptyLedger, { base: {}, baseUntil: null, recent: [], latestRecordedAt: null })
  t.strictSame(conceptStatesAt(emptyLedger, T0), {})
})

t.test('answers are kept in the order they occurred, not the order they arrived', async (t) => {
  const ledger = record([[answer(T0 + 2 * HOUR), T0 + 2 * HOUR], [answer(T0), T0 + 3 * HOUR], [answer(T0 + HOUR, false), T0 + 3 * HOUR]])
  t.strictSame(recentAnswers(ledger).map((a) => a.occurredAt), [T0, T0 + HOUR, T0 + 2 * HOUR])
  t.equal(ledger.latestRecordedAt, T0 + 3 * HOUR)
})

t.test('answers that occurred at the same instant keep their arrival order', async (t) => {
  const ledger = record([[answer(T0, true), T0], [answer(T0, false), T0], [answer(T0, true, 'other'), T0]])
  t.strictSame(recentAnswers(ledger).map((a) => [a.correct, a.conceptId]), [[true, 'fractions'], [false, 'fractions'], [true, 'other']])
})

t.test('a late answer counts as if it had arrived on time', async (t) => {
  // Offline on Tuesday morning: a wrong answer synced only on Thursday.
  const onTime = record([[answer(T0), T0], [answer(T0 + MINUTE), T0 + MINUTE], [answer(T0 + DAY + 10 * HOUR), T0 + DAY + 10 * HOUR]])
  const withLate = recordAnswer(onTime, answer(T0 + DAY + 9 * HOUR, false), T0 + 3 * DAY)
  const state = conceptStatesAt(withLate, T0 + 3 * DAY).fractions
  t.equal(state?.level, 1.25, 'Novice, slipped to 0.75 on Tuesday 18:00, then back up to 1.25 at 19:00 (wait over)')
  t.equal(state?.answers, 4)
  t.equal(conceptStatesAt(onTime, T0 + 3 * DAY).fractions?.level, 1.5, 'without the slip the learner would be at 1.5')
})

t.test('mastery as of an instant ignores answers that occurred after it', async (t) => {
  const ledger = record([[answer(T0), T0], [answer(T0 + MINUTE), T0 + MINUTE], [answer(T0 + 2 * DAY, true, 'later'), T0 + 2 * DAY]])
  t.equal(conceptStatesAt(ledger, T0).fractions?.level, 0.5)
  t.equal(conceptStatesAt(ledger, T0 + MINUTE).fractions?.level, 1)
  t.notOk('later' in conceptStatesAt(ledger, T0 + DAY), 'a concept first practised later is not known yet')
  t.ok('later' in conceptStatesAt(ledger, T0 + 2 * DAY))
})

t.test('answers older than the 31-day late window are folded into the base', async (t) => {
  const first = [answer(T0), answer(T0 + MINUTE), answer(T0 + 2 * DAY)]
  let ledger = record(first.map((a) => [a, a.occurredAt] as const))
  ledger = recordAnswer(ledger, answer(T0 + 32 * DAY, true, 'other'), T0 + 32 * DAY)
  t.equal(ledger.baseUntil, T0 + MINUTE, 'the two answers more than 31 days behind are settled')
  t.strictSame(Object.keys(ledger.base), ['fractions'])
  t.equal(ledger.base.fractions?.answers, 2)
  t.strictSame(recentAnswers(ledger).map((a) => a.occurredAt), [T0 + 2 * DAY, T0 + 32 * DAY])
  t.ok(sameStates(conceptStatesAt(ledger, T0 + 40 * DAY), foldAnswers([...first, answer(T0 + 32 * DAY, true, 'other')], T0 + 40 * DAY)))
})

t.test('an answer older than the settled history is clamped to just after it', async (t) => {
  const settledNovice = (): MasteryLedger =>
    record([[answer(T0), T0], [answer(T0 + MINUTE), T0 + MINUTE], [answer(T0 + 40 * DAY, true, 'other'), T0 + 40 * DAY]])
  const before = settledNovice()
  t.equal(before.baseUntil, T0 + MINUTE)
  t.equal(before.base.fractions?.level, 1)
  // The API refuses answers more than 30 days late; the ledger must still stay deterministic.
  const after = recordAnswer(before, answer(T0 - DAY, false), T0 + 40 * DAY)
  t.equal(after.baseUntil, T0 + MINUTE, 'moved to baseUntil, and settled at once as it is past the window')
  t.strictSame(after.base.fractions, { level: 0.75, practicedAt: T0 + MINUTE, increasedAt: T0 + MINUTE, answers: 3 }, 'applied after the settled Novice answers')
  t.strictSame(recordAnswer(settledNovice(), answer(T0 - DAY, false), T0 + 40 * DAY), after, 'the same inputs give the same ledger')
})

t.test('the ledger stores only the four answer fields and survives a JSON round trip', async (t) => {
  const noisy = { ...answer(T0 + 39 * DAY), eventId: 'e-1', learnerId: 'l-1' } as Answer
  const ledger = record([[answer(T0), T0], [noisy, T0 + 39 * DAY], [answer(T0 + 40 * DAY), T0 + 40 * DAY]])
  t.strictSame(recentAnswers(ledger), [answer(T0 + 39 * DAY), answer(T0 + 40 * DAY)])
  t.strictSame(ledger.recent, [[['fractions', T0 + 39 * DAY, 1, 3_000], ['fractions', T0 + 40 * DAY, 1, 3_000]]], 'stored as one chunk of compact tuples, extra fields dropped')
  const revived = JSON.parse(JSON.stringify(ledger)) as MasteryLedger
  t.strictSame(revived, ledger)
  const next = answer(T0 + 41 * DAY)
  t.strictSame(recordAnswer(revived, next, T0 + 41 * DAY), recordAnswer(ledger, next, T0 + 41 * DAY))
})

t.test('a concept id like "__proto__" is stored as plain data', async (t) => {
  const ledger = record([[answer(T0, true, '__proto__'), T0], [answer(T0 + 40 * DAY), T0 + 40 * DAY]])
  t.ok(Object.hasOwn(ledger.base, '__proto__'))
  t.equal(conceptStatesAt(ledger, T0 + 40 * DAY)['__proto__']?.level, 0.5)
})

t.test('a hundred answers a month stay a few kilobytes of JSON', async (t) => {
  const conceptIds = Array.from({ length: 25 }, (_, i) => `0f6b1c2e-4d3a-4b5c-9e8f-${String(i).padStart(12, '0')}`)
  let ledger = emptyLedger
  for (let i = 0; i < 100; i++) {
    const at = T0 + i * 7 * HOUR
    ledger = recordAnswer(ledger, answer(at, i % 5 !== 0, conceptIds[i % conceptIds.length], 2_000 + i * 97), at)
  }
  const bytes = JSON.stringify(ledger).length
  t.ok(bytes < 7_000, `${bytes} bytes for 100 answers within the late window, with UUID concept ids`)
  // A year later, only the late window is kept raw; the rest is one state per concept.
  for (let i = 0; i < 1000; i++) {
    const at = T0 + 30 * DAY + i * 9 * HOUR
    ledger = recordAnswer(ledger, answer(at, i % 4 !== 0, conceptIds[i % conceptIds.length]), at)
  }
  t.ok(recentCount(ledger) <= 31 * 24 / 9 + 1, `${recentCount(ledger)} raw answers kept after 1100`)
  t.ok(JSON.stringify(ledger).length < 7_000 + 25 * 140, 'history beyond the window costs one state per concept')
})

// ----- storage in chunks -------------------------------------------------------------------

/** `count` answers a minute apart from `from`, each received when it occurred. */
function inOrder (count: number, from = T0): { answer: Answer, recordedAt: number }[] {
  return Array.from({ length: count }, (_, i) => ({ answer: answer(from + i * MINUTE, i % 3 !== 0), recordedAt: from + i * MINUTE }))
}

function chunksWellFormed (ledger: MasteryLedger): boolean {
  return ledger.recent.every((chunk) => chunk.length >= 1 && chunk.length <= RECENT_CHUNK_SIZE)
}

t.test('answers in occurrence order fill chunks one after the other', async (t) => {
  const ledger = recordAnswers(emptyLedger, inOrder(3 * RECENT_CHUNK_SIZE + 5))
  t.strictSame(ledger.recent.map((chunk) => chunk.length), [RECENT_CHUNK_SIZE, RECENT_CHUNK_SIZE, RECENT_CHUNK_SIZE, 5])
  t.equal(recentCount(ledger), 3 * RECENT_CHUNK_SIZE + 5)
})

t.test('an answer in occurrence order leaves every chunk but the last shared with the previous ledger', async (t) => {
  const full = recordAnswers(emptyLedger, inOrder(10 * RECENT_CHUNK_SIZE))
  const next = T0 + 10 * RECENT_CHUNK_SIZE * MINUTE
  const started = recordAnswer(full, answer(next), next)
  t.equal(started.recent.length, 11, 'the last chunk was full: a new one is started')
  t.ok(full.recent.every((chunk, i) => started.recent[i] === chunk), 'all ten full chunks are the same objects')

  const extended = recordAnswer(started, answer(next + MINUTE), next + MINUTE)
  t.ok(started.recent.slice(0, -1).every((chunk, i) => extended.recent[i] === chunk), 'all chunks but the last are the same objects')
  t.strictSame(extended.recent.at(-1)?.map((a) => a[1]), [next, next + MINUTE])
  t.strictSame(started.recent.at(-1)?.map((a) => a[1]), [next], 'the previous ledger is left as it was')
})

t.test('a late answer copies only the chunk it lands in, halving it when full', async (t) => {
  const full = recordAnswers(emptyLedger, inOrder(10 * RECENT_CHUNK_SIZE))
  const before = recentAnswers(full)
  const lateAt = T0 + (3 * RECENT_CHUNK_SIZE + 10) * MINUTE // inside the fourth chunk, tied with an answer there
  const late = recordAnswer(full, answer(lateAt, false, 'late'), T0 + 10 * RECENT_CHUNK_SIZE * MINUTE)
  const [size, half] = [RECENT_CHUNK_SIZE, RECENT_CHUNK_SIZE / 2]
  t.strictSame(late.recent.map((chunk) => chunk.length), [size, size, size, half + 1, half, size, size, size, size, size, size])
  t.ok([0, 1, 2].every((i) => late.recent[i] === full.recent[i]) && [4, 5, 6, 7, 8, 9].every((i) => late.recent[i + 1] === full.recent[i]), 'the other chunks are shared')
  const index = 3 * RECENT_CHUNK_SIZE + 11
  t.strictSame(recentAnswers(late), [...before.slice(0, index), answer(lateAt, false, 'late'), ...before.slice(index)], 'slotted in after the answer it ties with')
  t.strictSame(recentAnswers(full), before, 'the previous ledger is left as it was')
})

t.test('answers leaving the late window drop whole chunks from the front and cut into the next', async (t) => {
  const full = recordAnswers(emptyLedger, inOrder(4 * RECENT_CHUNK_SIZE))
  // Received late enough that the first one and a half chunks fall behind the window.
  const settledUntil = T0 + (RECENT_CHUNK_SIZE * 3 / 2) * MINUTE
  const next = settledUntil + defaultMasteryParams.lateWindowMs
  const moved = recordAnswer(full, answer(next), next)
  t.strictSame(moved.recent.map((chunk) => chunk.length), [RECENT_CHUNK_SIZE / 2, RECENT_CHUNK_SIZE, RECENT_CHUNK_SIZE, 1])
  t.ok(moved.recent[1] === full.recent[2] && moved.recent[2] === full.recent[3], 'the chunks still within the window are shared')
  t.equal(moved.baseUntil, settledUntil - MINUTE)
  t.equal(recentCount(moved) + (moved.base.fractions?.answers ?? 0), 4 * RECENT_CHUNK_SIZE + 1)
})

// ----- properties -------------------------------------------------------------------------

interface Arrival { readonly answer: Answer, readonly recordedAt: number }

/** Arrivals with non-decreasing recordedAt, each answer occurring up to 30 days before it arrived. */
const arrivals: fc.Arbitrary<Arrival[]> = fc.array(fc.record({
  gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 12 * HOUR }), fc.integer({ min: 0, max: 20 * DAY })),
  lag: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 * DAY }), fc.integer({ min: 0, max: 30 * DAY })),
  conceptId: fc.constantFrom('a', 'b', 'c'),
  correct: fc.boolean(),
  responseMs: fc.integer({ min: 0, max: 40_000 })
}), { minLength: 1, maxLength: 40 }).map((rows) => {
  let recordedAt = T0
  return rows.map(({ gap, lag, conceptId, correct, responseMs }) => {
    recordedAt += gap
    // Whole minutes make equal occurredAt (ties) common enough to be exercised.
    const occurredAt = Math.floor((recordedAt - lag) / MINUTE) * MINUTE
    return { answer: { conceptId, occurredAt: Math.max(occurredAt, recordedAt - 30 * DAY), correct, responseMs }, recordedAt }
  })
})

t.test('PROPERTY late arrival: the ledger gives what replaying all answers in occurrence order gives', async (t) => {
  fc.assert(fc.property(arrivals, fc.nat({ max: 60 * DAY }), (rows, after) => {
    const ledger = rows.reduce((l, { answer: a, recordedAt }) => recordAnswer(l, a, recordedAt), emptyLedger)
    const answers = rows.map((row) => row.answer)
    const latest = Math.max(...answers.map((a) => a.occurredAt))
    const at = latest + after
    return sameStates(conceptStatesAt(ledger, at), foldAnswers(answers, at))
  }), { numRuns: 400 })
  t.pass()
})

t.test('PROPERTY any instant after the settled history is answered exactly', async (t) => {
  fc.assert(fc.property(arrivals, fc.double({ min: 0, max: 1, noNaN: true }), (rows, fraction) => {
    const ledger = rows.reduce((l, { answer: a, recordedAt }) => recordAnswer(l, a, recordedAt), emptyLedger)
    const answers = rows.map((row) => row.answer)
    const from = ledger.baseUntil ?? Math.min(...answers.map((a) => a.occurredAt))
    const to = Math.max(...answers.map((a) => a.occurredAt))
    const at = Math.round(from + (to - from) * fraction)
    return sameStates(conceptStatesAt(ledger, at), foldAnswers(answers, at))
  }), { numRuns: 300 })
  t.pass()
})

t.test('PROPERTY the ledger keeps raw only what a late answer could still overtake', async (t) => {
  fc.assert(fc.property(arrivals, (rows) => {
    const ledger = rows.reduce((l, { answer: a, recordedAt }) => recordAnswer(l, a, recordedAt), emptyLedger)
    const cutoff = (ledger.latestRecordedAt ?? 0) - 31 * DAY
    const recent = recentAnswers(ledger)
    const sorted = recent.every((a, i) => i === 0 || (recent[i - 1]?.occurredAt ?? -Infinity) <= a.occurredAt)
    const withinWindow = recent.every((a) => a.occurredAt >= cutoff && (ledger.baseUntil === null || a.occurredAt >= ledger.baseUntil))
    return sorted && withinWindow && recentCount(ledger) + Object.values(ledger.base).reduce((n, s) => n + s.answers, 0) === rows.length
  }), { numRuns: 300 })
  t.pass()
})

t.test('recording a batch of answers gives exactly the ledger of recording them one by one', async (t) => {
  const day = 24 * 3600_000
  const entry = fc.record({
    conceptId: fc.constantFrom('a', 'b', 'c'),
    lateBy: fc.integer({ min: 0, max: 40 * day }),
    gap: fc.integer({ min: 0, max: 3 * day }),
    correct: fc.boolean(),
    responseMs: fc.integer({ min: 500, max: 40_000 })
  })
  fc.assert(fc.property(fc.array(entry, { maxLength: 60 }), fc.integer({ min: 1, max: 60 }), (raw, split) => {
    let recordedAt = Date.UTC(2026, 0, 1)
    const entries = raw.map(e => {
      recordedAt += e.gap
      return { answer: { conceptId: e.conceptId, occurredAt: recordedAt - e.lateBy, correct: e.correct, responseMs: e.responseMs }, recordedAt }
    })
    const oneByOne = entries.reduce((l, e) => recordAnswer(l, e.answer, e.recordedAt), emptyLedger)
    const batched = recordAnswers(recordAnswers(emptyLedger, entries.slice(0, split)), entries.slice(split))
    t.same(JSON.parse(JSON.stringify(batched)), JSON.parse(JSON.stringify(oneByOne)))
    return true
  }), { numRuns: 300, seed: 42 })
})

/**
 * Long arrival sequences, mostly in occurrence order as apps send them: enough answers for
 * several chunks, ties, late answers landing inside full chunks, now and then a pause long
 * enough for chunks to leave the late window.
 */
const longArrivals: fc.Arbitrary<Arrival[]> = fc.array(fc.record({
  gap: fc.oneof(
    { arbitrary: fc.constant(0), weight: 450 },
    { arbitrary: fc.integer({ min: 0, max: 10 * MINUTE }), weight: 1049 },
    { arbitrary: fc.integer({ min: 0, max: 40 * DAY }), weight: 1 }),
  lag: fc.oneof(
    { arbitrary: fc.constant(0), weight: 16 },
    { arbitrary: fc.integer({ min: 0, max: 6 * HOUR }), weight: 2 },
    { arbitrary: fc.integer({ min: 0, max: 3 * DAY }), weight: 1 },
    { arbitrary: fc.integer({ min: 0, max: 30 * DAY }), weight: 1 }),
  conceptId: fc.constantFrom('a', 'b', 'c'),
  correct: fc.boolean()
}), { minLength: 1, maxLength: 6 * RECENT_CHUNK_SIZE, size: 'max' }).map((rows) => {
  let recordedAt = T0
  return rows.map(({ gap, lag, conceptId, correct }) => {
    recordedAt += gap
    const occurredAt = Math.floor((recordedAt - lag) / MINUTE) * MINUTE
    return { answer: { conceptId, occurredAt: Math.max(occurredAt, recordedAt - 30 * DAY), correct, responseMs: 2_000 }, recordedAt }
  })
})

/** Cuts `rows` into consecutive batches of the given sizes (the last one takes the rest). */
function batches<T> (rows: readonly T[], sizes: readonly number[]): T[][] {
  const cut: T[][] = []
  let from = 0
  for (const size of sizes) {
    if (from >= rows.length) break
    cut.push(rows.slice(from, from + size))
    from += size
  }
  if (from < rows.length) cut.push(rows.slice(from))
  return cut
}

t.test('PROPERTY chunked storage holds exactly the answers of a replay, however the answers are batched', async (t) => {
  const lateWindowMs = defaultMasteryParams.lateWindowMs
  fc.assert(fc.property(longArrivals, fc.array(fc.integer({ min: 1, max: 2 * RECENT_CHUNK_SIZE })), (rows, sizes) => {
    const answers = rows.map((row) => row.answer)
    // Within the API's 30 days nothing is clamped: the raw answers are all those that occurred
    // within the window of the latest received one, in occurrence order, ties in arrival order.
    const cutoff = Math.max(...rows.map((row) => row.recordedAt)) - lateWindowMs
    const expectedRecent = [...answers].sort((a, b) => a.occurredAt - b.occurredAt).filter((a) => a.occurredAt >= cutoff)
    const latest = Math.max(...answers.map((a) => a.occurredAt))
    const expectedStates = foldAnswers(answers, latest)

    const oneByOne = rows.reduce((l, row) => recordAnswer(l, row.answer, row.recordedAt), emptyLedger)
    // Each batch starts from a ledger read back from JSON, as the projection stores it.
    const batched = batches(rows, sizes).reduce((l, batch) => recordAnswers(JSON.parse(JSON.stringify(l)) as MasteryLedger, batch), emptyLedger)
    const matchesReplay = (ledger: MasteryLedger): boolean =>
      chunksWellFormed(ledger) && isDeepStrictEqual(recentAnswers(ledger), expectedRecent) && sameStates(conceptStatesAt(ledger, latest), expectedStates)
    // Same chunk boundaries too: a projection rebuilt in other batches must store the same documents.
    return matchesReplay(oneByOne) && matchesReplay(batched) && isDeepStrictEqual(batched, oneByOne)
  }), { numRuns: 60, interruptAfterTimeLimit: 10_000 }) // shrinking a thousand answers would take minutes: report what 10 s found
  t.pass()
})
