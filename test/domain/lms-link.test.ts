import t from 'tap'
import { lmsLinkDecider, normalizeLmsUserId, type LmsLinkCommand, type LmsLinkEvent } from '../../src/domain/lms/lms-link.ts'
import type { CommandMetadata } from '../../src/domain/decider.ts'
import type { AppError } from '../../src/errors.ts'
import { metadata, specification } from './given-when-then.ts'

const lmsLink = specification(lmsLinkDecider)
const T0 = Date.UTC(2025, 2, 3, 9)
const ours = metadata('acc-a', T0)
const theirs = metadata('acc-b', T0)

type Data<T extends LmsLinkCommand['type']> = Extract<LmsLinkCommand, { type: T }>['data']
const command = <T extends LmsLinkCommand['type']>(type: T, data: Data<T>, meta: CommandMetadata = ours): LmsLinkCommand =>
  ({ type, data, metadata: meta }) as LmsLinkCommand

const link = (learnerId: string, source: 'admin' | 'import' | 'provisioned' = 'admin', lmsUserId = 'stu-42') =>
  command('LinkLmsUser', { lmsUserId, learnerId, source })
const linked = (learnerId: string, source: 'admin' | 'import' | 'provisioned' = 'admin', lmsUserId = 'stu-42'): LmsLinkEvent =>
  ({ type: 'LmsUserLinked', data: { accountId: 'acc-a', lmsUserId, learnerId, source } })
const unlinked = (learnerId: string, lmsUserId = 'stu-42'): LmsLinkEvent => ({ type: 'LmsUserUnlinked', data: { learnerId, lmsUserId } })

t.test('linking an LMS user id', async t => {
  t.test('records the link in the admin\'s account, with how it was made', async t => {
    lmsLink(t).given([]).when(link('lrn-1')).then([linked('lrn-1')])
    lmsLink(t).given([]).when(link('lrn-1', 'import')).then([linked('lrn-1', 'import')])
    lmsLink(t).given([]).when(link('lrn-1', 'provisioned')).then([linked('lrn-1', 'provisioned')])
  })

  t.test('to the learner who already holds it records nothing', async t => {
    lmsLink(t).given([linked('lrn-1')]).when(link('lrn-1')).then([], 'a retried link is a no-op')
    lmsLink(t).given([linked('lrn-1', 'import')]).when(link('lrn-1', 'admin')).then([], 'even when made another way')
  })

  t.test('to another learner is refused, naming the holder and asking to unlink first', async t => {
    const error = lmsLink(t).given([linked('lrn-1')]).when(link('lrn-2')).thenThrows('MS_ERR_LMS_LINK_CONFLICT')
    t.match(error?.message, /lrn-1/, 'the message names the learner holding the link')
    t.match(error?.message, /unlink/i, 'the message says to unlink first')
    t.same(error?.details, { lmsUserId: 'stu-42', linkedLearnerId: 'lrn-1' })
  })

  t.test('after an unlink, to anyone, records a new link (relinking keeps the history)', async t => {
    lmsLink(t).given([linked('lrn-1'), unlinked('lrn-1')]).when(link('lrn-2')).then([linked('lrn-2')])
    lmsLink(t).given([linked('lrn-1'), unlinked('lrn-1')]).when(link('lrn-1')).then([linked('lrn-1')])
    lmsLink(t).given([linked('lrn-1'), unlinked('lrn-1'), linked('lrn-2')]).when(link('lrn-1')).thenThrows('MS_ERR_LMS_LINK_CONFLICT')
  })

  t.test('is refused for an id that is empty, untrimmed, too long or holds control characters', async t => {
    for (const lmsUserId of ['', ' stu-42', 'stu-42 ', 'x'.repeat(256), 'stu\n42', 'stu\t42']) {
      lmsLink(t).given([]).when(link('lrn-1', 'admin', lmsUserId)).thenThrows('MS_ERR_VALIDATION', `refuses ${JSON.stringify(lmsUserId.slice(0, 20))}`)
    }
  })

  t.test('accepts any opaque id up to 255 characters, case and all', async t => {
    for (const lmsUserId of ['x'.repeat(255), 'ÉLÈVE-42', 'a/b?c#d%20', 'user@lms.example', '🎓'.repeat(255)]) {
      lmsLink(t).given([]).when(link('lrn-1', 'admin', lmsUserId)).then([linked('lrn-1', 'admin', lmsUserId)])
    }
  })

  t.test('a stream of another account reads as not found', async t => {
    lmsLink(t).given([linked('lrn-1')]).when(command('LinkLmsUser', { lmsUserId: 'stu-42', learnerId: 'lrn-9', source: 'admin' }, theirs)).thenThrows('MS_ERR_NOT_FOUND')
  })
})

t.test('unlinking', async t => {
  t.test('by the learner who holds the link records it, naming the LMS user id', async t => {
    lmsLink(t).given([linked('lrn-1')]).when(command('UnlinkLmsUser', { learnerId: 'lrn-1' })).then([unlinked('lrn-1')])
  })

  t.test('by a learner who does not hold it is not found', async t => {
    lmsLink(t).given([linked('lrn-1')]).when(command('UnlinkLmsUser', { learnerId: 'lrn-2' })).thenThrows('MS_ERR_NOT_FOUND', 'another learner cannot release it')
    lmsLink(t).given([]).when(command('UnlinkLmsUser', { learnerId: 'lrn-1' })).thenThrows('MS_ERR_NOT_FOUND', 'never linked')
    lmsLink(t).given([linked('lrn-1'), unlinked('lrn-1')]).when(command('UnlinkLmsUser', { learnerId: 'lrn-1' })).thenThrows('MS_ERR_NOT_FOUND', 'already unlinked')
  })

  t.test('from another account is not found', async t => {
    lmsLink(t).given([linked('lrn-1')]).when(command('UnlinkLmsUser', { learnerId: 'lrn-1' }, theirs)).thenThrows('MS_ERR_NOT_FOUND')
  })
})

t.test('the state follows the history', async t => {
  const fold = (events: LmsLinkEvent[]) => events.reduce(lmsLinkDecider.evolve, lmsLinkDecider.initialState)
  t.same(fold([]), { accountId: undefined, lmsUserId: undefined, learnerId: undefined, source: undefined })
  t.same(fold([linked('lrn-1', 'import')]), { accountId: 'acc-a', lmsUserId: 'stu-42', learnerId: 'lrn-1', source: 'import' })
  t.same(fold([linked('lrn-1'), unlinked('lrn-1')]), { accountId: 'acc-a', lmsUserId: 'stu-42', learnerId: undefined, source: undefined })
  t.same(fold([linked('lrn-1'), unlinked('lrn-1'), linked('lrn-2', 'provisioned')]).learnerId, 'lrn-2')
})

t.test('normalizing LMS user ids', async t => {
  t.equal(normalizeLmsUserId('  stu-42\t'), 'stu-42', 'surrounding whitespace goes')
  t.equal(normalizeLmsUserId('Stu-42'), 'Stu-42', 'case stays: LMS ids are opaque')
  t.equal(normalizeLmsUserId('a b'), 'a b', 'inner spaces stay')
  const code = (raw: string) => { try { normalizeLmsUserId(raw); return undefined } catch (e) { return (e as AppError).code } }
  t.equal(code('   '), 'MS_ERR_VALIDATION', 'blank is refused')
  t.equal(code('x'.repeat(256)), 'MS_ERR_VALIDATION', 'over 255 characters is refused')
  t.equal(code('a\u0000b'), 'MS_ERR_VALIDATION', 'control characters are refused')
})
