// Session time in the two SCORM formats: 1.2 CMITimespan "HHHH:MM:SS.SS" and 2004's ISO 8601
// duration ("PT1H2M3.45S"). Invalid formats are a known reason LMSs drop a whole commit.
import t from 'tap'
import fc from 'fast-check'
import { loadLauncher, loadScormTime } from '../support/load-launcher.ts'

const time = await loadScormTime()
const hour = 3_600_000

t.test('SCORM 1.2 CMITimespan', async (t) => {
  const cases: Array<[number, string]> = [
    [0, '00:00:00.00'],
    [4, '00:00:00.00'],
    [5, '00:00:00.01'],
    [10, '00:00:00.01'],
    [1234, '00:00:01.23'],
    [1235, '00:00:01.24'],
    [59_994, '00:00:59.99'],
    [59_995, '00:01:00.00'],
    [hour - 5, '01:00:00.00'],
    [hour + 2 * 60_000 + 3_450, '01:02:03.45'],
    [10 * hour, '10:00:00.00'],
    [99 * hour + 59 * 60_000 + 59_990, '99:59:59.99'],
    [100 * hour, '100:00:00.00'],
    [1234 * hour + 5 * 60_000 + 6_780, '1234:05:06.78'],
    [9999 * hour + 59 * 60_000 + 59_990, '9999:59:59.99']
  ]
  for (const [ms, expected] of cases) t.equal(time.cmiTimespan(ms), expected, `${ms} ms`)
  t.equal(time.cmiTimespan(10_000 * hour), '9999:59:59.99', 'beyond four hour digits: the largest CMITimespan')
  t.equal(time.cmiTimespan(1e15), '9999:59:59.99', 'huge values too')
  t.equal(time.cmiTimespan(Number.POSITIVE_INFINITY), '9999:59:59.99', 'infinity too')
  t.equal(time.cmiTimespan(-1000), '00:00:00.00', 'negative durations count as zero')
  t.equal(time.cmiTimespan(Number.NaN), '00:00:00.00', 'NaN counts as zero')
})

t.test('every CMITimespan matches the format and reads back to the duration rounded to hundredths', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 9999 * hour }), (ms) => {
    const text = time.cmiTimespan(ms)
    const match = /^(\d{2,4}):([0-5]\d):([0-5]\d)\.(\d\d)$/.exec(text)
    if (match === null) return false
    const [, h, m, s, cs] = match.map(Number) as [number, number, number, number, number]
    return ((h * 60 + m) * 60 + s) * 100 + cs === Math.min(Math.round(ms / 10), (9999 * 3600 + 3599) * 100 + 99)
  }), { numRuns: 2000 })
  t.pass('2000 random durations')
})

t.test('SCORM 2004 ISO 8601 duration', async (t) => {
  const cases: Array<[number, string]> = [
    [0, 'PT0S'],
    [4, 'PT0S'],
    [5, 'PT0.01S'],
    [100, 'PT0.1S'],
    [1000, 'PT1S'],
    [1500, 'PT1.5S'],
    [1234, 'PT1.23S'],
    [1235, 'PT1.24S'],
    [59_995, 'PT1M'],
    [60_000, 'PT1M'],
    [61_000, 'PT1M1S'],
    [hour, 'PT1H'],
    [hour + 3_450, 'PT1H3.45S'],
    [hour + 2 * 60_000 + 3_450, 'PT1H2M3.45S'],
    [hour - 5, 'PT1H'],
    [25 * hour, 'PT25H'],
    [100 * hour + 1, 'PT100H'],
    [12_345 * hour + 6 * 60_000 + 7_890, 'PT12345H6M7.89S'],
    [1e12, 'PT277777H46M40S']
  ]
  for (const [ms, expected] of cases) t.equal(time.isoDuration(ms), expected, `${ms} ms`)
  t.equal(time.isoDuration(-1), 'PT0S', 'negative durations count as zero')
  t.equal(time.isoDuration(Number.NaN), 'PT0S', 'NaN counts as zero')
})

t.test('every ISO duration matches SCORM 2004 timeinterval and reads back to the duration rounded to hundredths', async (t) => {
  fc.assert(fc.property(fc.double({ min: 0, max: 1e13, noNaN: true }), (ms) => {
    const text = time.isoDuration(ms)
    const match = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d{1,2}))?S)?$/.exec(text)
    if (match === null || text === 'PT') return false
    const [h, m, s] = [match[1], match[2], match[3]].map((part) => Number(part ?? 0)) as [number, number, number]
    const cs = Number((match[4] ?? '').padEnd(2, '0'))
    if (match[4] !== undefined && match[4].endsWith('0')) return false // no trailing zeros
    return ((h * 60 + m) * 60 + s) * 100 + cs === Math.round(ms / 10)
  }), { numRuns: 2000 })
  t.pass('2000 random durations')
})

t.test('the launcher ships the same functions', async (t) => {
  const launcher = await loadLauncher()
  for (const ms of [0, 5, 1234, 3_723_450, 100 * hour]) {
    t.equal(launcher.cmiTimespan(ms), time.cmiTimespan(ms))
    t.equal(launcher.isoDuration(ms), time.isoDuration(ms))
  }
})
