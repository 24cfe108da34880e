// Browser end-to-end test of SCORM packages in an LMS: the real service on 127.0.0.1 (temp
// SQLite, the demo account), packages built by it and downloaded over HTTP, the preview LMS
// (src/preview, scorm-again as the runtime) on http://localhost:<other port>, and Debian's
// Chromium clicking through like a learner. For SCORM 1.2 and SCORM 2004:
//   exit      — play, answer, press Exit: the LMS holds what the service committed, no API error;
//   leave     — the tab closes (1.2) or the LMS page navigates away (2004) instead: the beacon
//               commits on the service, the LMS gets the last known values;
//   off       — LMS integration off: the server's message, no status/score written, no Commit;
//   unlinked  — an LMS user nobody linked: "ask your administrator", nothing reported;
//   strict    — (1.2) the same refusal in an LMS that completes a SCO finishing without a status;
//   mastery   — mastered in direct app use: the next LMS launch + Exit reports passed/100 (R14).
// Screenshots of every step go to test-artifacts/scorm/.
import t, { type Test } from 'tap'
import type { BrowserContext, FrameLocator, Page } from 'playwright-core'
import { parseCmiTimespan, parseIsoDuration } from '../../src/preview/durations.ts'
import type { LmsHost } from '../../src/preview/lms-host.ts'
import { launchChromium, startLiveService } from '../helpers/browser.ts'
import type { LmsValues } from '../../src/domain/lms/commit-values.ts'
import { progressWrites, readLms, screenshot, startTestLmsHost, waitForFinish, writes, type LmsPageState } from '../helpers/lms-host.ts'

// A refused launch writes no score or progress and commits nothing. The one status write
// allowed: a SCORM 1.2 course never attempted becomes "incomplete", because 1.2 LMSs
// otherwise mark a course that set no status "completed" on LMSFinish.
const refusalWrites = (calls: Parameters<typeof progressWrites>[0]) =>
  progressWrites(calls).filter(c => !(c.args[0] === 'cmi.core.lesson_status' && c.args[1] === 'incomplete'))

type Format = 'scorm12' | 'scorm2004'
const formats: readonly Format[] = ['scorm12', 'scorm2004']


const live = await startLiveService(t)
const { demo } = live
const admin = demo.adminKey
const browser = await launchChromium(t)
const answers = await answerKey(demo.profileId)

// What an admin sets up: the learner linked to their LMS user id, a package per format.
const lmsUser = 'lms-ada-1042'
await expectStatus(live.api('POST', `/v1/learners/${demo.learner.id}/lms-links`, { token: admin, body: { lmsUserId: lmsUser } }), [200, 201], 'link')
const flags = await hostsFor(demo.profileId, 'International Flags')
// A profile mastered in one sitting (goal 1: two quick correct answers per concept), for R14.
const basics = await masteredProfile()
const basicsHosts = await hostsFor(basics.profileId, 'Flag Basics')

for (const format of formats) {
  const host = flags[format]

  t.test(`browser: ${format} — play, answer, Exit: the LMS holds what the service committed, with no API error`, async t => {
    const { page } = await lmsPage(t, host, lmsUser)
    const player = playerIn(page)
    await player.getByRole('heading', { level: 1, name: 'International Flags' }).waitFor()
    const sessionId = await launcherSessionId(page)
    t.match(sessionId, /^lms_/, 'the launcher opened an LMS session')
    await screenshot(page, `${format}-exit-1-player`)

    // Play starts a Mini Moment; one activity answered correctly.
    await player.getByRole('button', { name: 'Play' }).click()
    await player.getByText(/^Mini Moment · question 1 of \d+$/).waitFor()
    await answerCorrectly(player)
    await screenshot(page, `${format}-exit-2-answered`)

    await player.getByRole('button', { name: 'Exit', exact: true }).click()
    await waitForFinish(page)
    await page.frameLocator('#course').getByRole('heading', { level: 1, name: 'Your progress has been saved.' }).waitFor()
    await screenshot(page, `${format}-exit-3-saved`)

    const lms = await readLms(page)
    const committed = await commitsOf(sessionId)
    t.equal(committed.length, 1, 'the service recorded exactly one LmsProgressCommitted')
    const values = committed[0]?.values as LmsValues
    t.equal((await exitOf(sessionId))?.how, 'exit', 'committed by the Exit button')
    t.ok(values.scoreRaw > 0, `progress was made (score ${values.scoreRaw})`)
    t.match(values, { completionStatus: 'incomplete', successStatus: 'unknown', exit: 'suspend' })

    if (format === 'scorm12') {
      t.equal(lms.cmi.core.lesson_status, 'incomplete')
      t.equal(lms.cmi.core.score.raw, String(values.scoreRaw), 'cmi.core.score.raw is the committed score')
      t.equal(lms.cmi.core.score.min, '0')
      t.equal(lms.cmi.core.score.max, '100')
      t.match(lms.cmi.core.session_time, /^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$/, 'cmi.core.session_time is a CMITimespan')
      t.ok(Math.abs((parseCmiTimespan(lms.cmi.core.session_time) ?? -1) - values.sessionMs) <= 10, `session time ${lms.cmi.core.session_time} is the committed ${values.sessionMs} ms`)
      t.equal(lms.cmi.core.exit, 'suspend')
    } else {
      t.equal(lms.cmi.completion_status, 'incomplete')
      t.equal(lms.cmi.success_status, 'unknown')
      t.equal(Number(lms.cmi.score.scaled), values.scoreScaled, 'cmi.score.scaled is the committed score')
      t.equal(lms.cmi.score.raw, String(values.scoreRaw))
      t.equal(Number(lms.cmi.progress_measure), values.progressMeasure, 'cmi.progress_measure is the committed progress')
      t.match(lms.cmi.session_time, /^P(\d+D)?T(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?$/, 'cmi.session_time is an ISO 8601 duration')
      t.ok(Math.abs((parseIsoDuration(lms.cmi.session_time) ?? -1) - values.sessionMs) <= 10, `session time ${lms.cmi.session_time} is the committed ${values.sessionMs} ms`)
      t.equal(lms.cmi.exit, 'suspend')
    }
    cleanRun(t, lms, format)
    t.equal(lms.learnerId, lmsUser)

    // The LMS side of the host (what a real LMS would store) received the same values.
    const finished = await host.waitForReport(r => r.learnerId === lmsUser && r.launch === lms.launch && r.kind === 'finish')
    t.equal(finished.result, 'true')
    t.equal(finished.values[format === 'scorm12' ? 'cmi.core.score.raw' : 'cmi.score.raw'], String(values.scoreRaw), 'the host stored the committed score')
  })

  // 1.2 closes the tab; 2004 navigates the LMS page away (an LMS going back to its course list).
  const leaving = format === 'scorm12' ? 'closing the tab' : 'navigating the LMS page away'
  t.test(`browser: ${format} — ${leaving} instead of Exit still commits (beacon) and the LMS gets the last known values`, async t => {
    const { page } = await lmsPage(t, host, lmsUser)
    const player = playerIn(page)
    await player.getByRole('heading', { level: 1, name: 'International Flags' }).waitFor()
    const sessionId = await launcherSessionId(page)
    const before = await readLms(page)
    const launch = before.launch
    t.ok(launch >= 2, 'a later launch of this learner')
    t.equal(format === 'scorm12' ? before.cmi.core.entry : before.cmi.entry, 'resume', 'the LMS resumes the suspended registration')
    await screenshot(page, `${format}-close-1-player`)

    if (format === 'scorm12') await page.close({ runBeforeUnload: true })
    else await page.goto('about:blank')

    const exited = await waitFor(() => exitOf(sessionId), 'the service to record the exit')
    t.equal(exited.how, 'unload', 'the beacon reached the service')
    const committed = await commitsOf(sessionId)
    t.equal(committed.length, 1, 'exactly one LmsProgressCommitted')
    const values = committed[0]?.values as LmsValues

    const finish = await host.waitForReport(r => r.learnerId === lmsUser && r.launch === launch && r.kind === 'finish')
    const commit = host.reports.find(r => r.learnerId === lmsUser && r.launch === launch && r.kind === 'commit')
    t.equal(commit?.result, 'true', 'the launcher committed while the page went away')
    t.equal(finish.result, 'true', 'and finished the session')
    t.same(host.reports.filter(r => r.launch === launch && r.learnerId === lmsUser && r.kind === 'error'), [], 'no API error')
    if (format === 'scorm12') {
      t.equal(finish.values['cmi.core.lesson_status'], 'incomplete')
      t.equal(finish.values['cmi.core.score.raw'], String(values.scoreRaw), 'the LMS has the score the service committed')
      t.match(finish.values['cmi.core.session_time'], /^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$/)
      t.equal(finish.values['cmi.core.exit'], 'suspend')
    } else {
      t.equal(finish.values['cmi.completion_status'], 'incomplete')
      t.equal(finish.values['cmi.success_status'], 'unknown')
      t.equal(Number(finish.values['cmi.score.scaled']), values.scoreScaled, 'the LMS has the score the service committed')
      t.match(finish.values['cmi.session_time'], /^PT(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?$/)
      t.equal(finish.values['cmi.exit'], 'suspend')
    }
  })

  t.test(`browser: ${format} — LMS integration off: the server's message, nothing written to the LMS`, async t => {
    await expectStatus(live.api('PUT', `/v1/profiles/${demo.profileId}/lms-integration`, { token: admin, body: { enabled: false } }), [200], 'toggle off')
    t.teardown(() => expectStatus(live.api('PUT', `/v1/profiles/${demo.profileId}/lms-integration`, { token: admin, body: { enabled: true } }), [200], 'toggle on'))
    const launchesBefore = await countEvents('LmsSessionLaunched')
    t.equal(host.registration(lmsUser)?.suspended, true, 'before: the learner\'s LMS attempt is suspended (the tab was closed mid-course)')

    const { page } = await lmsPage(t, host, lmsUser)
    const course = page.frameLocator('#course')
    await course.getByRole('heading', { level: 1, name: 'This course can\'t start right now' }).waitFor()
    await course.getByText('This course is currently turned off by your administrator. Please try again later, or contact them.').waitFor()
    await waitForFinish(page)
    await screenshot(page, `${format}-off-error-page`)

    const lms = await readLms(page)
    t.same(refusalWrites(lms.calls), [], 'no score, progress or passing status written, no Commit')
    cleanRun(t, lms, format, { refused: true })
    t.equal(await countEvents('LmsSessionLaunched'), launchesBefore, 'no LMS session was opened')
    if (format === 'scorm2004') {
      await host.waitForReport(r => r.learnerId === lmsUser && r.launch === lms.launch && r.kind === 'finish')
      t.equal(host.registration(lmsUser)?.attemptEnded, false, 'the refused launch leaves the LMS attempt as it was (suspended)')
    }
  })

  t.test(`browser: ${format} — an LMS user nobody linked: ask your administrator, nothing written`, async t => {
    const stranger = `lms-stranger-${format}`
    const launchesBefore = await countEvents('LmsSessionLaunched')
    const { page } = await lmsPage(t, host, stranger)
    const course = page.frameLocator('#course')
    await course.getByRole('heading', { level: 1, name: 'This course can\'t start right now' }).waitFor()
    await course.getByText(`Your LMS account (user id "${stranger}") is not linked to a learner yet. Please ask your administrator to link it, then launch the course again.`).waitFor()
    await waitForFinish(page)
    await screenshot(page, `${format}-unlinked-error-page`)

    const lms = await readLms(page)
    t.same(refusalWrites(lms.calls), [], 'no score, progress or passing status written, no Commit')
    cleanRun(t, lms, format, { refused: true })
    if (format === 'scorm12') t.not(lms.cmi.core.lesson_status, 'completed', 'the failed launch does not complete the course')
    else t.equal(lms.cmi.completion_status, 'unknown', 'the failed launch does not complete the course')
    t.equal(await countEvents('LmsSessionLaunched'), launchesBefore, 'no LMS session was opened')
  })

  if (format === 'scorm12') {
    t.test('browser: scorm12 — a refused launch does not complete the course in an LMS that completes on LMSFinish', async t => {
      const stranger = 'lms-stranger-strict-lms'
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
      t.teardown(() => context.close())
      const page = await context.newPage()
      await page.goto(host.pageUrl({ id: stranger, name: 'Stranger', autoComplete: true }))
      await page.frameLocator('#course').getByRole('heading', { level: 1, name: 'This course can\'t start right now' }).waitFor()
      await waitForFinish(page)
      await screenshot(page, 'scorm12-unlinked-strict-lms')
      const lms = await readLms(page)
      t.same(refusalWrites(lms.calls), [], 'no score, progress or passing status written, no Commit')
      t.not(lms.cmi.core.lesson_status, 'completed', 'the refused launch is not recorded as completed')
    })
  }

  t.test(`browser: ${format} — mastered in the app: the next LMS launch + Exit reports passed, completed, 100`, async t => {
    const basicsHost = basicsHosts[format]
    const { page } = await lmsPage(t, basicsHost, lmsUser)
    const player = playerIn(page)
    await player.getByRole('heading', { level: 1, name: 'Flag Basics' }).waitFor()
    t.equal(await player.getByRole('progressbar', { name: 'Progress in Flag Basics' }).getAttribute('value'), '100', 'the player shows the mastery reached in the app')
    const sessionId = await launcherSessionId(page)
    await screenshot(page, `${format}-mastery-1-player`)
    await player.getByRole('button', { name: 'Exit', exact: true }).click()
    await waitForFinish(page)
    await screenshot(page, `${format}-mastery-2-saved`)

    const lms = await readLms(page)
    const committed = await commitsOf(sessionId)
    t.equal(committed.length, 1, 'exactly one LmsProgressCommitted')
    t.equal(committed[0]?.mastered, true, 'the commit says mastered')
    t.match(committed[0]?.values, { completionStatus: 'completed', successStatus: 'passed', scoreRaw: 100, scoreScaled: 1, progressMeasure: 1 })
    if (format === 'scorm12') {
      t.equal(lms.cmi.core.lesson_status, 'passed')
      t.equal(lms.cmi.core.score.raw, '100')
      t.match(lms.cmi.core.session_time, /^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$/)
    } else {
      t.equal(lms.cmi.completion_status, 'completed')
      t.equal(lms.cmi.success_status, 'passed')
      t.equal(lms.cmi.score.scaled, '1')
      t.equal(lms.cmi.score.raw, '100')
      t.equal(lms.cmi.progress_measure, '1')
      t.equal(lms.cmi.exit, 'normal')
    }
    cleanRun(t, lms, format)
  })
}

t.test('browser: the player may be framed only by the LMS origins the account allows (frame-ancestors)', async t => {
  const host = flags.scorm2004
  const lmsOrigin = new URL(host.pageUrl({ id: lmsUser, name: 'Ada Learner' })).origin
  const settings = (lmsOrigins?: string[]) => expectStatus(live.api('PUT', '/v1/account/settings', { token: admin, body: { unknownLmsUsers: 'reject', ...(lmsOrigins === undefined ? {} : { lmsOrigins }) } }), [200], 'settings')
  t.teardown(() => settings())

  // Another LMS's origin only: Chromium refuses to show the player inside this LMS.
  await settings(['https://lms.elsewhere.example'])
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  t.teardown(() => context.close())
  const refused = { page: await context.newPage() }
  const violations: string[] = []
  refused.page.on('console', message => { if (/frame-ancestors/.test(message.text())) violations.push(message.text()) })
  await refused.page.goto(host.pageUrl({ id: lmsUser, name: 'Ada Learner' }))
  await waitFor(async () => violations.length > 0 ? true : undefined, 'Chromium to report the frame-ancestors violation')
  t.match(violations[0], /lms\.elsewhere\.example/, 'the browser names the policy that refused the frame')
  t.equal(await playerIn(refused.page).getByRole('heading', { level: 1 }).count(), 0, 'no player inside the frame')
  await screenshot(refused.page, 'frame-ancestors-refused')

  // This LMS's origin allowed: the player shows.
  await settings([lmsOrigin])
  const allowed = await lmsPage(t, host, lmsUser)
  const heading = playerIn(allowed.page).getByRole('heading', { level: 1, name: 'International Flags' })
  await heading.waitFor()
  t.ok(await heading.isVisible(), `the player shows, framed by ${lmsOrigin}`)
})

// ------------------------------------------------------------------ checks

/** A Commit that worked before a finish that worked, and no error from scorm-again at any point. */
function cleanRun (t: Test, lms: LmsPageState, format: Format, options: { refused?: boolean } = {}): void {
  const finishName = format === 'scorm12' ? 'LMSFinish' : 'Terminate'
  const commitName = format === 'scorm12' ? 'LMSCommit' : 'Commit'
  t.same(lms.errors, [], 'no SCORM API call set an error code')
  t.same(lms.log.filter(entry => entry.level === 'error'), [], 'scorm-again logged no error')
  t.equal(lms.lastError, '0', 'the last error code is 0')
  const names = lms.calls.map(c => c.call)
  t.equal(names.filter(n => n === finishName).length, 1, `${finishName} was called once`)
  t.equal(names[names.length - 1], finishName, `${finishName} was the last call`)
  t.equal(lms.calls.find(c => c.call === finishName)?.result, 'true', `${finishName} succeeded`)
  const commits = lms.calls.filter(c => c.call === commitName)
  if (commits.length > 0) {
    t.ok(commits.every(c => c.result === 'true'), `${commitName} succeeded`)
    t.ok(names.lastIndexOf(commitName) < names.lastIndexOf(finishName), `${commitName} came before ${finishName}`)
  }
  // A refused launch only suspends the attempt; Terminate/LMSFinish persists that without a Commit.
  if (writes(lms.calls).length > 0 && options.refused !== true) t.ok(commits.length > 0, `what was set was committed (${commitName})`)
}

// ------------------------------------------------------------------ the browser

async function lmsPage (t: Test, host: LmsHost, learnerId: string): Promise<{ context: BrowserContext, page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  t.teardown(() => context.close())
  const page = await context.newPage()
  await page.goto(host.pageUrl({ id: learnerId, name: 'Ada Learner' }))
  return { context, page }
}

/** The player, framed by the launcher, framed by the LMS page. */
function playerIn (page: Page): FrameLocator {
  return page.frameLocator('#course').frameLocator('iframe.player')
}

async function launcherSessionId (page: Page): Promise<string> {
  const frame = page.frame({ name: 'course' })
  if (frame === null) throw new Error('no course frame')
  return frame.evaluate(() => (globalThis as any).masterySyncLaunch.status().sessionId as string)
}

/** Answers the activity on screen correctly, like a learner: ticks the right options, Submit. */
async function answerCorrectly (player: FrameLocator): Promise<void> {
  const prompt = await player.locator('h1').textContent() ?? ''
  const correct = answers.get(prompt)
  if (correct === undefined) throw new Error(`no answer key for "${prompt}"`)
  for (const text of correct) await player.getByRole('checkbox', { name: text, exact: true }).check()
  await player.getByRole('button', { name: 'Submit' }).click()
  await player.getByText('Correct!', { exact: true }).waitFor()
}

// ------------------------------------------------------------------ the service

async function expectStatus (reply: Promise<{ status: number, body: any }>, statuses: number[], what: string): Promise<any> {
  const { status, body } = await reply
  if (!statuses.includes(status)) throw new Error(`${what}: HTTP ${status} ${JSON.stringify(body)}`)
  return body
}

/** A package per format, built by the service and downloaded over HTTP as an admin would, each in its own LMS. */
async function hostsFor (profileId: string, title: string): Promise<Record<Format, LmsHost>> {
  const zips = await Promise.all(formats.map(async format => {
    const created = await expectStatus(live.api('POST', `/v1/profiles/${profileId}/packages`, { token: admin, body: { title, format } }), [202], 'package')
    const ready = await waitFor(async () => {
      const pkg = await expectStatus(live.api('GET', `/v1/packages/${created.packageId}`, { token: admin }), [200], 'package status')
      return pkg.status === 'ready' ? pkg : undefined
    }, `package ${format} to be ready`)
    const download = await fetch(ready.downloadUrl as string, { headers: { authorization: `Bearer ${admin}` } })
    if (download.status !== 200 || download.headers.get('content-type') !== 'application/zip') throw new Error(`download: HTTP ${download.status}`)
    return Buffer.from(await download.arrayBuffer())
  }))
  const hosts = await Promise.all(zips.map(zip => startTestLmsHost(t, zip)))
  return { scorm12: hosts[0] as LmsHost, scorm2004: hosts[1] as LmsHost }
}

/** Which options are correct, by prompt, from the admin API. */
async function answerKey (profileId: string): Promise<Map<string, string[]>> {
  const key = new Map<string, string[]>()
  const profile = await expectStatus(live.api('GET', `/v1/profiles/${profileId}`, { token: admin }), [200], 'profile')
  for (const { moduleId } of profile.modules) {
    const module = await expectStatus(live.api('GET', `/v1/modules/${moduleId}`, { token: admin }), [200], 'module')
    for (const concept of module.concepts) {
      for (const activity of concept.activities) key.set(activity.prompt, activity.options.filter((o: any) => o.correct).map((o: any) => o.text))
    }
  }
  return key
}

/**
 * "Flag Basics": one module at goal 1, one concept of two activities, LMS integration on,
 * assigned to the demo learner, who masters it in the app (quick correct answers through the API).
 */
async function masteredProfile (): Promise<{ profileId: string }> {
  const created = async (path: string, body: unknown): Promise<string> => (await expectStatus(live.api('POST', path, { token: admin, body }), [201], path)).id
  const moduleId = await created('/v1/modules', { title: 'Flag basics' })
  const conceptId = await created(`/v1/modules/${moduleId}/concepts`, { title: 'Red and white' })
  const options = [{ id: 'right', text: 'Denmark', correct: true }, { id: 'wrong', text: 'Sweden', correct: false }]
  await created(`/v1/concepts/${conceptId}/activities`, { prompt: 'A white cross on red?', options })
  await created(`/v1/concepts/${conceptId}/activities`, { prompt: 'The Dannebrog belongs to…', options })
  const profileId = await created('/v1/profiles', { name: 'Flag Basics' })
  await expectStatus(live.api('PUT', `/v1/profiles/${profileId}/modules/${moduleId}`, { token: admin, body: { goal: 1 } }), [200], 'goal')
  await expectStatus(live.api('PUT', `/v1/profiles/${profileId}/lms-integration`, { token: admin, body: { enabled: true } }), [200], 'integration')
  await expectStatus(live.api('PUT', `/v1/profiles/${profileId}/assignments/${demo.learner.id}`, { token: admin, body: {} }), [200, 201], 'assignment')

  const login = await expectStatus(live.api('POST', '/v1/auth/login', { body: { email: demo.learner.email, password: demo.learner.password } }), [200], 'login')
  const token = login.token as string
  for (let round = 0; round < 5; round++) {
    const moment = await expectStatus(live.api('POST', '/v1/me/moments', { token, body: { profileId } }), [201], 'moment')
    for (const activity of moment.activities) {
      const answer = await expectStatus(live.api('POST', `/v1/me/moments/${moment.momentId}/answers`, { token, body: { activityId: activity.activityId, selected: ['right'], responseMs: 1500 } }), [200], 'answer')
      if (answer.profiles.find((p: any) => p.profileId === profileId)?.mastered === true) return { profileId }
    }
  }
  throw new Error('Flag Basics was not mastered after five Mini Moments')
}

async function eventsOfType (type: string) {
  return (await live.service.ctx.store.readAll({ maxCount: 1_000_000 })).filter(e => e.type === type)
}

async function countEvents (type: string): Promise<number> {
  return (await eventsOfType(type)).length
}

async function commitsOf (sessionId: string): Promise<{ values: LmsValues, mastered: boolean }[]> {
  return (await live.service.ctx.store.readStream(`lms-session-${sessionId}`))
    .filter(e => e.type === 'LmsProgressCommitted')
    .map(e => e.data as { values: LmsValues, mastered: boolean })
}

async function exitOf (sessionId: string): Promise<{ how: string } | undefined> {
  const exited = (await live.service.ctx.store.readStream(`lms-session-${sessionId}`)).find(e => e.type === 'LmsSessionExited')
  return exited?.data as { how: string } | undefined
}

async function waitFor<T> (check: () => Promise<T | undefined>, what: string, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}
