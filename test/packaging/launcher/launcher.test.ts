// The launcher that runs in the LMS (launcher.js), loaded in Node exactly as the zip ships
// it: its pure helpers, and its whole flow driven through createLauncher with a fake LMS
// API, a fake service and a fake page.
import t from 'tap'
import fc from 'fast-check'
import { parse } from 'acorn'
import { launcherScriptSource } from '../../../packaging/assets.ts'
import { loadLauncher, type LauncherConfig, type LauncherEnv, type LmsValues, type Standard } from '../support/load-launcher.ts'

const launcher = await loadLauncher()

const values: LmsValues = { completionStatus: 'incomplete', successStatus: 'unknown', scoreRaw: 42, scoreScaled: 0.42, progressMeasure: 0.42, sessionMs: 3_723_450, totalLmsMs: 9_000_000, exit: 'suspend' }
const mastered: LmsValues = { completionStatus: 'completed', successStatus: 'passed', scoreRaw: 100, scoreScaled: 1, progressMeasure: 1, sessionMs: 61_000, totalLmsMs: 9_061_000, exit: 'normal' }

t.test('launcher.js is a plain ES2017 script', async (t) => {
  const source = await launcherScriptSource()
  t.doesNotThrow(() => parse(source, { ecmaVersion: 2017, sourceType: 'script' }), 'parses as an ES2017 script (no modules, no newer syntax)')
  t.notMatch(source, /\b(import|export)\s/, 'no module syntax')
  t.notMatch(source, /\brequire\(/, 'no dependencies')
})

// ------------------------------------------------------------------ API discovery

interface FakeWindow { [key: string]: unknown }

/** A window whose parent is `parent` (or itself at the top). */
function win (props: FakeWindow = {}, parent?: FakeWindow): FakeWindow {
  const w: FakeWindow = { ...props }
  w.parent = parent ?? w
  w.top = parent === undefined ? w : parent.top
  return w
}

/** A window of another origin: reading anything but parent/top/opener throws, as browsers do. */
function crossOrigin (parent?: FakeWindow): FakeWindow {
  const inner = win({}, parent)
  return new Proxy(inner, {
    get (target, key) {
      if (key === 'parent' || key === 'top' || key === 'opener') return target[key as string]
      throw new Error('SecurityError: Blocked a frame with origin from accessing a cross-origin frame.')
    }
  })
}

const api12 = { LMSInitialize: () => 'true' }
const api2004 = { Initialize: () => 'true' }

t.test('findApi looks in the window, then up the parents', async (t) => {
  t.equal(launcher.findApi(win({ API: api12 }), 'scorm12'), api12, 'in the window itself')
  const top = win({ API: api12, API_1484_11: api2004 })
  const deep = win({}, win({}, win({}, top)))
  t.equal(launcher.findApi(deep, 'scorm12'), api12, '1.2 looks for API three levels up')
  t.equal(launcher.findApi(deep, 'scorm2004'), api2004, '2004 looks for API_1484_11')
  t.equal(launcher.findApi(win({}, win({ API: api12 })), 'scorm2004'), null, '2004 does not take a 1.2 API')
  t.equal(launcher.findApi(win({ API: { notAnApi: true } }), 'scorm12'), null, 'an object without the API functions is not the API')
  t.equal(launcher.findApi(win({ API: api12 }), 'aicc'), null, 'unknown standards find nothing')
})

t.test('findApi survives cross-origin frames between the course and the LMS', async (t) => {
  const top = win({ API_1484_11: api2004 })
  const foreign = crossOrigin(top)
  t.equal(launcher.findApi(win({}, foreign), 'scorm2004'), api2004, 'skips a frame it may not read and climbs on')
  t.equal(launcher.findApi(crossOrigin(), 'scorm2004'), null, 'a lone foreign window: null, no exception')
})

t.test('findApi stops climbing after maxWindowHops parents', async (t) => {
  let w = win({ API: api12 })
  for (let i = 0; i < launcher.maxWindowHops; i++) w = win({}, w)
  t.equal(launcher.findApi(w, 'scorm12'), api12, `found ${launcher.maxWindowHops} levels up`)
  t.equal(launcher.findApi(win({}, w), 'scorm12'), null, `not ${launcher.maxWindowHops + 1} levels up`)
})

t.test('findApi follows the opener chain for courses opened in a new window', async (t) => {
  const lmsTop = win({ API: api12 })
  const lmsFrame = win({}, lmsTop)
  t.equal(launcher.findApi(win({ opener: lmsFrame }), 'scorm12'), api12, 'the opener and its parents')
  const popupTop = win({ opener: lmsFrame })
  t.equal(launcher.findApi(win({}, popupTop), 'scorm12'), api12, 'the opener of the top window, for a course framed in a popup')
  const middle = win({ opener: lmsFrame })
  t.equal(launcher.findApi(win({ opener: middle }), 'scorm12'), api12, 'an opener of an opener')
  const selfOpened: FakeWindow = win({})
  selfOpened.opener = selfOpened
  t.equal(launcher.findApi(selfOpened, 'scorm12'), null, 'a window that is its own opener ends the search')
  t.equal(launcher.findApi(win({}), 'scorm12'), null, 'no LMS anywhere: null')
})

// ------------------------------------------------------------------ values

t.test('lmsElements for SCORM 1.2', async (t) => {
  t.same(launcher.lmsElements('scorm12', values), [
    ['cmi.core.score.min', '0'],
    ['cmi.core.score.max', '100'],
    ['cmi.core.score.raw', '42'],
    ['cmi.core.lesson_status', 'incomplete'],
    ['cmi.core.session_time', '01:02:03.45'],
    ['cmi.core.exit', 'suspend']
  ], 'in progress')
  t.same(launcher.lmsElements('scorm12', mastered), [
    ['cmi.core.score.min', '0'],
    ['cmi.core.score.max', '100'],
    ['cmi.core.score.raw', '100'],
    ['cmi.core.lesson_status', 'passed'],
    ['cmi.core.session_time', '00:01:01.00'],
    ['cmi.core.exit', '']
  ], 'mastered, exit normal: cmi.core.exit is still written, empty')
  t.equal(launcher.lmsElements('scorm12', { ...values, scoreRaw: 72.6 })[2]?.[1], '73', 'raw scores are integers')
  t.equal(launcher.lmsElements('scorm12', { ...values, completionStatus: 'completed' })[3]?.[1], 'completed', 'completed but not passed (kept from the LMS) stays completed')
})

t.test('lmsElements for SCORM 2004', async (t) => {
  t.same(launcher.lmsElements('scorm2004', values), [
    ['cmi.score.min', '0'],
    ['cmi.score.max', '100'],
    ['cmi.score.raw', '42'],
    ['cmi.score.scaled', '0.42'],
    ['cmi.progress_measure', '0.42'],
    ['cmi.completion_status', 'incomplete'],
    ['cmi.success_status', 'unknown'],
    ['cmi.session_time', 'PT1H2M3.45S'],
    ['cmi.exit', 'suspend']
  ], 'in progress')
  t.same(launcher.lmsElements('scorm2004', mastered), [
    ['cmi.score.min', '0'],
    ['cmi.score.max', '100'],
    ['cmi.score.raw', '100'],
    ['cmi.score.scaled', '1'],
    ['cmi.progress_measure', '1'],
    ['cmi.completion_status', 'completed'],
    ['cmi.success_status', 'passed'],
    ['cmi.session_time', 'PT1M1S'],
    ['cmi.exit', 'normal']
  ], 'mastered')
  const odd = launcher.lmsElements('scorm2004', { ...values, scoreScaled: 1 / 3, progressMeasure: 1e-7, sessionMs: 0 })
  t.equal(odd[3]?.[1], '0.3333', 'at most 4 decimals')
  t.equal(odd[4]?.[1], '0', 'never exponent notation')
  t.equal(odd[7]?.[1], 'PT0S', 'zero session time')
})

const arbitraryValues = fc.record({
  completionStatus: fc.constantFrom('completed' as const, 'incomplete' as const),
  successStatus: fc.constantFrom('passed' as const, 'unknown' as const),
  scoreRaw: fc.integer({ min: 0, max: 100 }),
  scoreScaled: fc.double({ min: 0, max: 1, noNaN: true }),
  progressMeasure: fc.double({ min: 0, max: 1, noNaN: true }),
  sessionMs: fc.integer({ min: 0, max: 2 ** 40 }),
  totalLmsMs: fc.integer({ min: 0, max: 2 ** 40 }),
  exit: fc.constantFrom('suspend' as const, 'normal' as const)
})

t.test('every write is valid for its data model, exit is always written, no suspend_data', async (t) => {
  const formats12: Record<string, RegExp> = {
    'cmi.core.score.min': /^0$/,
    'cmi.core.score.max': /^100$/,
    'cmi.core.score.raw': /^(100|\d\d?)$/,
    'cmi.core.lesson_status': /^(passed|completed|incomplete)$/,
    'cmi.core.session_time': /^\d{2,4}:\d\d:\d\d\.\d\d$/,
    'cmi.core.exit': /^(suspend|)$/
  }
  const formats2004: Record<string, RegExp> = {
    'cmi.score.min': /^0$/,
    'cmi.score.max': /^100$/,
    'cmi.score.raw': /^(100|\d\d?)$/,
    'cmi.score.scaled': /^(0(\.\d{1,4})?|1)$/,
    'cmi.progress_measure': /^(0(\.\d{1,4})?|1)$/,
    'cmi.completion_status': /^(completed|incomplete)$/,
    'cmi.success_status': /^(passed|unknown)$/,
    'cmi.session_time': /^PT(\d+H)?(\d+M)?(\d+(\.\d\d?)?S)?$/,
    'cmi.exit': /^(suspend|normal)$/
  }
  const check = (standard: Standard, formats: Record<string, RegExp>) => fc.assert(fc.property(arbitraryValues, (v) => {
    const pairs = launcher.lmsElements(standard, v)
    return pairs.length === Object.keys(formats).length && pairs.every(([element, value]) => formats[element]?.test(value) === true)
  }), { numRuns: 1000 })
  check('scorm12', formats12)
  check('scorm2004', formats2004)
  t.pass('1000 random value sets per standard')
})

t.test('the LMS state before launch, in SCORM 2004 terms', async (t) => {
  const from = (map: Record<string, string>) => (element: string) => map[element] ?? ''
  t.same(launcher.lmsStateFromLms('scorm12', from({ 'cmi.core.lesson_status': 'passed' })), { completionStatus: 'completed', successStatus: 'passed' })
  t.same(launcher.lmsStateFromLms('scorm12', from({ 'cmi.core.lesson_status': 'completed' })), { completionStatus: 'completed' })
  t.same(launcher.lmsStateFromLms('scorm12', from({ 'cmi.core.lesson_status': 'failed' })), { completionStatus: 'completed', successStatus: 'failed' })
  t.same(launcher.lmsStateFromLms('scorm12', from({ 'cmi.core.lesson_status': 'incomplete' })), { completionStatus: 'incomplete' })
  t.same(launcher.lmsStateFromLms('scorm12', from({ 'cmi.core.lesson_status': 'not attempted' })), {})
  t.same(launcher.lmsStateFromLms('scorm12', from({ 'cmi.core.lesson_status': 'toString' })), {}, 'no prototype lookups')
  t.same(launcher.lmsStateFromLms('scorm2004', from({ 'cmi.completion_status': 'completed', 'cmi.success_status': 'passed' })), { completionStatus: 'completed', successStatus: 'passed' })
  t.same(launcher.lmsStateFromLms('scorm2004', from({ 'cmi.completion_status': 'not attempted', 'cmi.success_status': 'unknown' })), { completionStatus: 'not attempted', successStatus: 'unknown' })
  t.same(launcher.lmsStateFromLms('scorm2004', from({ 'cmi.completion_status': 'bogus' })), {}, 'values outside the vocabulary are left out')
  t.same(launcher.learnerFromLms('scorm12', from({ 'cmi.core.student_id': 'u1', 'cmi.core.student_name': 'Doe, Jane' })), { id: 'u1', name: 'Doe, Jane' })
  t.same(launcher.learnerFromLms('scorm2004', from({ 'cmi.learner_id': 'u2', 'cmi.learner_name': 'Roe, Rick' })), { id: 'u2', name: 'Roe, Rick' })
})

t.test('a status the LMS already has is never downgraded', async (t) => {
  t.same(launcher.keepReached(values, { completionStatus: 'completed', successStatus: 'passed' }), { ...values, completionStatus: 'completed', successStatus: 'passed' })
  t.same(launcher.keepReached(values, { completionStatus: 'completed' }), { ...values, completionStatus: 'completed' })
  t.same(launcher.keepReached(values, { completionStatus: 'incomplete', successStatus: 'failed' }), values)
  t.same(launcher.keepReached(mastered, {}), mastered)
})

t.test('values from the service are checked before use', async (t) => {
  t.ok(launcher.isLmsValues(values))
  t.ok(launcher.isLmsValues(mastered))
  for (const bad of [null, 'x', {}, { ...values, scoreRaw: 101 }, { ...values, scoreScaled: Number.NaN }, { ...values, exit: 'logout' }, { ...values, completionStatus: 'passed' }, { ...values, sessionMs: -1 }]) {
    t.notOk(launcher.isLmsValues(bad), JSON.stringify(bad))
  }
})

t.test('the player is framed only from the service origin, with parentOrigin in its fragment', async (t) => {
  const service = 'https://mastery.example.com'
  t.equal(launcher.resolvePlayerUrl('https://mastery.example.com/play?s=1#token=abc', service), 'https://mastery.example.com/play?s=1#token=abc')
  t.equal(launcher.resolvePlayerUrl('/play#token=abc', service), 'https://mastery.example.com/play#token=abc', 'relative to the service')
  t.equal(launcher.resolvePlayerUrl('https://evil.example.net/play#token=abc', service), null, 'another origin')
  t.equal(launcher.resolvePlayerUrl('javascript:alert(1)', service), null, 'a script URL')
  t.equal(launcher.resolvePlayerUrl(42, service), null, 'not a string')
  const origin = 'https://lms.example.org'
  t.equal(launcher.playerSrc('https://m.example/play#token=abc', origin), 'https://m.example/play#token=abc&parentOrigin=https%3A%2F%2Flms.example.org')
  t.equal(launcher.playerSrc('https://m.example/play', origin), 'https://m.example/play#parentOrigin=https%3A%2F%2Flms.example.org')
  t.equal(launcher.playerSrc('https://m.example/play#', origin), 'https://m.example/play#parentOrigin=https%3A%2F%2Flms.example.org')
  t.equal(launcher.playerSrc('https://m.example/play#t=1', 'null'), 'https://m.example/play#t=1&parentOrigin=null', 'opaque origins too')
})

t.test('messages from the player', async (t) => {
  t.same(launcher.parsePlayerMessage({ source: 'mastery-sync', type: 'progress', values }), { type: 'progress', values })
  t.same(launcher.parsePlayerMessage({ source: 'mastery-sync', type: 'exit' }), { type: 'exit' })
  t.equal(launcher.parsePlayerMessage({ source: 'other', type: 'exit' }), null, 'another source')
  t.equal(launcher.parsePlayerMessage({ source: 'mastery-sync', type: 'progress', values: { scoreRaw: 1 } }), null, 'bad values')
  t.equal(launcher.parsePlayerMessage('exit'), null, 'a string')
  t.equal(launcher.parsePlayerMessage(null), null, 'null')
})

t.test('the launch body', async (t) => {
  t.same(launcher.launchBody(config('scorm12'), { id: 'u1', name: 'Doe, Jane' }, { completionStatus: 'completed' }), {
    packageId: 'pkg_1', revision: 3, launchKey: 'lk_secret', standard: 'scorm12', lmsUserId: 'u1', lmsUserName: 'Doe, Jane', lmsState: { completionStatus: 'completed' }
  })
})

t.test('the embedded configuration is checked', async (t) => {
  t.same(launcher.parseConfig(JSON.stringify(config('scorm2004'))), config('scorm2004'))
  t.throws(() => launcher.parseConfig('not json'))
  t.throws(() => launcher.parseConfig(JSON.stringify({ ...config('scorm2004'), standard: 'aicc' })), /standard/)
  t.throws(() => launcher.parseConfig(JSON.stringify({ ...config('scorm2004'), serviceUrl: 'https://m.example/' })), /serviceUrl/)
  t.throws(() => launcher.parseConfig(JSON.stringify({ ...config('scorm2004'), serviceUrl: 'javascript:alert(1)' })), /serviceUrl/)
})

// ------------------------------------------------------------------ the flow, with fakes

function config (standard: Standard): LauncherConfig {
  return { serviceUrl: 'https://mastery.example.com', packageId: 'pkg_1', revision: 3, launchKey: 'lk_secret', standard, title: 'International Flags' }
}

interface Reply { status: number, body?: unknown, throws?: boolean }

/** A fake LMS API (1.2 or 2004 names) that records every call. */
function fakeApi (standard: Standard, data: Record<string, string>, behaviour: { commit?: 'true' | 'false' | 'throw', initialize?: 'true' | 'false', lastError?: string } = {}) {
  const calls: Array<[string, ...string[]]> = []
  const names = standard === 'scorm12'
    ? { init: 'LMSInitialize', get: 'LMSGetValue', set: 'LMSSetValue', commit: 'LMSCommit', finish: 'LMSFinish', error: 'LMSGetLastError' }
    : { init: 'Initialize', get: 'GetValue', set: 'SetValue', commit: 'Commit', finish: 'Terminate', error: 'GetLastError' }
  const api: Record<string, (...args: string[]) => string> = {
    [names.init]: (...args) => { calls.push(['initialize', ...args]); return behaviour.initialize ?? 'true' },
    [names.get]: (element = '') => { calls.push(['get', element]); return data[element] ?? '' },
    [names.set]: (element = '', value = '') => { calls.push(['set', element, value]); return 'true' },
    [names.commit]: (...args) => {
      calls.push(['commit', ...args])
      if (behaviour.commit === 'throw') throw new Error('Commit is not allowed during unload')
      return behaviour.commit ?? 'true'
    },
    [names.finish]: (...args) => { calls.push(['finish', ...args]); return 'true' },
    [names.error]: () => behaviour.lastError ?? '0'
  }
  const of = (kind: string) => calls.filter((call) => call[0] === kind)
  return { api, calls, of, writes: () => of('set').map(([, element, value]) => [element, value]), apiName: standard === 'scorm12' ? 'API' : 'API_1484_11' }
}

const learner12 = { 'cmi.core.student_id': 'lms-42', 'cmi.core.student_name': 'Doe, Jane', 'cmi.core.lesson_status': 'incomplete' }
const learner2004 = { 'cmi.learner_id': 'lms-42', 'cmi.learner_name': 'Doe, Jane', 'cmi.completion_status': 'incomplete', 'cmi.success_status': 'unknown' }
const launched = { sessionId: 'ses_1', token: 'tok_1', playerUrl: 'https://mastery.example.com/lms/play?s=ses_1#token=tok_1', title: 'International Flags (live)', values }

function setup (standard: Standard, options: { lms?: ReturnType<typeof fakeApi> | null, replies?: Reply[] } = {}) {
  const lms = options.lms === undefined ? fakeApi(standard, standard === 'scorm12' ? learner12 : learner2004) : options.lms
  const lmsWindow = win(lms === null ? {} : { [lms.apiName]: lms.api })
  const courseWindow = win({}, win({}, lmsWindow))
  const replies = [...(options.replies ?? [{ status: 201, body: launched }])]
  const requests: Array<{ url: string, init: Parameters<LauncherEnv['fetch']>[1], body: unknown }> = []
  const beacons: Array<{ url: string, body: unknown }> = []
  const pages: Array<{ heading: string, paragraphs: string[] }> = []
  const players: Array<{ src: string, title: string, contentWindow: object }> = []
  const clock = { now: 1_000_000 }
  const env: LauncherEnv = {
    window: courseWindow,
    config: config(standard),
    async fetch (url, init) {
      requests.push({ url, init, body: JSON.parse(init.body) })
      const reply = replies.shift()
      if (reply === undefined || reply.throws === true) throw new TypeError('Failed to fetch')
      return { ok: reply.status >= 200 && reply.status < 300, status: reply.status, json: async () => { if (reply.body === undefined) throw new SyntaxError('no JSON'); return reply.body } }
    },
    sendBeacon (url, body) { beacons.push({ url, body: JSON.parse(body) }) },
    now: () => clock.now,
    parentOrigin: 'https://lms.example.org',
    view: {
      message (heading, paragraphs) { pages.push({ heading, paragraphs }) },
      player (src, title) { const player = { src, title, contentWindow: {} }; players.push(player); return player }
    }
  }
  return { lms, env, requests, beacons, pages, players, clock, launcher: launcher.createLauncher(env) }
}

t.test('no LMS API: the learner is told to launch from the LMS, nothing is sent', async (t) => {
  const s = setup('scorm2004', { lms: null })
  await s.launcher.start()
  t.same(s.pages.at(-1), { heading: 'This course must be launched from your LMS.', paragraphs: ['Open it from your learning management system (LMS) and try again.'] })
  t.equal(s.requests.length, 0, 'no launch request')
  t.equal(s.launcher.status().phase, 'no-lms')
})

for (const standard of ['scorm12', 'scorm2004'] as const) {
  t.test(`${standard}: launch, progress, Exit`, async (t) => {
    const s = setup(standard, { replies: [{ status: 201, body: launched }, { status: 200, body: { values: mastered } }] })
    await s.launcher.start()
    t.same(s.lms!.calls.slice(0, 1), [['initialize', '']], 'initialises first')
    const launch = s.requests[0]!
    t.equal(launch.url, 'https://mastery.example.com/v1/lms/launch')
    t.equal(launch.init.method, 'POST')
    t.equal(launch.init.headers['Content-Type'], 'application/json')
    t.same(launch.body, {
      packageId: 'pkg_1', revision: 3, launchKey: 'lk_secret', standard, lmsUserId: 'lms-42', lmsUserName: 'Doe, Jane',
      lmsState: standard === 'scorm12' ? { completionStatus: 'incomplete' } : { completionStatus: 'incomplete', successStatus: 'unknown' }
    })
    t.same(s.players.map((p) => [p.src, p.title]), [['https://mastery.example.com/lms/play?s=ses_1#token=tok_1&parentOrigin=https%3A%2F%2Flms.example.org', 'International Flags (live)']], 'frames the player')
    t.equal(s.lms!.of('set').length, 0, 'nothing written at launch')

    const player = s.players[0]!.contentWindow
    const progress = { ...values, scoreRaw: 80, scoreScaled: 0.8, progressMeasure: 0.8 }
    s.launcher.onMessage({ origin: 'https://evil.example.net', source: player, data: { source: 'mastery-sync', type: 'progress', values: { ...values, scoreRaw: 1 } } })
    s.launcher.onMessage({ origin: 'https://mastery.example.com', source: {}, data: { source: 'mastery-sync', type: 'progress', values: { ...values, scoreRaw: 2 } } })
    t.same(s.launcher.status().lastValues, values, 'messages from another origin or another window are ignored')
    s.launcher.onMessage({ origin: 'https://mastery.example.com', source: player, data: { source: 'mastery-sync', type: 'progress', values: progress } })
    t.same(s.launcher.status().lastValues, progress, 'progress from the player updates the last known values')

    s.launcher.onMessage({ origin: 'https://mastery.example.com', source: player, data: { source: 'mastery-sync', type: 'exit' } })
    await new Promise((resolve) => setImmediate(resolve))
    const exit = s.requests[1]!
    t.equal(exit.url, 'https://mastery.example.com/v1/lms/sessions/ses_1/exit')
    t.equal(exit.init.headers.Authorization, 'Bearer tok_1')
    t.same(exit.body, { how: 'exit' })
    t.same(s.lms!.writes(), launcher.lmsElements(standard, mastered), 'writes the values the service sent on exit')
    const tail = s.lms!.calls.slice(-2).map((call) => call[0])
    t.same(tail, ['commit', 'finish'], 'then Commit, then Terminate/LMSFinish')
    t.same(s.pages.at(-1), { heading: 'Your progress has been saved.', paragraphs: ['You can close this window.'] })

    s.launcher.leave()
    await s.launcher.exit()
    t.equal(s.lms!.of('finish').length, 1, 'finished once, whatever comes after')
    t.equal(s.beacons.length, 0, 'no beacon after a completed exit')
  })
}

t.test('the service refuses the launch: its message is shown, no status, score or progress is written', async (t) => {
  const s = setup('scorm2004', { replies: [{ status: 403, body: { error: { code: 'MS_ERR_LMS_INTEGRATION_OFF', message: 'LMS integration is turned off for this course. Ask your administrator.' } } }] })
  await s.launcher.start()
  t.same(s.pages.at(-1), { heading: 'This course can\'t start right now', paragraphs: ['LMS integration is turned off for this course. Ask your administrator.'] })
  t.same(s.lms!.of('set'), [['set', 'cmi.exit', 'suspend']], 'only the attempt is suspended, so the LMS keeps it')
  t.equal(s.lms!.of('commit').length, 0, 'no Commit')
  t.equal(s.lms!.of('finish').length, 1, 'Terminate')
  t.equal(s.players.length, 0, 'no player')
  s.launcher.leave()
  t.equal(s.lms!.of('finish').length, 1, 'closing the window afterwards finishes nothing twice')
})

t.test('an error reply without a message gets a readable one', async (t) => {
  const s = setup('scorm12', { replies: [{ status: 502 }] })
  await s.launcher.start()
  t.same(s.pages.at(-1), { heading: 'This course can\'t start right now', paragraphs: ['The course service answered with an error (HTTP 502). Please try again later.'] })
  t.same(s.lms!.calls.map((call) => call[0]).filter((kind) => kind !== 'get'), ['initialize', 'set', 'finish'])
  t.same(s.lms!.of('set'), [['set', 'cmi.core.exit', 'suspend']])
})

t.test('a refused SCORM 1.2 launch of a course never attempted marks it incomplete, so the LMS does not complete it on LMSFinish', async (t) => {
  const s = setup('scorm12', { lms: fakeApi('scorm12', { ...learner12, 'cmi.core.lesson_status': 'not attempted' }), replies: [{ status: 403, body: { error: { code: 'MS_ERR_LMS_USER_NOT_LINKED', message: 'Not linked.' } } }] })
  await s.launcher.start()
  t.same(s.lms!.of('set'), [['set', 'cmi.core.lesson_status', 'incomplete'], ['set', 'cmi.core.exit', 'suspend']])
  t.equal(s.lms!.of('commit').length, 0)
})

t.test('the service cannot be reached', async (t) => {
  const s = setup('scorm12', { replies: [{ status: 0, throws: true }] })
  await s.launcher.start()
  t.same(s.pages.at(-1), { heading: 'The course service can\'t be reached', paragraphs: ['Please check your internet connection and try again later.'] })
  t.same(s.lms!.of('set'), [['set', 'cmi.core.exit', 'suspend']], 'nothing but the suspended attempt')
  t.equal(s.lms!.of('commit').length, 0, 'no Commit')
  t.equal(s.lms!.of('finish').length, 1, 'LMSFinish')
  t.equal(s.launcher.status().phase, 'unreachable')
})

t.test('a launch reply the launcher cannot use (player on another origin) is an error, not a frame', async (t) => {
  const s = setup('scorm2004', { replies: [{ status: 201, body: { ...launched, playerUrl: 'https://evil.example.net/#token=tok_1' } }] })
  await s.launcher.start()
  t.equal(s.players.length, 0)
  t.equal(s.pages.at(-1)?.heading, 'This course can\'t start right now')
  t.equal(s.lms!.of('finish').length, 1)
})

t.test('the LMS does not name the learner', async (t) => {
  const s = setup('scorm12', { lms: fakeApi('scorm12', {}) })
  await s.launcher.start()
  t.equal(s.requests.length, 0, 'no launch request')
  t.match(s.pages.at(-1)?.paragraphs[0], /did not say who you are/)
  t.equal(s.lms!.of('finish').length, 1)
})

t.test('the LMS refuses to initialise', async (t) => {
  const s = setup('scorm12', { lms: fakeApi('scorm12', learner12, { initialize: 'false', lastError: '101' }) })
  await s.launcher.start()
  t.match(s.pages.at(-1)?.paragraphs[0], /SCORM error 101/)
  t.equal(s.requests.length, 0)
  t.equal(s.lms!.of('finish').length, 0, 'a session that never started is not finished')
})

t.test('SCORM 2004 "already initialized" (a reload inside the LMS) carries on', async (t) => {
  const s = setup('scorm2004', { lms: fakeApi('scorm2004', learner2004, { initialize: 'false', lastError: '103' }) })
  await s.launcher.start()
  t.equal(s.players.length, 1)
})

t.test('closing the window: beacon, last known values, Commit refused, LMSFinish anyway (Cornerstone)', async (t) => {
  const lms = fakeApi('scorm12', learner12, { commit: 'false' })
  const s = setup('scorm12', { lms })
  await s.launcher.start()
  s.clock.now += 65_000
  s.launcher.leave()
  t.same(s.beacons, [{ url: 'https://mastery.example.com/v1/lms/sessions/ses_1/exit', body: { how: 'unload', token: 'tok_1' } }])
  t.same(lms.writes(), launcher.lmsElements('scorm12', { ...values, sessionMs: 65_000 }), 'the last known values, session time recomputed from the launch')
  t.same(lms.writes().find(([element]) => element === 'cmi.core.session_time'), ['cmi.core.session_time', '00:01:05.00'])
  t.same(lms.calls.slice(-2).map((call) => call[0]), ['commit', 'finish'])
  s.launcher.leave()
  await s.launcher.exit()
  s.launcher.hidden()
  t.equal(lms.of('finish').length, 1, 'never finished twice')
  t.equal(s.beacons.length, 1, 'one beacon')
})

t.test('Commit throwing during unload does not stop Terminate', async (t) => {
  const lms = fakeApi('scorm2004', learner2004, { commit: 'throw' })
  const s = setup('scorm2004', { lms })
  await s.launcher.start()
  s.launcher.leave()
  t.same(lms.calls.slice(-2).map((call) => call[0]), ['commit', 'finish'])
})

t.test('Exit when the service fails: the last known values are written anyway', async (t) => {
  const s = setup('scorm2004', { replies: [{ status: 201, body: launched }, { status: 0, throws: true }] })
  await s.launcher.start()
  s.clock.now += 1_500
  await s.launcher.exit()
  t.same(s.lms!.writes(), launcher.lmsElements('scorm2004', { ...values, sessionMs: 1_500 }))
  t.same(s.lms!.calls.slice(-2).map((call) => call[0]), ['commit', 'finish'])
  t.equal(s.pages.at(-1)?.heading, 'Your progress has been saved.')
})

t.test('Exit with a 409 (session already ended) also falls back to the last known values', async (t) => {
  const s = setup('scorm12', { replies: [{ status: 201, body: launched }, { status: 409, body: { error: { code: 'MS_ERR_LMS_SESSION_ENDED', message: 'ended' } } }] })
  await s.launcher.start()
  await s.launcher.exit()
  t.equal(s.lms!.of('finish').length, 1)
  t.same(s.lms!.writes().find(([element]) => element === 'cmi.core.lesson_status'), ['cmi.core.lesson_status', 'incomplete'])
})

t.test('a registration already passed in the LMS stays passed', async (t) => {
  const lms = fakeApi('scorm12', { ...learner12, 'cmi.core.lesson_status': 'passed' })
  const s = setup('scorm12', { lms })
  await s.launcher.start()
  t.same((s.requests[0]!.body as { lmsState: unknown }).lmsState, { completionStatus: 'completed', successStatus: 'passed' }, 'the service is told')
  s.launcher.leave()
  t.same(lms.writes().find(([element]) => element === 'cmi.core.lesson_status'), ['cmi.core.lesson_status', 'passed'], 'and the launcher never writes less')
})

t.test('a hidden page saves and commits without finishing; closing it later finishes', async (t) => {
  const s = setup('scorm2004')
  await s.launcher.start()
  s.clock.now += 10_000
  s.launcher.hidden()
  t.same(s.lms!.writes(), launcher.lmsElements('scorm2004', { ...values, sessionMs: 10_000 }))
  t.equal(s.lms!.of('commit').length, 1)
  t.equal(s.lms!.of('finish').length, 0, 'the learner may come back')
  t.equal(s.beacons.length, 0)
  s.launcher.leave()
  t.equal(s.lms!.of('finish').length, 1)
})

t.test('the window closes while the launch request is pending', async (t) => {
  let answer: (reply: { ok: boolean, status: number, json (): Promise<unknown> }) => void = () => {}
  const s = setup('scorm2004')
  s.env.fetch = async (url, init) => {
    s.requests.push({ url, init, body: JSON.parse(init.body) })
    return new Promise((resolve) => { answer = resolve })
  }
  const l = launcher.createLauncher(s.env)
  const starting = l.start()
  await new Promise((resolve) => setImmediate(resolve))
  l.leave()
  t.same(s.lms!.calls.map((call) => call[0]).filter((kind) => kind !== 'get'), ['initialize', 'set', 'finish'], 'finished, writing only the suspended attempt')
  answer({ ok: true, status: 201, json: async () => launched })
  await starting
  t.equal(s.players.length, 0, 'no player in a closed window')
  t.same(s.beacons, [{ url: 'https://mastery.example.com/v1/lms/sessions/ses_1/exit', body: { how: 'unload', token: 'tok_1' } }], 'the session the service opened is ended')
  t.equal(s.lms!.of('finish').length, 1)
})
