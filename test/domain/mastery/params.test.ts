import t from 'tap'
import { readFileSync } from 'node:fs'
import { defaultMasteryParams } from '../../../src/domain/mastery/params.ts'

const DAY = 24 * 60 * 60 * 1000
const p = defaultMasteryParams

t.test('the guarantees of the model hold for the default parameters', async (t) => {
  t.equal(p.maxLevel, 5, 'levels run from 0 Unknown to 5 Expert')
  t.ok(p.correctGain > 0 && p.correctGain <= 1, 'a correct answer gains something, never a whole level at once')
  t.ok(p.fastAnswerMs < p.slowAnswerMs, 'the gain tapers between a fast and a slow answer')
  t.ok(p.slowGainFactor > 0 && p.slowGainFactor <= 1, 'slow answers still gain, never more than quick ones')
  t.ok(p.wrongPenalty > 0, 'a wrong answer lowers the level')
  t.ok(p.spacingStartLevel === 1, 'a first session may reach Novice')
  t.ok(p.baseSpacingMs >= DAY && p.spacingGrowth >= 1, 'every wait above Novice lasts at least a day: no cramming')
  t.ok(p.forgetGraceMs >= DAY, 'a day off costs nothing')
  t.ok(p.baseHalfLifeMs >= 7 * DAY && p.halfLifeGrowth > 1, 'forgetting runs on a weekly scale, slower for higher levels')
  t.ok(p.lateWindowMs > 30 * DAY, 'the ledger can re-order anything the API accepts (30 days late)')
  t.ok(Object.isFrozen(p), 'the defaults cannot be changed by accident')
})

t.test('docs/mastery.md lists every parameter with its value', async (t) => {
  const docs = readFileSync(new URL('../../../docs/mastery.md', import.meta.url), 'utf8')
  for (const [name, value] of Object.entries(p)) {
    const row = docs.split('\n').find((line) => line.startsWith(`| \`${name}\` |`))
    t.ok(row?.includes(`\`${String(value)}\``), `${name} = ${value} is documented`)
  }
})
