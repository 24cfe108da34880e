import t from 'tap'
import { profileDecider, type ProfileCommand, type ProfileEvent } from '../../src/domain/profile/profile.ts'
import type { CommandMetadata } from '../../src/domain/decider.ts'
import { metadata, specification } from './given-when-then.ts'

const profile = specification(profileDecider)
const T0 = Date.UTC(2025, 2, 3, 9)
const ours = metadata('acc-a', T0)
const theirs = metadata('acc-b', T0)

type Data<T extends ProfileCommand['type']> = Extract<ProfileCommand, { type: T }>['data']
const command = <T extends ProfileCommand['type']>(type: T, data: Data<T>, meta: CommandMetadata = ours): ProfileCommand =>
  ({ type, data, metadata: meta }) as ProfileCommand

const created: ProfileEvent = { type: 'ProfileCreated', data: { profileId: 'pro-1', accountId: 'acc-a', name: 'Year 7 maths' } }
const goalSet = (moduleId: string, goal: number): ProfileEvent => ({ type: 'ProfileModuleGoalSet', data: { moduleId, goal } })
const lms = (enabled: boolean): ProfileEvent => ({ type: 'LmsIntegrationToggled', data: { enabled } })

const edits = (meta: CommandMetadata = ours): readonly ProfileCommand[] => [
  command('RenameProfile', { name: 'Year 8 maths' }, meta),
  command('SetModuleGoal', { moduleId: 'mod-1', goal: 3 }, meta),
  command('RemoveModuleFromProfile', { moduleId: 'mod-1' }, meta),
  command('SetLmsIntegration', { enabled: true }, meta)
]

t.test('creating a Mastery Profile', async t => {
  t.test('records it in the author\'s account, with LMS integration off', async t => {
    profile(t).given([]).when(command('CreateProfile', { profileId: 'pro-1', name: 'Year 7 maths' })).then([created])
    t.equal(profileDecider.evolve(profileDecider.initialState, created).lmsIntegration, false, 'LMS integration starts off')
  })

  t.test('is refused when the profile already exists', async t => {
    profile(t).given([created]).when(command('CreateProfile', { profileId: 'pro-1', name: 'Again' })).thenThrows('MS_ERR_ALREADY_EXISTS')
  })
})

t.test('every edit of a profile', async t => {
  for (const edit of edits()) {
    t.test(`${edit.type} is refused when the profile does not exist`, async t => {
      profile(t).given([]).when(edit).thenThrows('MS_ERR_NOT_FOUND')
    })
  }
  for (const edit of edits(theirs)) {
    t.test(`${edit.type} from another account reads as not found`, async t => {
      profile(t).given([created, goalSet('mod-1', 2)]).when(edit).thenThrows('MS_ERR_NOT_FOUND')
    })
  }
})

t.test('renaming', async t => {
  t.test('records the new name', async t => {
    profile(t).given([created]).when(command('RenameProfile', { name: 'Year 8 maths' }))
      .then([{ type: 'ProfileRenamed', data: { name: 'Year 8 maths' } }])
  })

  t.test('to the current name records nothing, including after an earlier rename', async t => {
    profile(t).given([created]).when(command('RenameProfile', { name: 'Year 7 maths' })).then([], 'original name')
    profile(t).given([created, { type: 'ProfileRenamed', data: { name: 'Year 8 maths' } }])
      .when(command('RenameProfile', { name: 'Year 8 maths' })).then([], 'renamed name')
  })
})

t.test('module goals', async t => {
  t.test('adding a module with a goal records it', async t => {
    profile(t).given([created]).when(command('SetModuleGoal', { moduleId: 'mod-1', goal: 3 })).then([goalSet('mod-1', 3)])
  })

  t.test('changing a module\'s goal records the new goal', async t => {
    profile(t).given([created, goalSet('mod-1', 3)]).when(command('SetModuleGoal', { moduleId: 'mod-1', goal: 5 })).then([goalSet('mod-1', 5)])
  })

  t.test('setting the goal a module already has records nothing', async t => {
    profile(t).given([created, goalSet('mod-1', 3), goalSet('mod-2', 4)]).when(command('SetModuleGoal', { moduleId: 'mod-1', goal: 3 })).then([])
  })

  t.test('removing a module from the profile records it', async t => {
    profile(t).given([created, goalSet('mod-1', 3)]).when(command('RemoveModuleFromProfile', { moduleId: 'mod-1' }))
      .then([{ type: 'ProfileModuleRemoved', data: { moduleId: 'mod-1' } }])
  })

  t.test('removing a module that is not in the profile is refused as not found', async t => {
    profile(t).given([created, goalSet('mod-2', 3)]).when(command('RemoveModuleFromProfile', { moduleId: 'mod-1' })).thenThrows('MS_ERR_NOT_FOUND', 'never added')
    profile(t).given([created, goalSet('mod-1', 3), { type: 'ProfileModuleRemoved', data: { moduleId: 'mod-1' } }])
      .when(command('RemoveModuleFromProfile', { moduleId: 'mod-1' })).thenThrows('MS_ERR_NOT_FOUND', 'already removed')
  })

  t.test('a removed module can be added back at its old goal', async t => {
    profile(t).given([created, goalSet('mod-1', 3), { type: 'ProfileModuleRemoved', data: { moduleId: 'mod-1' } }])
      .when(command('SetModuleGoal', { moduleId: 'mod-1', goal: 3 })).then([goalSet('mod-1', 3)])
  })
})

t.test('LMS integration', async t => {
  t.test('switching it on records it', async t => {
    profile(t).given([created]).when(command('SetLmsIntegration', { enabled: true })).then([lms(true)])
  })

  t.test('switching it off again records it', async t => {
    profile(t).given([created, lms(true)]).when(command('SetLmsIntegration', { enabled: false })).then([lms(false)])
  })

  t.test('setting it to its current state records nothing', async t => {
    profile(t).given([created]).when(command('SetLmsIntegration', { enabled: false })).then([], 'off when new, set off')
    profile(t).given([created, lms(true)]).when(command('SetLmsIntegration', { enabled: true })).then([], 'on, set on')
    profile(t).given([created, lms(true), lms(false)]).when(command('SetLmsIntegration', { enabled: false })).then([], 'on then off, set off')
  })
})
