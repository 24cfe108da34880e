import t from 'tap'
import { learnerDecider, type LearnerCommand, type LearnerEvent } from '../../src/domain/learner/learner.ts'
import type { CommandMetadata } from '../../src/domain/decider.ts'
import { metadata, specification } from './given-when-then.ts'

const learner = specification(learnerDecider)
const T0 = Date.UTC(2025, 2, 3, 9)
const ours = metadata('acc-a', T0)
const theirs = metadata('acc-b', T0)
const self = metadata('acc-a', T0, { kind: 'learner', id: 'lrn-1' })

type Data<T extends LearnerCommand['type']> = Extract<LearnerCommand, { type: T }>['data']
const command = <T extends LearnerCommand['type']>(type: T, data: Data<T>, meta: CommandMetadata = ours): LearnerCommand =>
  ({ type, data, metadata: meta }) as LearnerCommand

const registration = { learnerId: 'lrn-1', name: 'Ada Lovelace', email: 'ada@example.com', passwordHash: 'scrypt$salt$hash', attributes: { department: 'Engineering' } }
const registered: LearnerEvent = { type: 'LearnerRegistered', data: { ...registration, accountId: 'acc-a' } }
const expiresAt = new Date(T0 + 7 * 24 * 3600_000).toISOString()
const signedIn = (sessionId: string): LearnerEvent => ({ type: 'LearnerSignedIn', data: { sessionId, expiresAt } })
const signedOut = (sessionId: string): LearnerEvent => ({ type: 'LearnerSignedOut', data: { sessionId } })
const assigned = (profileId: string): LearnerEvent => ({ type: 'ProfileAssigned', data: { profileId, reason: 'admin' } })
const unassigned = (profileId: string): LearnerEvent => ({ type: 'ProfileUnassigned', data: { profileId, reason: 'admin' } })

const edits = (meta: CommandMetadata = ours): readonly LearnerCommand[] => [
  command('ChangePassword', { passwordHash: 'scrypt$salt$other' }, meta),
  command('SignIn', { sessionId: 'ses-1', expiresAt }, meta),
  command('SignOut', { sessionId: 'ses-1' }, meta),
  command('AssignProfile', { profileId: 'pro-1', reason: 'admin' }, meta),
  command('UnassignProfile', { profileId: 'pro-1', reason: 'admin' }, meta)
]

t.test('registering a learner', async t => {
  t.test('records them in the admin\'s account, with their attributes', async t => {
    learner(t).given([]).when(command('RegisterLearner', registration)).then([registered])
  })

  t.test('is refused when the learner already exists', async t => {
    learner(t).given([registered]).when(command('RegisterLearner', registration)).thenThrows('MS_ERR_ALREADY_EXISTS')
  })
})

t.test('every change to a learner', async t => {
  for (const edit of edits()) {
    t.test(`${edit.type} is refused when the learner does not exist`, async t => {
      learner(t).given([]).when(edit).thenThrows('MS_ERR_NOT_FOUND')
    })
  }
  for (const edit of edits(theirs)) {
    t.test(`${edit.type} from another account reads as not found`, async t => {
      learner(t).given([registered, signedIn('ses-1'), assigned('pro-1')]).when(edit).thenThrows('MS_ERR_NOT_FOUND')
    })
  }
})

t.test('passwords and sessions', async t => {
  t.test('changing the password records the new hash', async t => {
    learner(t).given([registered]).when(command('ChangePassword', { passwordHash: 'scrypt$salt$other' }, self))
      .then([{ type: 'LearnerPasswordChanged', data: { passwordHash: 'scrypt$salt$other' } }])
  })

  t.test('signing in records the session and when it expires', async t => {
    learner(t).given([registered]).when(command('SignIn', { sessionId: 'ses-1', expiresAt }, self)).then([signedIn('ses-1')])
  })

  t.test('signing out of an open session records it, leaving other sessions open', async t => {
    learner(t).given([registered, signedIn('ses-1'), signedIn('ses-2')]).when(command('SignOut', { sessionId: 'ses-1' }, self)).then([signedOut('ses-1')], 'first session')
    learner(t).given([registered, signedIn('ses-1'), signedIn('ses-2'), signedOut('ses-1')])
      .when(command('SignOut', { sessionId: 'ses-2' }, self)).then([signedOut('ses-2')], 'second session, after the first')
  })

  t.test('signing out of an unknown session records nothing', async t => {
    learner(t).given([registered, signedIn('ses-1')]).when(command('SignOut', { sessionId: 'ses-9' }, self)).then([])
  })

  t.test('signing out twice records nothing the second time', async t => {
    learner(t).given([registered, signedIn('ses-1'), signedOut('ses-1')]).when(command('SignOut', { sessionId: 'ses-1' }, self)).then([])
  })

  t.test('changing the password ends every open session, so signing out of one afterwards records nothing', async t => {
    learner(t).given([registered, signedIn('ses-1'), { type: 'LearnerPasswordChanged', data: { passwordHash: 'scrypt$salt$other' } }])
      .when(command('SignOut', { sessionId: 'ses-1' }, self)).then([])
  })
})

t.test('profile assignments', async t => {
  t.test('assigning a profile records it with the reason', async t => {
    learner(t).given([registered]).when(command('AssignProfile', { profileId: 'pro-1', reason: 'lms launch' }))
      .then([{ type: 'ProfileAssigned', data: { profileId: 'pro-1', reason: 'lms launch' } }])
  })

  t.test('assigning a profile already assigned records nothing', async t => {
    learner(t).given([registered, assigned('pro-1')]).when(command('AssignProfile', { profileId: 'pro-1', reason: 'lms launch' })).then([])
  })

  t.test('unassigning an assigned profile records it', async t => {
    learner(t).given([registered, assigned('pro-1'), assigned('pro-2')]).when(command('UnassignProfile', { profileId: 'pro-1', reason: 'admin' }))
      .then([unassigned('pro-1')])
  })

  t.test('unassigning a profile not assigned records nothing', async t => {
    learner(t).given([registered, assigned('pro-2')]).when(command('UnassignProfile', { profileId: 'pro-1', reason: 'admin' })).then([], 'never assigned')
    learner(t).given([registered, assigned('pro-1'), unassigned('pro-1')])
      .when(command('UnassignProfile', { profileId: 'pro-1', reason: 'admin' })).then([], 'already unassigned')
  })

  t.test('an unassigned profile can be assigned again', async t => {
    learner(t).given([registered, assigned('pro-1'), unassigned('pro-1')]).when(command('AssignProfile', { profileId: 'pro-1', reason: 'admin' }))
      .then([assigned('pro-1')])
  })
})
