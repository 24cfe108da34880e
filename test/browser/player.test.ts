// Browser tests of the learner's player at /player/: Debian Chromium clicks through it like
// a person would, against a real service on 127.0.0.1 seeded with the demo account.
//   direct mode — sign in, profiles with progress, Play (Mastery Moment), Practise, cards,
//                 password change, logout;
//   LMS mode    — framed by a stand-in LMS page on another origin: locked to one profile,
//                 Mini Moments, cards, no password control, "Exit", progress posted to the parent.
import t, { type Test } from 'tap'
import type { Frame, FrameLocator, Locator, Page } from 'playwright-core'
import { launchKeyFor, readLearnerToken, signLearnerToken } from '../../src/app/credentials.ts'
import { launchChromium, screenshot, startLiveService, startLmsParent, watchForProblems, type LiveService } from '../helpers/browser.ts'

type Ui = Page | FrameLocator

// Browser globals inside page.evaluate callbacks; module-scoped so the DOM lib stays out of the project.
declare const window: any, document: any, sessionStorage: any

const live = await startLiveService(t)
const browser = await launchChromium(t)
const lmsParent = await startLmsParent(t)
const { demo } = live
const admin = demo.adminKey

// A second profile with its own module, so "locked to one profile" is visible, and an
// activity with two correct options ("select all that apply").
const capitals = await buildCapitalsProfile(live)
await live.api('PUT', `/v1/profiles/${capitals.profileId}/assignments/${demo.learner.id}`, { token: admin, body: {} })
const answers = await answerKey(live, [demo.profileId, capitals.profileId])
const lmsPackage = await lmsReady(live, 'lms-user-ada')

t.test('browser: the player is served as static files with a strict policy, hidden from OpenAPI', async t => {
  for (const [path, type] of [['/player/', 'text/html'], ['/player/player.js', 'text/javascript'], ['/player/player.css', 'text/css'], ['/player/base.css', 'text/css'], ['/player/elements.js', 'text/javascript']] as const) {
    const response = await fetch(live.origin + path)
    t.equal(response.status, 200, path)
    t.match(response.headers.get('content-type'), type, `${path} content type`)
    t.equal(response.headers.get('cache-control'), 'no-cache', `${path} is revalidated every time`)
    // Opened directly (no LMS launch names an account): nobody may frame it (test/http/framing.test.ts).
    t.equal(response.headers.get('content-security-policy'), "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'", `${path} policy`)
  }
  const redirect = await fetch(`${live.origin}/player`, { redirect: 'manual' })
  t.equal(redirect.status, 301, '/player redirects')
  t.equal(redirect.headers.get('location'), '/player/')
  const html = await (await fetch(`${live.origin}/player/`)).text()
  t.notMatch(html, /<script>|<style|\sstyle=|\son[a-z]+=/i, 'no inline script, style or handler (the policy would block them)')
  t.match(html, /<html lang="en">/)
  const openapi = await (await fetch(`${live.origin}/docs/json`)).json() as { paths: Record<string, unknown> }
  t.notOk(Object.keys(openapi.paths).some(p => p.startsWith('/player')), 'no /player route in the OpenAPI document')
})

t.test('browser: direct mode — sign in, practise, cards, change password, log out', async t => {
  const context = await browser.newContext({ viewport: { width: 900, height: 900 } })
  t.teardown(() => context.close())
  const page = await context.newPage()
  const problems = watchForProblems(page, '/player')

  await page.goto(`${live.origin}/player/`)
  await heading(page, 'Sign in')
  t.equal(await focusedTag(page), 'H1', 'focus starts on the screen heading')
  await screenshot(page, 'direct-01-sign-in')

  // A wrong password: the API's words, in an alert.
  await page.getByLabel('Email').fill(demo.learner.email)
  await page.getByLabel('Password').fill('not the password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('alert').getByText('Email or password is not correct.').waitFor()
  await screenshot(page, 'direct-02-sign-in-error')

  await page.getByLabel('Password').fill(demo.learner.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await heading(page, 'Your Mastery Profiles')
  t.equal(await page.getByRole('alert').textContent(), '', 'the error is gone')
  const token = await page.evaluate(() => sessionStorage.getItem('mastery-sync.player.token'))
  t.match(token, /^mst_/, 'the session token is kept in sessionStorage')

  // Both assigned profiles, each with a labelled progress bar, and the account controls.
  t.same(await page.getByRole('heading', { level: 2 }).allTextContents(), ['International Flags', 'World Capitals'])
  t.equal(await page.getByRole('progressbar', { name: 'Progress in International Flags' }).getAttribute('value'), '0')
  t.equal(await page.getByRole('button', { name: 'Change password' }).count(), 1)
  t.equal(await page.getByRole('button', { name: 'Logout', exact: true }).count(), 1)
  t.equal(await page.getByRole('button', { name: 'Exit' }).count(), 0, 'no Exit outside an LMS')
  await noStrayValues(t, page)
  await screenshot(page, 'direct-03-home')

  // Readable on a narrow phone: nothing wider than 320 px.
  await page.setViewportSize({ width: 320, height: 800 })
  t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 320), 'no horizontal scrolling at 320 px')
  await screenshot(page, 'direct-04-home-320px')
  await page.setViewportSize({ width: 900, height: 900 })

  // The session survives a reload of the tab.
  await page.reload()
  await heading(page, 'Your Mastery Profiles')

  // Play: a Mastery Moment across both profiles.
  await page.getByRole('button', { name: 'Play' }).click()
  const played = await playMoment(t, page, page, 'Mastery Moment', 'direct-05-moment')
  t.ok(played.prompts.length > 1, 'a Mastery Moment has several activities')
  t.ok(played.prompts.some(p => answers.get(p)?.profileId === capitals.profileId) && played.prompts.some(p => answers.get(p)?.profileId === demo.profileId),
    'a Mastery Moment draws from every assigned profile')
  t.equal(await page.locator('.score').textContent(), `You answered ${played.correct} of ${played.prompts.length} correctly.`)
  t.equal(await page.getByRole('heading', { level: 2 }).count(), 2, 'the summary shows the progress of both profiles')
  await noStrayValues(t, page)
  await screenshot(page, 'direct-08-summary')
  await page.getByRole('button', { name: 'Back to home' }).click()
  await heading(page, 'Your Mastery Profiles')
  const flagsProgress = Number(await page.getByRole('progressbar', { name: 'Progress in International Flags' }).getAttribute('value'))
  t.ok(flagsProgress > 0, `progress shows after correct answers (${flagsProgress}%)`)

  // Practise one profile: a Mini Moment from it alone.
  await page.getByRole('button', { name: 'Practise World Capitals' }).click()
  await page.getByText(/^Mini Moment · question 1 of \d+$/).waitFor()
  const prompt = await page.locator('h1').textContent() ?? ''
  t.equal(answers.get(prompt)?.profileId, capitals.profileId, 'Practise starts a Mini Moment of that profile')
  await page.getByRole('button', { name: 'Home' }).click()
  await heading(page, 'Your Mastery Profiles')

  // Knowledge Cards, live: an edit by the admin shows on the next visit (R6).
  await page.getByRole('button', { name: 'Knowledge Cards of International Flags' }).click()
  await heading(page, 'Knowledge Cards: International Flags')
  t.ok((await page.getByRole('heading', { level: 2 }).allTextContents()).includes('Nordic crosses'))
  await noStrayValues(t, page)
  await screenshot(page, 'direct-09-cards')
  const card = answers.cards.get('Nordic crosses')
  t.ok(card, 'the seed has the Nordic crosses card')
  t.equal((await live.api('PATCH', `/v1/cards/${card}`, { token: admin, body: { title: 'Nordic crosses (updated)' } })).status, 200)
  await page.getByRole('button', { name: 'Back to home' }).click()
  await page.getByRole('button', { name: 'Knowledge Cards of International Flags' }).click()
  await page.getByRole('heading', { level: 2, name: 'Nordic crosses (updated)' }).waitFor()
  await page.getByRole('button', { name: 'Back to home' }).click()

  // Change password: a wrong current password is refused in words; then it works and the new token is kept.
  await page.getByRole('button', { name: 'Change password' }).click()
  await heading(page, 'Change password')
  await page.getByLabel('Current password').fill('wrong password')
  await page.getByLabel('New password', { exact: true }).fill('a brand new password')
  await page.getByLabel('Repeat the new password').fill('a brand new password')
  await page.getByRole('main').getByRole('button', { name: 'Change password' }).click()
  await page.getByRole('alert').getByText('The current password is not correct.').waitFor()
  await screenshot(page, 'direct-10-password')
  await page.getByLabel('Current password').fill(demo.learner.password)
  await page.getByRole('main').getByRole('button', { name: 'Change password' }).click()
  await heading(page, 'Your Mastery Profiles')
  await page.getByRole('status').getByText('Your password has been changed.').waitFor()
  const newToken = await page.evaluate(() => sessionStorage.getItem('mastery-sync.player.token'))
  t.not(newToken, token, 'the new session token replaced the old one')
  t.equal((await live.api('GET', '/v1/me/profiles', { token: token ?? '' })).status, 401, 'the old session ended')
  t.equal((await live.api('POST', '/v1/auth/login', { body: { email: demo.learner.email, password: 'a brand new password' } })).status, 200, 'the new password signs in')
  demo.learner.password = 'a brand new password'

  // Logout: back to sign-in, nothing kept, the session is over on the server too.
  await page.getByRole('button', { name: 'Logout' }).click()
  await heading(page, 'Sign in')
  await page.getByRole('status').getByText('You have signed out.').waitFor()
  t.equal(await page.evaluate(() => sessionStorage.length), 0, 'sessionStorage is empty')
  t.equal((await live.api('GET', '/v1/me/profiles', { token: newToken ?? '' })).status, 401, 'the token no longer works')
  await noStrayValues(t, page)
  await screenshot(page, 'direct-11-signed-out')
  t.same(problems, [], 'no page errors or blocked resources')
})

t.test('browser: LMS mode — locked to the launched profile, Mini Moments, Exit, progress to the parent', async t => {
  const launch = await launchFromLms(live, lmsPackage)
  const context = await browser.newContext({ viewport: { width: 520, height: 900 } })
  t.teardown(() => context.close())
  const page = await context.newPage()
  const problems = watchForProblems(page, '/player')
  const src = playerSrc(launch.playerUrl, lmsParent.origin)

  await page.goto(lmsParent.pageUrl(src, { meddler: true }))
  const player = page.frameLocator('#player')
  await heading(player, 'International Flags')
  const messages = () => page.evaluate(() => window.messages as { origin: string, data: any }[])
  await waitFor(async () => (await messages()).length >= 1, 'the first progress message')
  const [first] = await messages()
  t.equal(first?.origin, live.origin, 'messages come from the service origin')
  t.match(first?.data, { source: 'mastery-sync', type: 'progress', values: { completionStatus: 'incomplete', successStatus: 'unknown' } }, 'progress values at load')

  // Locked: one profile, its progress, Play, Knowledge Cards, Exit — and no password anywhere.
  const shared = Number(await player.getByRole('progressbar', { name: 'Progress in International Flags' }).getAttribute('value'))
  t.ok(shared > 0, `progress made in direct use shows in the LMS launch (R13: ${shared}%)`)
  t.equal(await player.getByText('World Capitals').count(), 0, 'other profiles are not shown')
  t.equal(await player.getByRole('button', { name: /password/i }).count(), 0, 'no password control')
  t.equal(await player.getByLabel(/password/i).count(), 0, 'no password field')
  t.equal(await player.getByRole('button', { name: /logout/i }).count(), 0, 'no Logout')
  const exit = player.getByRole('button', { name: 'Exit', exact: true })
  t.equal(await exit.count(), 1, 'the logout control reads Exit')
  t.equal(await exit.evaluate(el => el.tagName), 'BUTTON')
  await noStrayValues(t, player)
  await screenshot(page, 'lms-01-home')

  // Play: a Mini Moment from the launched profile only; progress reaches the parent after each answer.
  await player.getByRole('button', { name: 'Play' }).click()
  const played = await playMoment(t, page, player, 'Mini Moment', 'lms-02-moment')
  t.ok(played.prompts.every(p => answers.get(p)?.profileId === demo.profileId), 'every activity is from the launched profile')
  await screenshot(page, 'lms-05-summary')
  await waitFor(async () => (await messages()).length >= 1 + played.prompts.length, 'one progress message per answer')
  const progress = (await messages()).filter(m => m.data?.type === 'progress')
  const last = progress[progress.length - 1]?.data
  t.ok(last.values.progressMeasure > 0, `the latest values carry the progress (${last.values.progressMeasure})`)
  t.ok(progress.every(m => m.origin === live.origin))

  // Knowledge Cards are reachable.
  await player.getByRole('button', { name: 'Back to home' }).click()
  await player.getByRole('button', { name: 'Knowledge Cards' }).click()
  await heading(player, 'Knowledge Cards: International Flags')
  t.ok(await player.getByRole('heading', { level: 2 }).count() > 0, 'cards are listed')
  await screenshot(page, 'lms-06-cards')
  await player.getByRole('button', { name: 'Back to home' }).click()
  await heading(player, 'International Flags')

  // Only the parent may talk to the player: another origin's request is ignored, the parent's answered.
  const before = (await messages()).length
  const meddler = page.frames().find(f => f.url().startsWith(lmsParent.otherOrigin)) as Frame
  t.ok(meddler, 'the meddling frame is loaded')
  await meddler.evaluate(() => window.parent.frames[0]?.postMessage({ source: 'mastery-sync', type: 'request-progress' }, '*'))
  await page.waitForTimeout(400)
  t.equal((await messages()).length, before, 'a message from another origin is ignored')
  await page.evaluate(origin => window.frames[0]?.postMessage({ source: 'mastery-sync', type: 'request-progress' }, origin), live.origin)
  await waitFor(async () => (await messages()).length === before + 1, 'a reply to the parent\'s request')

  // Exit: the parent is told; the player says it is saving.
  await exit.click()
  await heading(player, 'Saving your progress…')
  await waitFor(async () => (await messages()).some(m => m.data?.type === 'exit'), 'the exit message')
  const exitMessage = (await messages()).find(m => m.data?.type === 'exit')
  t.same(exitMessage?.data, { source: 'mastery-sync', type: 'exit' })
  await screenshot(page, 'lms-07-saving')

  // The launcher commits (as a real one would); a reload of the course then says the session ended.
  t.equal((await live.api('POST', `/v1/lms/sessions/${launch.sessionId}/exit`, { token: launch.token, body: { how: 'exit' } })).status, 200)
  await page.reload()
  await heading(page.frameLocator('#player'), 'Session ended')
  await page.frameLocator('#player').getByText('This LMS session has ended; launch the course from your LMS again.').waitFor()
  await screenshot(page, 'lms-08-ended')
  t.same(problems, [], 'no page errors or blocked resources')
})

t.test('browser: LMS mode — a course open past its session\'s 12 hours says so, and Exit still reaches the parent', async t => {
  const launch = await launchFromLms(live, lmsPackage)
  // The same session, as its token reads 12 hours on: signed as the service signs, expired.
  const secret = live.service.ctx.tokenSecret
  const claims = readLearnerToken(launch.token, secret)
  if (claims === undefined) throw new Error('the launch token does not read')
  const expired = signLearnerToken({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 }, secret)
  const context = await browser.newContext()
  t.teardown(() => context.close())
  const page = await context.newPage()
  await page.goto(lmsParent.pageUrl(playerSrc(launch.playerUrl.replace(launch.token, expired), lmsParent.origin)))
  const player = page.frameLocator('#player')
  await heading(player, 'Session ended')
  await player.getByText('open for more than 12 hours', { exact: false }).waitFor()
  t.match(await player.locator('p.ended').textContent(), /Choose Exit to send your progress to your LMS, then launch the course from your LMS again/)
  await screenshot(page, 'lms-09-timed-out')
  await player.getByRole('button', { name: 'Exit', exact: true }).click()
  await waitFor(async () => (await page.evaluate(() => window.messages as { data: any }[])).some(m => m.data?.type === 'exit'), 'the exit message')
  t.equal((await live.api('POST', `/v1/lms/sessions/${launch.sessionId}/exit`, { token: expired, body: { how: 'exit' } })).status, 200, 'the launcher\'s exit with that token commits')
})

t.test('browser: LMS mode posts nothing to a parent whose origin differs from parentOrigin', async t => {
  const launch = await launchFromLms(live, lmsPackage)
  const context = await browser.newContext()
  t.teardown(() => context.close())
  const page = await context.newPage()
  await page.goto(lmsParent.pageUrl(playerSrc(launch.playerUrl, 'https://lms.example.org')))
  const player = page.frameLocator('#player')
  await heading(player, 'International Flags')
  await player.getByRole('button', { name: 'Exit', exact: true }).click()
  await heading(player, 'Saving your progress…')
  await page.waitForTimeout(400)
  t.same(await page.evaluate(() => window.messages), [], 'targetOrigin is parentOrigin, never *')
})

t.test('browser: framed under an LMS session\'s rule but without its launch, the player offers no sign-in', async t => {
  const launch = await launchFromLms(live, lmsPackage)
  const context = await browser.newContext()
  t.teardown(() => context.close())
  const page = await context.newPage()
  // The session's page may be framed (its account allows any LMS); without the launch's
  // fragment it would be the sign-in page, which has no business inside someone's frame.
  const url = new URL(launch.playerUrl)
  await page.goto(lmsParent.pageUrl(`${live.origin}${url.pathname}${url.search}`))
  const player = page.frameLocator('#player')
  await heading(player, 'Open the player in its own window')
  t.equal(await player.getByLabel('Password').count(), 0, 'no password field inside the frame')
  t.equal(await player.getByRole('link', { name: 'Open the player' }).getAttribute('target'), '_blank')
})

t.test('browser: a profile with nothing to practise yet gets a friendly message', async t => {
  const empty = await live.api('POST', '/v1/profiles', { token: admin, body: { name: 'Coming Soon' } })
  const email = 'bo@example.com'
  const password = 'bo password 123'
  const learner = await live.api('POST', '/v1/learners', { token: admin, body: { name: 'Bo', email, password } })
  await live.api('PUT', `/v1/profiles/${empty.body.id}/assignments/${learner.body.id}`, { token: admin, body: {} })
  const context = await browser.newContext()
  t.teardown(() => context.close())
  const page = await context.newPage()
  await page.goto(`${live.origin}/player/`)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await heading(page, 'Your Mastery Profiles')
  await page.getByRole('button', { name: 'Practise Coming Soon' }).click()
  await heading(page, 'Nothing to practise yet')
  await screenshot(page, 'direct-12-nothing-to-practise')
  await page.getByRole('button', { name: 'Back to home' }).click()
  await heading(page, 'Your Mastery Profiles')
})

// ------------------------------------------------------------------ helpers

async function heading (ui: Ui, name: string): Promise<Locator> {
  const h1 = ui.getByRole('heading', { level: 1, name, exact: true })
  await h1.waitFor()
  return h1
}

/** Nothing a template slip would leave on screen. */
async function noStrayValues (t: Test, ui: Ui): Promise<void> {
  t.notMatch(await ui.locator('body').textContent(), /\b(null|undefined|NaN)\b|\[object /, 'no stray null, undefined or NaN on screen')
}

async function focusedTag (page: Page): Promise<string | undefined> {
  return page.evaluate(() => document.activeElement?.tagName)
}

async function waitFor (check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!await check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

/**
 * Answers every activity of the moment on screen like a person: the first correctly with the
 * mouse, the second wrongly, the rest correctly with the keyboard alone. Ends on the summary.
 */
async function playMoment (t: Test, page: Page, ui: Ui, kind: string, shots: string) {
  const counter = ui.getByText(new RegExp(`^${kind} · question 1 of (\\d+)$`))
  await counter.waitFor()
  const total = Number(/of (\d+)$/.exec(await counter.textContent() ?? '')?.[1])
  const prompts: string[] = []
  let correct = 0
  for (let i = 0; i < total; i++) {
    await ui.getByText(`${kind} · question ${i + 1} of ${total}`).waitFor()
    const prompt = await ui.locator('h1').textContent() ?? ''
    prompts.push(prompt)
    const key = answers.get(prompt)
    if (key === undefined) throw new Error(`no answer key for "${prompt}"`)
    t.equal(await ui.locator('h1').evaluate(el => el === document.activeElement), true, `focus is on the prompt (${i + 1})`)
    t.equal(await ui.locator('legend').textContent(), 'Select all that apply')
    const submit = ui.getByRole('button', { name: 'Submit' })
    t.ok(await submit.isDisabled(), 'Submit is disabled until an option is chosen')
    if (i === 0) await screenshot(page, `${shots}-question`)

    const right = i !== 1
    if (i === 0 || i === 1) {
      for (const text of right ? key.correct : [key.wrong]) await ui.getByRole('checkbox', { name: text, exact: true }).check()
      await submit.click()
    } else {
      // Keyboard only: Tab from the heading through the options, Space to tick, Enter on Submit.
      const options = await ui.getByRole('checkbox').evaluateAll(boxes => boxes.map(b => (b as any).labels?.[0]?.textContent ?? ''))
      for (const text of options) {
        await page.keyboard.press('Tab')
        if (key.correct.includes(text)) await page.keyboard.press('Space')
      }
      await page.keyboard.press('Tab')
      await page.keyboard.press('Enter')
    }
    const feedback = ui.locator('[aria-live="polite"]')
    const verdict = right ? 'Correct!' : `Not quite — the answer was: ${key.correct.join(', ')}`
    await feedback.getByText(verdict, { exact: true }).waitFor()
    t.match(await feedback.textContent(), /Your level in this concept is now (Unknown|Novice|Aware|Competent|Proficient|Expert) \(level \d\.\d of 5\)\./)
    if (right) correct++
    const next = ui.getByRole('button', { name: 'Next' })
    t.equal(await next.evaluate(el => el === document.activeElement), true, 'focus moves to Next')
    await noStrayValues(t, ui)
    if (i === 0) await screenshot(page, `${shots}-correct`)
    if (i === 1) await screenshot(page, `${shots}-wrong`)
    if (i >= 2) await page.keyboard.press('Enter')
    else await next.click()
  }
  await heading(ui, 'Moment complete')
  return { prompts, correct }
}

interface AnswerKey extends Map<string, { profileId: string, correct: string[], wrong: string }> { cards: Map<string, string> }

/** Which options are correct, by prompt, read from the admin API (the learner API never says before answering). */
async function answerKey (service: LiveService, profileIds: string[]): Promise<AnswerKey> {
  const key = new Map() as AnswerKey
  key.cards = new Map()
  for (const profileId of profileIds) {
    const profile = await service.api('GET', `/v1/profiles/${profileId}`, { token: admin })
    for (const { moduleId } of profile.body.modules) {
      const module = await service.api('GET', `/v1/modules/${moduleId}`, { token: admin })
      for (const concept of module.body.concepts) {
        for (const activity of concept.activities) {
          const options = activity.options as { text: string, correct: boolean }[]
          key.set(activity.prompt, { profileId, correct: options.filter(o => o.correct).map(o => o.text), wrong: options.find(o => !o.correct)?.text ?? '' })
        }
        for (const card of concept.cards) key.cards.set(card.title, card.cardId)
      }
    }
  }
  return key
}

async function buildCapitalsProfile (service: LiveService) {
  const created = async (path: string, body: unknown) => {
    const reply = await service.api('POST', path, { token: admin, body })
    if (reply.status !== 201) throw new Error(`${path}: ${JSON.stringify(reply.body)}`)
    return reply.body.id as string
  }
  const moduleId = await created('/v1/modules', { title: 'Capitals of the world' })
  const conceptId = await created(`/v1/modules/${moduleId}/concepts`, { title: 'Capitals' })
  await created(`/v1/concepts/${conceptId}/activities`, { prompt: 'What is the capital of Australia?', options: [{ id: 'a', text: 'Sydney', correct: false }, { id: 'b', text: 'Canberra', correct: true }, { id: 'c', text: 'Melbourne', correct: false }] })
  await created(`/v1/concepts/${conceptId}/activities`, { prompt: 'Which of these cities are capitals?', options: [{ id: 'a', text: 'Ottawa', correct: true }, { id: 'b', text: 'Toronto', correct: false }, { id: 'c', text: 'Lima', correct: true }] })
  await created(`/v1/concepts/${conceptId}/cards`, { title: 'Capitals', body: 'The largest city is often not the capital.' })
  const profileId = await created('/v1/profiles', { name: 'World Capitals' })
  await service.api('PUT', `/v1/profiles/${profileId}/modules/${moduleId}`, { token: admin, body: { goal: 2 } })
  return { profileId, moduleId }
}

/** A package of the demo profile and the learner linked to an LMS user id: what an admin sets up. */
async function lmsReady (service: LiveService, lmsUserId: string) {
  const pkg = await service.api('POST', `/v1/profiles/${demo.profileId}/packages`, { token: admin, body: { title: 'International Flags', format: 'scorm12' } })
  if (pkg.status !== 202) throw new Error(`package: ${JSON.stringify(pkg.body)}`)
  const link = await service.api('POST', `/v1/learners/${demo.learner.id}/lms-links`, { token: admin, body: { lmsUserId } })
  if (link.status >= 400) throw new Error(`link: ${JSON.stringify(link.body)}`)
  const { packageId, revision } = pkg.body as { packageId: string, revision: number }
  return { packageId, revision, lmsUserId }
}

/**
 * A real LMS launch through POST /v1/lms/launch, with the package's launch key computed here
 * as the package builder does (instead of unzipping the package). The reply's playerUrl is
 * what the launcher frames.
 */
async function launchFromLms (service: LiveService, pkg: { packageId: string, revision: number, lmsUserId: string }) {
  const launched = await service.api('POST', '/v1/lms/launch', {
    body: { packageId: pkg.packageId, revision: pkg.revision, launchKey: launchKeyFor(service.service.ctx.tokenSecret, pkg.packageId, pkg.revision), standard: 'scorm12', lmsUserId: pkg.lmsUserId }
  })
  if (launched.status !== 201) throw new Error(`launch: ${JSON.stringify(launched.body)}`)
  return launched.body as { sessionId: string, token: string, playerUrl: string }
}

/** As the launcher does: the player URL with parentOrigin added to its fragment, on the service's real origin. */
function playerSrc (playerUrl: string, parentOrigin: string): string {
  const url = new URL(playerUrl)
  return `${live.origin}${url.pathname}${url.search}${url.hash}&parentOrigin=${encodeURIComponent(parentOrigin)}`
}
