// cmi5 and Tin Can as data: launch parameters, LMS.LaunchData, and the statements a commit on exit
// sends. Statements are checked with the stand-in LRS's own validators (xAPI 1.0.3 structure,
// cmi5 rules), which were written from the specifications, not from this code.
import t, { type Test } from 'tap'
import {
  cmi5Completed, cmi5ExitStatements, cmi5Initialized, cmi5Iris, cmi5Passed, cmi5Terminated, displayNameOf, isoDuration,
  lmsUserIdOf, parseCmi5LaunchData, parseCmi5LaunchParams, parseTincanLaunchParams, sameStatement, tincanExitStatements,
  utcTimestamp, xapiProgressExtension,
  type Cmi5ExitVerb, type Cmi5LaunchData, type Cmi5LaunchMode, type Cmi5Session, type Parsed, type TincanSession, type XapiStatement
} from '../../../src/domain/lms/xapi.ts'
import { commitValues } from '../../../src/domain/lms/commit-values.ts'
import { checkStatement, type JsonObject } from '../../helpers/peers/xapi-statement.ts'
import { judgeStatement, newSessionProgress, type Cmi5LaunchFacts } from '../../helpers/peers/cmi5-rules.ts'

const learning = commitValues({ progress: 0.456, mastered: false, previouslyPassed: false, sessionMs: 754_400, previousLmsMs: 1_000_000 })
const mastered = commitValues({ progress: 1, mastered: true, previouslyPassed: false, sessionMs: 61_000, previousLmsMs: 3_600_000 })

function ok<T> (t: Test, parsed: Parsed<T>): T {
  if (!parsed.ok) {
    t.fail(`expected a value, got problems: ${parsed.problems.join('; ')}`)
    throw new Error('not parsed')
  }
  return parsed.value
}

function problems<T> (parsed: Parsed<T>): string {
  return parsed.ok ? '(parsed without problems)' : parsed.problems.join('\n')
}

// cmi5 8.1's example launch, with a parameter of the AU URL's own first.
const specActor = '{"objectType": "Agent","account": {"homePage": "http://www.example.com","name": "1625378"}}'
const specLaunch = {
  package: 'pkg-1',
  activityId: 'http://www.example.com/LA1/001/intro',
  registration: '760e3480-ba55-4991-94b0-01820dbd23a2',
  actor: specActor,
  fetch: 'http://lms.example.com/tokenGen.htm?k=2390289x0',
  endpoint: 'http://lrs.example.com/lrslistener/'
}

t.test('cmi5 launch parameters: the spec\'s example, in any order, from a URL or a parsed query', async t => {
  const query = new URLSearchParams(specLaunch)
  const fromUrl = ok(t, parseCmi5LaunchParams(new URL(`https://svc.example.com/lms/cmi5/launch?${query}`).searchParams))
  t.same(fromUrl, {
    endpoint: 'http://lrs.example.com/lrslistener/',
    fetch: 'http://lms.example.com/tokenGen.htm?k=2390289x0',
    actor: { objectType: 'Agent', account: { homePage: 'http://www.example.com', name: '1625378' } },
    registration: '760e3480-ba55-4991-94b0-01820dbd23a2',
    activityId: 'http://www.example.com/LA1/001/intro'
  })
  t.same(ok(t, parseCmi5LaunchParams(specLaunch)), fromUrl, 'a parsed query object reads the same')
  t.same(ok(t, parseCmi5LaunchParams({ ...specLaunch, registration: [specLaunch.registration, specLaunch.registration] })).registration, specLaunch.registration, 'a parameter repeated with the same value is fine')
  const named = ok(t, parseCmi5LaunchParams({ ...specLaunch, actor: '{"name":"Ada","account":{"homePage":"https://lms.example.com","name":"u-1"},"extra":1}' }))
  t.same(named.actor, { objectType: 'Agent', name: 'Ada', account: { homePage: 'https://lms.example.com', name: 'u-1' } }, 'only what xAPI allows is kept')
})

t.test('cmi5 launch parameters: each problem says what is wrong', async t => {
  const without = (name: keyof typeof specLaunch) => Object.fromEntries(Object.entries(specLaunch).filter(([k]) => k !== name))
  for (const name of ['endpoint', 'fetch', 'actor', 'registration', 'activityId'] as const) {
    t.match(problems(parseCmi5LaunchParams(without(name))), new RegExp(`no "${name}" parameter.*launch the course from the LMS`), `${name} missing`)
  }
  const cases: [string, Record<string, string | string[]>, RegExp][] = [
    ['a relative endpoint', { endpoint: '/xapi/' }, /"endpoint" must be an absolute http or https URL/],
    ['an ftp fetch URL', { fetch: 'ftp://lms.example.com/token' }, /"fetch" must be an absolute http or https URL/],
    ['a registration that is not a UUID', { registration: 'reg-1' }, /"registration" must be a UUID.*"reg-1"/],
    ['an activityId with spaces', { activityId: 'my activity' }, /"activityId" must be an absolute IRI/],
    ['an actor that is not JSON', { actor: 'ada' }, /"actor" must be a JSON object/],
    ['an actor that is an array', { actor: '[1]' }, /"actor" must be a JSON Agent object/],
    ['an actor by email (cmi5 9.2 wants an account)', { actor: '{"mbox":"mailto:ada@example.com"}' }, /account only.*mbox/],
    ['an actor without identifier', { actor: '{"name":"Ada"}' }, /account \{homePage, name\}/],
    ['an account without name', { actor: '{"account":{"homePage":"https://lms.example.com"}}' }, /account\.name must be the learner's id/],
    ['an account whose homePage is not a URL', { actor: '{"account":{"homePage":"lms","name":"1"}}' }, /account\.homePage/],
    ['a Group', { actor: '{"objectType":"Group","account":{"homePage":"https://lms.example.com","name":"1"}}' }, /must be an Agent/],
    ['the endpoint twice, differently', { endpoint: ['https://a.example.com/xapi/', 'https://b.example.com/xapi/'] }, /"endpoint" 2 times with different values/]
  ]
  for (const [name, change, reason] of cases) t.match(problems(parseCmi5LaunchParams({ ...specLaunch, ...change })), reason, name)
  const many = parseCmi5LaunchParams({})
  t.equal(many.ok ? 0 : many.problems.length, 5, 'every problem is listed, not just the first')
})

t.test('Tin Can launch parameters: the 1.0 actor and the 0.9 array forms', async t => {
  const base = { endpoint: 'https://lrs.example.com/xapi', auth: 'Basic c2VjcmV0OnNlY3JldA==', activity_id: 'https://svc.example.com/lms/xapi/activities/p1', content_token: 'x' }
  const v1 = ok(t, parseTincanLaunchParams({ ...base, actor: '{"objectType":"Agent","name":"Ann","mbox":"mailto:ann@example.com"}', registration: '760e3480-ba55-4991-94b0-01820dbd23a2' }))
  t.same(v1, { endpoint: base.endpoint, authorization: base.auth, actor: { objectType: 'Agent', name: 'Ann', mbox: 'mailto:ann@example.com' }, registration: '760e3480-ba55-4991-94b0-01820dbd23a2', activityId: base.activity_id })
  t.same(ok(t, parseTincanLaunchParams({ ...base, actor: '{"name":["Ann"],"mbox":["mailto:ann@example.com"]}' })).actor, { objectType: 'Agent', name: 'Ann', mbox: 'mailto:ann@example.com' }, '0.9 arrays')
  t.same(ok(t, parseTincanLaunchParams({ ...base, actor: '{"name":["Ann"],"account":[{"accountServiceHomePage":"https://lms.example.com","accountName":"ann-1"}]}' })).actor,
    { objectType: 'Agent', name: 'Ann', account: { homePage: 'https://lms.example.com', name: 'ann-1' } }, '0.9 account spelling')
  t.same(ok(t, parseTincanLaunchParams({ ...base, actor: '{"account":[{"homePage":"https://lms.example.com","name":"ann-1"}],"mbox":["mailto:ann@example.com"]}' })).actor,
    { objectType: 'Agent', account: { homePage: 'https://lms.example.com', name: 'ann-1' } }, 'one identifier is kept, the account first')
  t.same(ok(t, parseTincanLaunchParams({ ...base, actor: '{"mbox":["ann@example.com"]}' })).actor, { objectType: 'Agent', mbox: 'mailto:ann@example.com' }, 'a bare address gets mailto:')
  const noRegistration = ok(t, parseTincanLaunchParams({ ...base, actor: '{"mbox":"mailto:ann@example.com"}', registration: '' }))
  t.equal(noRegistration.registration, undefined, 'registration is optional; empty is none')

  const cases: [string, Record<string, string>, RegExp][] = [
    ['two identifiers in a 1.0 actor', { actor: '{"mbox":"mailto:a@example.com","openid":"https://id.example.com/a"}' }, /exactly one identifier/],
    ['no identifier', { actor: '{"name":["Ann"]}' }, /names no learner/],
    ['a bad mbox_sha1sum', { actor: '{"mbox_sha1sum":"abc"}' }, /40 hex digits/],
    ['a registration that is not a UUID', { actor: '{"mbox":"mailto:a@example.com"}', registration: 'r1' }, /"registration" must be a UUID/],
    ['no activity_id', { actor: '{"mbox":"mailto:a@example.com"}', activity_id: '' }, /no "activity_id" parameter/],
    ['no auth', { actor: '{"mbox":"mailto:a@example.com"}', auth: ' ' }, /no "auth" parameter/],
    ['an endpoint that is not http', { actor: '{"mbox":"mailto:a@example.com"}', endpoint: 'javascript:alert(1)' }, /"endpoint" must be an absolute http or https URL/]
  ]
  for (const [name, change, reason] of cases) {
    const result = parseTincanLaunchParams({ ...base, ...change })
    t.match(problems(result), reason, name)
    t.notMatch(problems(result), /c2VjcmV0/, `${name}: the credentials are not repeated in the message`)
  }
})

t.test('the LMS user id and display name of an actor', async t => {
  t.equal(lmsUserIdOf({ account: { homePage: 'https://lms.example.com', name: '1625378' } }), 'https://lms.example.com|1625378')
  t.equal(lmsUserIdOf({ mbox: 'mailto:Ann@Example.com' }), 'mailto:ann@example.com', 'an email address is not case-sensitive in practice')
  t.equal(lmsUserIdOf({ mbox_sha1sum: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01' }), 'mbox_sha1sum:abcdef0123456789abcdef0123456789abcdef01')
  t.equal(lmsUserIdOf({ openid: 'https://id.example.com/ann' }), 'https://id.example.com/ann')
  t.equal(lmsUserIdOf({ name: 'nobody' }), undefined)
  t.equal(displayNameOf({ name: ' Ann Lee ', mbox: 'mailto:ann@example.com' }), 'Ann Lee')
  t.equal(displayNameOf({ account: { homePage: 'https://lms.example.com', name: 'ann-1' } }), 'ann-1')
  t.equal(displayNameOf({ mbox: 'mailto:ann@example.com' }), 'ann@example.com')
  t.equal(displayNameOf({ mbox_sha1sum: 'abcdef0123456789abcdef0123456789abcdef01' }), undefined)
})

const sessionId = 'a2b4c6d8-0000-4000-8000-000000000001'
const template = {
  contextActivities: { grouping: [{ objectType: 'Activity', id: 'https://svc.example.com/lms/cmi5/courses/p1/au' }] },
  extensions: { [cmi5Iris.sessionIdExtension]: sessionId }
}

t.test('LMS.LaunchData: read as the LMS writes it, unknown keys ignored', async t => {
  const data = ok(t, parseCmi5LaunchData({ contextTemplate: template, launchMode: 'Normal', moveOn: 'CompletedAndPassed', masteryScore: 1, returnURL: 'https://lms.example.com/course/7', launchParameters: 'mode=mini', entitlementKey: { courseStructure: 'x' }, vendor: 1 }))
  t.same(data, { contextTemplate: template, sessionId, launchMode: 'Normal', moveOn: 'CompletedAndPassed', masteryScore: 1, returnURL: 'https://lms.example.com/course/7', launchParameters: 'mode=mini' })
  t.equal(ok(t, parseCmi5LaunchData({ contextTemplate: template, launchMode: 'Review', returnUrl: 'https://lms.example.com/back' })).returnURL, 'https://lms.example.com/back', 'the samples\' spelling returnUrl too')
  t.equal(ok(t, parseCmi5LaunchData({ contextTemplate: template, launchMode: 'Browse', masteryScore: '0.8' })).masteryScore, 0.8, 'a numeric string')
  const minimal = ok(t, parseCmi5LaunchData({ contextTemplate: template, launchMode: 'Normal' }))
  t.same([minimal.moveOn, minimal.masteryScore, minimal.returnURL, minimal.launchParameters], [undefined, undefined, undefined, undefined])

  const cases: [string, unknown, RegExp][] = [
    ['not an object', 'hello', /must be a JSON object/],
    ['no contextTemplate', { launchMode: 'Normal' }, /no contextTemplate/],
    ['no session id', { contextTemplate: { contextActivities: {} }, launchMode: 'Normal' }, /no session id extension/],
    ['an unknown launchMode', { contextTemplate: template, launchMode: 'normal' }, /launchMode must be Normal, Browse or Review/],
    ['no launchMode', { contextTemplate: template }, /launchMode/],
    ['an unknown moveOn', { contextTemplate: template, launchMode: 'Normal', moveOn: 'Always' }, /moveOn must be one of/],
    ['masteryScore above 1', { contextTemplate: template, launchMode: 'Normal', masteryScore: 80 }, /masteryScore must be a number from 0 to 1/],
    ['a javascript: returnURL', { contextTemplate: template, launchMode: 'Normal', returnURL: 'javascript:alert(1)' }, /returnURL must be an http or https URL/],
    ['launchParameters that are not a string', { contextTemplate: template, launchMode: 'Normal', launchParameters: { a: 1 } }, /launchParameters must be a string/]
  ]
  for (const [name, doc, reason] of cases) t.match(problems(parseCmi5LaunchData(doc)), reason, name)
})

const actor = { objectType: 'Agent' as const, account: { homePage: 'https://lms.example.com', name: 'u-1' } }
const activityId = 'https://lms.example.com/cmi5/activities/42'
const registration = '760e3480-ba55-4991-94b0-01820dbd23a2'
const at = Date.parse('2026-05-04T08:00:00.000Z')

function session (launchData: Partial<Cmi5LaunchData> = {}): Cmi5Session {
  return { actor, activityId, registration, launchData: { contextTemplate: structuredClone(template), sessionId, launchMode: 'Normal', moveOn: 'CompletedAndPassed', masteryScore: 1, returnURL: undefined, launchParameters: undefined, ...launchData } }
}

function valid (t: Test, statement: XapiStatement, name: string): void {
  const check = checkStatement(statement as unknown as JsonObject, name, { requireId: true })
  t.same(check.errors, [], `${name} is a valid xAPI 1.0.3 statement`)
}

t.test('cmi5 statements: the shapes the spec asks of an AU', async t => {
  const initialized = cmi5Initialized(session(), { id: '00000000-0000-4000-8000-000000000001', at })
  t.same(initialized, {
    id: '00000000-0000-4000-8000-000000000001',
    timestamp: '2026-05-04T08:00:00.000Z',
    actor,
    verb: { id: 'http://adlnet.gov/expapi/verbs/initialized', display: { 'en-US': 'initialized' } },
    object: { objectType: 'Activity', id: activityId },
    context: {
      registration,
      contextActivities: { grouping: template.contextActivities.grouping, category: [{ objectType: 'Activity', id: cmi5Iris.cmi5Category }] },
      extensions: { [cmi5Iris.sessionIdExtension]: sessionId }
    }
  })
  valid(t, initialized, 'Initialized')

  const completed = cmi5Completed(session(), { id: '00000000-0000-4000-8000-000000000002', at, durationMs: 4_661_000 })
  t.same(completed.result, { completion: true, duration: 'PT1H17M41S' }, 'completion and duration; no score, no progress')
  t.same((completed.context as any).contextActivities.category.map((a: any) => a.id), [cmi5Iris.cmi5Category, cmi5Iris.moveOnCategory], 'the moveOn category with completion')
  valid(t, completed, 'Completed')

  const passed = cmi5Passed(session({ masteryScore: 0.8 }), { id: '00000000-0000-4000-8000-000000000003', at, durationMs: 1000, scoreScaled: 0.9 })
  t.same(passed.result, { success: true, score: { scaled: 0.9 }, duration: 'PT1S' })
  t.same((passed.context as any).extensions, { [cmi5Iris.masteryScoreExtension]: 0.8, [cmi5Iris.sessionIdExtension]: sessionId }, 'the masteryScore goes with Passed (9.6.3.2)')
  valid(t, passed, 'Passed')
  t.throws(() => cmi5Passed(session({ masteryScore: 1 }), { id: '00000000-0000-4000-8000-000000000004', at, durationMs: 1, scoreScaled: 0.99 }), /at least the masteryScore 1/, 'never Passed below the masteryScore (9.3.4)')
  t.notOk((cmi5Passed(session({ masteryScore: undefined }), { id: '00000000-0000-4000-8000-000000000004', at, durationMs: 1, scoreScaled: 1 }).context as any).extensions[cmi5Iris.masteryScoreExtension], 'no masteryScore, no extension')

  const terminated = cmi5Terminated(session(), { id: '00000000-0000-4000-8000-000000000005', at, durationMs: 754_400, progress: 45.7 })
  t.same(terminated.result, { duration: 'PT12M34.4S', extensions: { [cmi5Iris.progressExtension]: 45 } }, 'progress is a whole percentage')
  valid(t, terminated, 'Terminated')
})

t.test('cmi5: the contextTemplate is kept as the LMS wrote it, cmi5\'s additions merged in', async t => {
  const rich = {
    contextActivities: {
      grouping: { objectType: 'Activity', id: 'https://pub.example.com/au/1' },
      parent: [{ id: 'https://lms.example.com/course/9' }],
      category: [{ id: 'https://lms.example.com/categories/hr' }, { id: cmi5Iris.cmi5Category }]
    },
    extensions: { [cmi5Iris.sessionIdExtension]: sessionId, 'https://lms.example.com/ext/tenant': 'acme', [cmi5Iris.masteryScoreExtension]: 0.9 },
    platform: 'LMS 9',
    language: 'fr-FR'
  }
  const passed = cmi5Passed(session({ contextTemplate: rich, masteryScore: 0.8 }), { id: '00000000-0000-4000-8000-000000000003', at, durationMs: 1, scoreScaled: 1 })
  t.same(passed.context, {
    registration,
    contextActivities: {
      grouping: { objectType: 'Activity', id: 'https://pub.example.com/au/1' },
      parent: [{ id: 'https://lms.example.com/course/9' }],
      category: [{ id: 'https://lms.example.com/categories/hr' }, { id: cmi5Iris.cmi5Category }, { objectType: 'Activity', id: cmi5Iris.moveOnCategory }]
    },
    extensions: { [cmi5Iris.masteryScoreExtension]: 0.9, [cmi5Iris.sessionIdExtension]: sessionId, 'https://lms.example.com/ext/tenant': 'acme' },
    platform: 'LMS 9',
    language: 'fr-FR'
  }, 'nothing of the template is overwritten; the cmi5 category is not repeated')
  t.same(rich.contextActivities.category.length, 2, 'the template itself is not changed')
})

const ids = (prefix: string) => (verb: string) => `${prefix}-${verb}`

t.test('cmi5 exit: Completed and Passed at mastery, once per registration; Terminated last', async t => {
  const idOf = (verb: Cmi5ExitVerb) => ({ completed: '00000000-0000-4000-8000-00000000000c', passed: '00000000-0000-4000-8000-00000000000b', terminated: '00000000-0000-4000-8000-00000000000a' })[verb]
  const first = cmi5ExitStatements({ session: session(), values: mastered, alreadySent: { completed: false, passed: false }, at, statementId: idOf })
  t.same(first.map(s => s.verb.display['en-US']), ['completed', 'passed', 'terminated'])
  t.same(first.map(s => s.id), [idOf('completed'), idOf('passed'), idOf('terminated')], 'ids from the caller')
  t.same(first.map(s => s.timestamp), ['2026-05-04T08:00:00.000Z', '2026-05-04T08:00:00.001Z', '2026-05-04T08:00:00.002Z'], 'in order by timestamp')
  t.same(first.map(s => s.result?.duration), ['PT1H1M1S', 'PT1H1M1S', 'PT1M1S'], 'registration LMS time for Completed/Passed, the session for Terminated')
  t.same(first[1]?.result?.score, { scaled: 1 }, '100% at mastery')
  t.equal(first[2]?.result?.extensions, undefined, 'no progress beside Completed')

  const again = cmi5ExitStatements({ session: session(), values: mastered, alreadySent: { completed: true, passed: true }, at, statementId: idOf })
  t.same(again.map(s => s.verb.display['en-US']), ['terminated'], 'never twice in a registration')
  t.equal(again[0]?.result?.extensions, undefined, 'no progress once completed (9.5.5.1)')
  t.same(cmi5ExitStatements({ session: session(), values: mastered, alreadySent: { completed: true, passed: false }, at, statementId: idOf }).map(s => s.verb.display['en-US']), ['passed', 'terminated'])

  const learningExit = cmi5ExitStatements({ session: session(), values: learning, alreadySent: { completed: false, passed: false }, at, statementId: idOf })
  t.same(learningExit.map(s => s.verb.display['en-US']), ['terminated'], 'short of mastery only Terminated: never Failed')
  t.same(learningExit[0]?.result, { duration: 'PT12M34.4S', extensions: { [cmi5Iris.progressExtension]: 45 } }, 'with the progress, rounded down')

  for (const launchMode of ['Browse', 'Review'] as const) {
    const exit = cmi5ExitStatements({ session: session({ launchMode }), values: mastered, alreadySent: { completed: false, passed: false }, at, statementId: idOf })
    t.same(exit.map(s => s.verb.display['en-US']), ['terminated'], `${launchMode}: nothing but Terminated at exit`)
    t.same(exit[0]?.result, { duration: 'PT1M1S' }, `${launchMode}: no completion data`)
  }
})

t.test('cmi5 exit: every combination passes the LMS\'s cmi5 rules', async t => {
  const modes: Cmi5LaunchMode[] = ['Normal', 'Browse', 'Review']
  for (const launchMode of modes) {
    for (const masteryScore of [undefined, 0.8, 1]) {
      for (const values of [learning, mastered]) {
        for (const sent of [{ completed: false, passed: false }, { completed: true, passed: false }, { completed: true, passed: true }]) {
          const s = session({ launchMode, masteryScore })
          const facts: Cmi5LaunchFacts = { registration, sessionId, activityId, actor: actor as unknown as JsonObject, launchMode, masteryScore, contextTemplate: template as unknown as JsonObject }
          const progress = { ...newSessionProgress(), launchDataRead: true, learnerPreferencesRead: true }
          const registrationProgress = { ...sent }
          const sequence = [cmi5Initialized(s, { id: '00000000-0000-4000-8000-0000000000ff', at: at - 60_000 }), ...cmi5ExitStatements({ session: s, values, alreadySent: sent, at, statementId: verb => `00000000-0000-4000-8000-0000000000${verb === 'completed' ? '01' : verb === 'passed' ? '02' : '03'}` })]
          const violations = sequence.flatMap(statement => judgeStatement(statement as unknown as JsonObject, facts, progress, registrationProgress, at))
          const name = `${launchMode}, masteryScore ${masteryScore}, ${values.successStatus}, sent ${JSON.stringify(sent)}`
          t.same(violations.map(v => `${v.rule}: ${v.message}`), [], name)
          t.ok(progress.terminated !== undefined, `${name}: terminated`)
          if (launchMode === 'Normal' && values === mastered) t.same(registrationProgress, { completed: true, passed: true }, `${name}: the registration is completed and passed`)
        }
      }
    }
  }
})

t.test('Tin Can exit: progress every time; at mastery completed, passed and mastered once; terminated last', async t => {
  const tincan: TincanSession = { actor: { objectType: 'Agent', mbox: 'mailto:ann@example.com' }, activityId: 'https://svc.example.com/lms/xapi/activities/p1', registration }
  const exit = tincanExitStatements({ session: tincan, values: learning, alreadySent: { completed: false, passed: false, mastered: false }, at, statementId: ids('id') as any, serviceUrl: 'https://svc.example.com/' })
  t.same(exit.map(s => s.verb.id), ['http://adlnet.gov/expapi/verbs/progressed', 'http://adlnet.gov/expapi/verbs/terminated'])
  t.same(exit[0], {
    id: 'id-progressed',
    timestamp: '2026-05-04T08:00:00.000Z',
    actor: tincan.actor,
    verb: { id: 'http://adlnet.gov/expapi/verbs/progressed', display: { 'en-US': 'progressed' } },
    object: { objectType: 'Activity', id: tincan.activityId },
    result: { score: { scaled: 0.456, raw: 45, min: 0, max: 100 }, completion: false, duration: 'PT29M14.4S', extensions: { 'https://svc.example.com/xapi/extensions/progress': 0.456 } },
    context: { registration }
  })
  t.equal(xapiProgressExtension('https://svc.example.com'), 'https://svc.example.com/xapi/extensions/progress')
  t.same(exit[1]?.result, { duration: 'PT12M34.4S' })

  const atMastery = tincanExitStatements({ session: { ...tincan, registration: undefined }, values: mastered, alreadySent: { completed: false, passed: false, mastered: false }, at, statementId: v => `00000000-0000-4000-8000-00000000000${['progressed', 'completed', 'passed', 'mastered', 'terminated'].indexOf(v)}`, serviceUrl: 'https://svc.example.com' })
  t.same(atMastery.map(s => s.verb.display['en-US']), ['progressed', 'completed', 'passed', 'mastered', 'terminated'])
  t.same(atMastery.map(s => s.context), [undefined, undefined, undefined, undefined, undefined], 'no registration, no context')
  t.same(atMastery[2]?.result, { success: true, score: { scaled: 1 }, duration: 'PT1H1M1S' })
  t.same(atMastery[3]?.result, { success: true, completion: true, score: { scaled: 1 }, duration: 'PT1H1M1S' })
  for (const s of atMastery) valid(t, s, s.verb.display['en-US']!)
  const later = tincanExitStatements({ session: tincan, values: mastered, alreadySent: { completed: true, passed: true, mastered: true }, at, statementId: ids('x') as any, serviceUrl: 'https://svc.example.com' })
  t.same(later.map(s => s.verb.display['en-US']), ['progressed', 'terminated'], 'mastery is reported once')
  t.same(later[0]?.result?.score, { scaled: 1, raw: 100, min: 0, max: 100 }, 'never downgraded after mastery')
})

t.test('ISO 8601 durations and UTC timestamps', async t => {
  t.equal(isoDuration(0), 'PT0S')
  t.equal(isoDuration(4), 'PT0S', 'to the hundredth of a second')
  t.equal(isoDuration(1234), 'PT1.23S')
  t.equal(isoDuration(60_000), 'PT1M')
  t.equal(isoDuration(3_600_000), 'PT1H')
  t.equal(isoDuration(3_725_400), 'PT1H2M5.4S')
  t.equal(isoDuration(100 * 3_600_000 + 5), 'PT100H0.01S')
  t.equal(isoDuration(-5), 'PT0S')
  t.equal(isoDuration(Number.NaN), 'PT0S')
  t.equal(utcTimestamp(Date.parse('2026-05-04T10:00:01.5+02:00')), '2026-05-04T08:00:01.500Z')
})

t.test('the same statement, as an LRS may return it', async t => {
  const sent = cmi5Initialized(session(), { id: '0000000a-0000-4000-8000-00000000000a', at })
  const stored = { ...structuredClone(sent), id: sent.id.toUpperCase(), timestamp: '2026-05-04T08:00:00+00:00', stored: '2026-05-04T08:00:02.000Z', version: '1.0.0', authority: { objectType: 'Agent', account: { homePage: 'https://lms.example.com', name: 'lrs' } }, object: { id: activityId, definition: { name: { en: 'AU' } } } }
  t.ok(sameStatement(sent, stored), 'what an LRS assigns, UUID case, timestamp spelling, activity definition and key order do not count')
  t.notOk(sameStatement(sent, { ...stored, verb: { id: 'http://adlnet.gov/expapi/verbs/terminated', display: { 'en-US': 'terminated' } } }), 'another verb')
  t.notOk(sameStatement(sent, { ...stored, timestamp: '2026-05-04T08:00:00.001Z' }), 'another instant')
  t.notOk(sameStatement(sent, { ...stored, actor: { mbox: 'mailto:x@example.com' } }), 'another actor')
  t.notOk(sameStatement(sent, 'text'))
})
