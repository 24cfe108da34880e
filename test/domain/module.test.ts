import t from 'tap'
import { moduleDecider, type ModuleCommand, type ModuleEvent, type Option } from '../../src/domain/content/module.ts'
import type { CommandMetadata } from '../../src/domain/decider.ts'
import { metadata, specification } from './given-when-then.ts'

const module = specification(moduleDecider)
const T0 = Date.UTC(2025, 2, 3, 9)
const ours = metadata('acc-a', T0)
const theirs = metadata('acc-b', T0)

type Data<T extends ModuleCommand['type']> = Extract<ModuleCommand, { type: T }>['data']
const command = <T extends ModuleCommand['type']>(type: T, data: Data<T>, meta: CommandMetadata = ours): ModuleCommand =>
  ({ type, data, metadata: meta }) as ModuleCommand

const options: readonly Option[] = [
  { id: 'a', text: '1/2', correct: true },
  { id: 'b', text: '2/4', correct: true },
  { id: 'c', text: '1/3', correct: false }
]

const created: ModuleEvent = { type: 'ModuleCreated', data: { moduleId: 'mod-1', accountId: 'acc-a', title: 'Fractions' } }
const conceptAdded: ModuleEvent = { type: 'ConceptAdded', data: { conceptId: 'con-1', title: 'Equivalent fractions' } }
const activityAdded: ModuleEvent = { type: 'ActivityAdded', data: { activityId: 'act-1', conceptId: 'con-1', prompt: 'Which equal one half?', options: [...options] } }
const cardAdded: ModuleEvent = { type: 'CardAdded', data: { cardId: 'crd-1', conceptId: 'con-1', title: 'Halves', body: 'Two quarters make a half.' } }
const authored: readonly ModuleEvent[] = [created, conceptAdded, activityAdded, cardAdded]

const conceptRemoved: ModuleEvent = { type: 'ConceptRemoved', data: { conceptId: 'con-1' } }
const activityRemoved: ModuleEvent = { type: 'ActivityRemoved', data: { activityId: 'act-1' } }
const cardRemoved: ModuleEvent = { type: 'CardRemoved', data: { cardId: 'crd-1' } }

/** One valid command of each kind that edits an existing module. */
const edits = (meta: CommandMetadata = ours): readonly ModuleCommand[] => [
  command('ChangeModule', { title: 'Fractions, again' }, meta),
  command('RemoveModule', {}, meta),
  command('AddConcept', { conceptId: 'con-2', title: 'Comparing fractions' }, meta),
  command('ChangeConcept', { conceptId: 'con-1', title: 'Equal fractions' }, meta),
  command('RemoveConcept', { conceptId: 'con-1' }, meta),
  command('AddActivity', { activityId: 'act-2', conceptId: 'con-1', prompt: 'Which is a half?', options }, meta),
  command('ChangeActivity', { activityId: 'act-1', prompt: 'Which equal a half?' }, meta),
  command('RemoveActivity', { activityId: 'act-1' }, meta),
  command('AddCard', { cardId: 'crd-2', conceptId: 'con-1', title: 'Quarters', body: 'Four quarters make a whole.' }, meta),
  command('ChangeCard', { cardId: 'crd-1', body: 'Two quarters make one half.' }, meta),
  command('RemoveCard', { cardId: 'crd-1' }, meta)
]

t.test('creating a module', async t => {
  t.test('records it in the author\'s account, whatever the command data says', async t => {
    module(t).given([]).when(command('CreateModule', { moduleId: 'mod-1', title: 'Fractions', description: 'Halves, quarters and thirds.' }))
      .then([{ type: 'ModuleCreated', data: { moduleId: 'mod-1', title: 'Fractions', description: 'Halves, quarters and thirds.', accountId: 'acc-a' } }])
  })

  t.test('needs no description', async t => {
    module(t).given([]).when(command('CreateModule', { moduleId: 'mod-1', title: 'Fractions' })).then([created])
  })

  t.test('is refused when the module already exists', async t => {
    module(t).given([created]).when(command('CreateModule', { moduleId: 'mod-1', title: 'Fractions' })).thenThrows('MS_ERR_ALREADY_EXISTS')
  })
})

t.test('every edit of a module', async t => {
  for (const edit of edits()) {
    t.test(`${edit.type} is refused when the module does not exist`, async t => {
      module(t).given([]).when(edit).thenThrows('MS_ERR_NOT_FOUND')
    })
    t.test(`${edit.type} is refused once the module was removed`, async t => {
      module(t).given([...authored, { type: 'ModuleRemoved', data: {} }]).when(edit).thenThrows('MS_ERR_REMOVED')
    })
  }
  for (const edit of edits(theirs)) {
    t.test(`${edit.type} from another account reads as not found`, async t => {
      module(t).given(authored).when(edit).thenThrows('MS_ERR_NOT_FOUND')
    })
    t.test(`${edit.type} from another account reads as not found, even once the module was removed`, async t => {
      module(t).given([...authored, { type: 'ModuleRemoved', data: {} }]).when(edit).thenThrows('MS_ERR_NOT_FOUND')
    })
  }
})

t.test('changing and removing a module', async t => {
  t.test('a change records the new title and description', async t => {
    module(t).given([created]).when(command('ChangeModule', { title: 'Fractions II', description: 'Now with thirds.' }))
      .then([{ type: 'ModuleChanged', data: { title: 'Fractions II', description: 'Now with thirds.' } }])
  })

  t.test('removal is recorded', async t => {
    module(t).given(authored).when(command('RemoveModule', {})).then([{ type: 'ModuleRemoved', data: {} }])
  })
})

t.test('concepts', async t => {
  t.test('adding one records it', async t => {
    module(t).given([created]).when(command('AddConcept', { conceptId: 'con-1', title: 'Equivalent fractions' })).then([conceptAdded])
  })

  t.test('adding one with an id already used is refused, even when that concept was removed', async t => {
    const add = command('AddConcept', { conceptId: 'con-1', title: 'Again' })
    module(t).given([created, conceptAdded]).when(add).thenThrows('MS_ERR_ALREADY_EXISTS', 'live concept')
    module(t).given([created, conceptAdded, conceptRemoved]).when(add).thenThrows('MS_ERR_ALREADY_EXISTS', 'removed concept')
  })

  t.test('renaming one records the new title', async t => {
    module(t).given([created, conceptAdded]).when(command('ChangeConcept', { conceptId: 'con-1', title: 'Equal fractions' }))
      .then([{ type: 'ConceptChanged', data: { conceptId: 'con-1', title: 'Equal fractions' } }])
  })

  t.test('removing one records it', async t => {
    module(t).given([created, conceptAdded]).when(command('RemoveConcept', { conceptId: 'con-1' })).then([conceptRemoved])
  })

  t.test('renaming or removing an unknown concept is refused as not found', async t => {
    module(t).given([created]).when(command('ChangeConcept', { conceptId: 'con-9', title: 'X' })).thenThrows('MS_ERR_NOT_FOUND', 'rename')
    module(t).given([created]).when(command('RemoveConcept', { conceptId: 'con-9' })).thenThrows('MS_ERR_NOT_FOUND', 'remove')
  })

  t.test('renaming or removing a removed concept is refused as removed', async t => {
    const removed = [created, conceptAdded, conceptRemoved]
    module(t).given(removed).when(command('ChangeConcept', { conceptId: 'con-1', title: 'X' })).thenThrows('MS_ERR_REMOVED', 'rename')
    module(t).given(removed).when(command('RemoveConcept', { conceptId: 'con-1' })).thenThrows('MS_ERR_REMOVED', 'remove again')
  })
})

t.test('activities', async t => {
  const base = [created, conceptAdded]
  const add = (data: Partial<Data<'AddActivity'>> = {}): ModuleCommand =>
    command('AddActivity', { activityId: 'act-1', conceptId: 'con-1', prompt: 'Which equal one half?', options, ...data })

  t.test('adding one with several correct options records it', async t => {
    module(t).given(base).when(add()).then([activityAdded])
  })

  t.test('adding one needs at least one correct option', async t => {
    const error = module(t).given(base).when(add({ options: [{ id: 'a', text: '1/3', correct: false }, { id: 'b', text: '1/4', correct: false }] }))
      .thenThrows('MS_ERR_INVALID_ACTIVITY')
    t.match(error?.message, /correct option/, 'the message says what is missing')
  })

  t.test('adding one needs option ids unique within the activity', async t => {
    const error = module(t).given(base).when(add({ options: [{ id: 'a', text: '1/2', correct: true }, { id: 'a', text: '1/3', correct: false }] }))
      .thenThrows('MS_ERR_INVALID_ACTIVITY')
    t.match(error?.message, /unique/, 'the message says ids must be unique')
  })

  t.test('adding one to an unknown concept is refused as not found', async t => {
    module(t).given(base).when(add({ conceptId: 'con-9' })).thenThrows('MS_ERR_NOT_FOUND')
  })

  t.test('adding one to a removed concept is refused as removed', async t => {
    module(t).given([...base, conceptRemoved]).when(add()).thenThrows('MS_ERR_REMOVED')
  })

  t.test('adding one with an id already used is refused, even when that activity was removed', async t => {
    module(t).given([...base, activityAdded]).when(add({ prompt: 'Again?' })).thenThrows('MS_ERR_ALREADY_EXISTS', 'live activity')
    module(t).given([...base, activityAdded, activityRemoved]).when(add({ prompt: 'Again?' })).thenThrows('MS_ERR_ALREADY_EXISTS', 'removed activity')
  })

  t.test('changing the prompt alone records just the prompt', async t => {
    module(t).given(authored).when(command('ChangeActivity', { activityId: 'act-1', prompt: 'Which are halves?' }))
      .then([{ type: 'ActivityChanged', data: { activityId: 'act-1', prompt: 'Which are halves?' } }])
  })

  t.test('changing the options records the new options', async t => {
    const newOptions = [{ id: 'x', text: '3/6', correct: true }, { id: 'y', text: '3/5', correct: false }]
    module(t).given(authored).when(command('ChangeActivity', { activityId: 'act-1', options: newOptions }))
      .then([{ type: 'ActivityChanged', data: { activityId: 'act-1', options: newOptions } }])
  })

  t.test('changing the options is held to the same rules as adding', async t => {
    module(t).given(authored).when(command('ChangeActivity', { activityId: 'act-1', options: [{ id: 'x', text: '3/5', correct: false }, { id: 'y', text: '3/7', correct: false }] }))
      .thenThrows('MS_ERR_INVALID_ACTIVITY', 'no correct option')
    module(t).given(authored).when(command('ChangeActivity', { activityId: 'act-1', options: [{ id: 'x', text: '3/6', correct: true }, { id: 'x', text: '3/7', correct: false }] }))
      .thenThrows('MS_ERR_INVALID_ACTIVITY', 'duplicate option ids')
  })

  t.test('removing one records it', async t => {
    module(t).given(authored).when(command('RemoveActivity', { activityId: 'act-1' })).then([activityRemoved])
  })

  t.test('changing or removing an unknown activity is refused as not found', async t => {
    module(t).given(authored).when(command('ChangeActivity', { activityId: 'act-9', prompt: 'X?' })).thenThrows('MS_ERR_NOT_FOUND', 'change')
    module(t).given(authored).when(command('RemoveActivity', { activityId: 'act-9' })).thenThrows('MS_ERR_NOT_FOUND', 'remove')
  })

  t.test('changing or removing a removed activity is refused as removed', async t => {
    const removed = [...authored, activityRemoved]
    module(t).given(removed).when(command('ChangeActivity', { activityId: 'act-1', prompt: 'X?' })).thenThrows('MS_ERR_REMOVED', 'change')
    module(t).given(removed).when(command('RemoveActivity', { activityId: 'act-1' })).thenThrows('MS_ERR_REMOVED', 'remove again')
  })
})

t.test('knowledge cards', async t => {
  const base = [created, conceptAdded]
  const add = (data: Partial<Data<'AddCard'>> = {}): ModuleCommand =>
    command('AddCard', { cardId: 'crd-1', conceptId: 'con-1', title: 'Halves', body: 'Two quarters make a half.', ...data })

  t.test('adding one records it', async t => {
    module(t).given(base).when(add()).then([cardAdded])
  })

  t.test('adding one to an unknown concept is refused as not found', async t => {
    module(t).given(base).when(add({ conceptId: 'con-9' })).thenThrows('MS_ERR_NOT_FOUND')
  })

  t.test('adding one to a removed concept is refused as removed', async t => {
    module(t).given([...base, conceptRemoved]).when(add()).thenThrows('MS_ERR_REMOVED')
  })

  t.test('adding one with an id already used is refused, even when that card was removed', async t => {
    module(t).given([...base, cardAdded]).when(add()).thenThrows('MS_ERR_ALREADY_EXISTS', 'live card')
    module(t).given([...base, cardAdded, cardRemoved]).when(add()).thenThrows('MS_ERR_ALREADY_EXISTS', 'removed card')
  })

  t.test('changing one records what changed', async t => {
    module(t).given(authored).when(command('ChangeCard', { cardId: 'crd-1', title: 'One half' }))
      .then([{ type: 'CardChanged', data: { cardId: 'crd-1', title: 'One half' } }])
  })

  t.test('removing one records it', async t => {
    module(t).given(authored).when(command('RemoveCard', { cardId: 'crd-1' })).then([cardRemoved])
  })

  t.test('changing or removing an unknown card is refused as not found', async t => {
    module(t).given(authored).when(command('ChangeCard', { cardId: 'crd-9', title: 'X' })).thenThrows('MS_ERR_NOT_FOUND', 'change')
    module(t).given(authored).when(command('RemoveCard', { cardId: 'crd-9' })).thenThrows('MS_ERR_NOT_FOUND', 'remove')
  })

  t.test('changing or removing a removed card is refused as removed', async t => {
    const removed = [...authored, cardRemoved]
    module(t).given(removed).when(command('ChangeCard', { cardId: 'crd-1', title: 'X' })).thenThrows('MS_ERR_REMOVED', 'change')
    module(t).given(removed).when(command('RemoveCard', { cardId: 'crd-1' })).thenThrows('MS_ERR_REMOVED', 'remove again')
  })
})
