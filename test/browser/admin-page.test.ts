// Browser tests of the admin page at /admin/: Debian Chromium does what the help-centre article
// describes, against a real service on 127.0.0.1 seeded with the demo account — sign in, the
// LMS/SCORM Integration toggle, +Package, the download, renaming, linking users (one by one and
// from a CSV), progress with its chart — and checks each step against the API as well.
// Screenshots of every screen go to test-artifacts/admin/ for a person to look at.
import { readFileSync } from 'node:fs'
import t, { type Test } from 'tap'
import JSZip from 'jszip'
import type { Page, Route } from 'playwright-core'
import { launchKeyFor } from '../../src/app/credentials.ts'
import { createAccount } from '../../src/app/accounts.ts'
import { launchChromium, screenshot as saveScreenshot, startLiveService, watchForProblems, type LiveService } from '../helpers/browser.ts'

// Browser globals inside page.evaluate callbacks; module-scoped so the DOM lib stays out of the project.
declare const document: any, sessionStorage: any

const live = await startLiveService(t)
const browser = await launchChromium(t)
const { demo } = live
const admin = demo.adminKey
// startLiveService signs learner tokens and launch keys with this secret.
const tokenSecret = 'b'.repeat(40)

/** A full-page screenshot to test-artifacts/admin/, after checking no stray value is on the screen. */
async function screenshot (t: Test, page: Page, name: string): Promise<void> {
  t.notMatch(await page.locator('body').innerText(), /\bnull\b|\bundefined\b|\[object |NaN/, `${name}: no stray values on the screen`)
  await saveScreenshot(page, name, 'admin')
}

const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name }).waitFor()

async function signIn (page: Page, key = admin): Promise<void> {
  await page.goto(`${live.origin}/admin/`)
  await heading(page, 'Sign in to mastery-sync admin')
  await page.getByLabel('Admin key').fill(key)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await heading(page, 'Mastery Profiles')
}

async function profileState (live: LiveService, profileId: string, key = admin): Promise<boolean> {
  const reply = await live.api('GET', `/v1/profiles/${profileId}`, { token: key })
  return reply.body.lmsIntegration.enabled as boolean
}

async function newPage (width = 1000, height = 900) {
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true })
  t.teardown(() => context.close())
  const page = await context.newPage()
  return { page, problems: watchForProblems(page, '/admin') }
}

/** Learner practice through the API: one Mini Moment of the profile, every answer right. */
async function practise (token: string, profileId: string): Promise<void> {
  const moment = await live.api('POST', '/v1/me/moments', { token, body: { profileId } })
  const modules = (await live.api('GET', `/v1/profiles/${profileId}`, { token: admin })).body.modules as { moduleId: string }[]
  const correct = new Map<string, string[]>()
  for (const m of modules) {
    const module = (await live.api('GET', `/v1/modules/${m.moduleId}`, { token: admin })).body
    for (const c of module.concepts) for (const a of c.activities) correct.set(a.activityId, a.options.filter((o: any) => o.correct).map((o: any) => o.id))
  }
  for (const a of moment.body.activities) {
    const answered = await live.api('POST', `/v1/me/moments/${moment.body.momentId}/answers`, { token, body: { activityId: a.activityId, selected: correct.get(a.activityId), responseMs: 2000 } })
    if (answered.status !== 200) throw new Error(`answer: ${JSON.stringify(answered.body)}`)
  }
}

t.test('browser: the admin page is static files with a strict policy, hidden from OpenAPI', async t => {
  for (const [path, type] of [['/admin/', 'text/html'], ['/admin/admin.js', 'text/javascript'], ['/admin/api.js', 'text/javascript'], ['/admin/dom.js', 'text/javascript'], ['/admin/chart.js', 'text/javascript'], ['/admin/admin.css', 'text/css']] as const) {
    const response = await fetch(live.origin + path)
    t.equal(response.status, 200, path)
    t.match(response.headers.get('content-type'), type, `${path} content type`)
    const policy = response.headers.get('content-security-policy') ?? ''
    t.match(policy, /(^|; )script-src 'self'(;|$)/, `${path}: scripts from this origin only`)
    t.match(policy, /(^|; )style-src 'self'(;|$)/, `${path}: styles from this origin only`)
    t.match(policy, /frame-ancestors 'none'/, `${path}: no other site may frame the admin page`)
    t.equal(response.headers.get('x-content-type-options'), 'nosniff')
  }
  const redirect = await fetch(`${live.origin}/admin`, { redirect: 'manual' })
  t.equal(redirect.status, 301, '/admin redirects')
  t.equal(redirect.headers.get('location'), '/admin/')
  const html = await (await fetch(`${live.origin}/admin/`)).text()
  t.notMatch(html, /<script>|<style|\sstyle=|\son[a-z]+=/i, 'no inline script, style or handler (the policy would block them)')
  const js = ['admin.js', 'api.js', 'dom.js', 'chart.js'].map(f => readFileSync(new URL(`../../src/http/admin/${f}`, import.meta.url), 'utf8')).join('\n')
  t.notMatch(js, /innerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/, 'the page never builds markup from strings')
  t.notMatch(js, /localStorage|document\.cookie/, 'the admin key is kept in sessionStorage only')
  const openapi = await (await fetch(`${live.origin}/docs/json`)).json() as { paths: Record<string, unknown> }
  t.notOk(Object.keys(openapi.paths).some(p => p.startsWith('/admin')), 'no /admin route in the OpenAPI document')
})

t.test('browser: sign in, the toggle, two packages, download, rename, retire, sign out', async t => {
  const { page, problems } = await newPage()

  await page.goto(`${live.origin}/admin/`)
  await heading(page, 'Sign in to mastery-sync admin')
  await screenshot(t, page, '01-sign-in')

  // A wrong key: the API's words and code, next to the form.
  await page.getByLabel('Admin key').fill('msk_not-a-real-key')
  await page.getByRole('button', { name: 'Sign in' }).click()
  const refusal = page.getByRole('alert').filter({ hasText: 'This admin key is not valid' })
  await refusal.waitFor()
  t.match(await refusal.textContent(), /Error code: MS_ERR_UNAUTHENTICATED/, 'the stable code is shown for support')
  t.equal(await page.evaluate(() => sessionStorage.length), 0, 'a refused key is not kept')
  await screenshot(t, page, '02-sign-in-refused')

  await page.getByLabel('Admin key').fill(admin)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await heading(page, 'Mastery Profiles')
  t.equal(await page.evaluate(() => sessionStorage.getItem('mastery-sync.admin.key')), admin, 'the key is kept in sessionStorage')
  t.match(await page.getByRole('navigation', { name: 'Main' }).textContent(), /Demo Account · Growth plan/)
  await screenshot(t, page, '03-profiles')

  // The session survives a reload of the tab.
  await page.reload()
  await heading(page, 'Mastery Profiles')

  await page.getByRole('link', { name: 'International Flags' }).click()
  await heading(page, 'International Flags')
  t.equal(await page.getByRole('tab', { name: 'LMS/SCORM Integration' }).getAttribute('aria-selected'), 'true', 'the integration tab is open')

  // The toggle shows the API's state and what it means for learners; off, then on, each checked against the API.
  const toggle = page.getByRole('switch', { name: 'LMS/SCORM Integration' })
  const meaning = page.locator('#toggle-meaning')
  const flip = async (to: boolean) => {
    await toggle.click()
    await page.locator(`[role="switch"][aria-checked="${String(to)}"]`).waitFor()
    t.equal(await profileState(live, demo.profileId), to, `the API has the integration ${to ? 'on' : 'off'}`)
    t.match(await meaning.textContent(), to ? /^On: learners can launch/ : /^Off: .*see an error message/, 'the page says what it means for learners')
  }
  t.equal(await toggle.getAttribute('aria-checked'), String(await profileState(live, demo.profileId)), 'the toggle starts as the API has it')
  if (await toggle.getAttribute('aria-checked') === 'true') await flip(false)
  await flip(true)
  await flip(false)
  await screenshot(t, page, '04-integration-off')
  await flip(true)

  // +Package: the five formats with the R4 guidance; the title is required.
  await page.getByRole('button', { name: '+Package' }).click()
  t.equal(await page.getByRole('button', { name: '+Package' }).getAttribute('aria-expanded'), 'true')
  const formats = (await live.api('GET', '/v1/package-formats')).body
  const radios = page.getByRole('group', { name: 'Format' }).getByRole('radio')
  t.equal(await radios.count(), 5, 'five formats')
  for (const f of formats.formats) t.equal(await page.getByRole('radio', { name: new RegExp(`^${f.name.replace(/[()]/g, '\\$&')}`) }).count(), 1, `${f.name} is offered`)
  t.ok(await page.getByText(formats.guidance).isVisible(), 'the API\'s guidance is next to the formats')
  t.ok(await page.getByRole('radio', { name: /^SCORM 1\.2/ }).isChecked(), 'SCORM 1.2 is picked when unsure')
  t.match(await page.getByLabel('Title').getAttribute('aria-describedby'), /hint/)
  t.ok(await page.getByText('When a learner launches the course, it is the name in the browser tab.', { exact: false }).isVisible(), 'what the title is for')
  t.ok(await page.getByText('Only visible to admins', { exact: false }).first().isVisible(), 'what the description is for')
  await page.getByRole('button', { name: 'Save' }).click()
  await page.getByText('Enter a title: learners see it in the browser tab.').waitFor()
  t.equal(await page.getByLabel('Title').getAttribute('aria-invalid'), 'true', 'the empty title is marked')
  await screenshot(t, page, '05-new-package-form')

  // Generation is asynchronous. Ours takes milliseconds, so the first list the page reads after
  // Save is shown as still building: the page must say "Generating…" and keep asking until ready.
  let held = 0
  const holdBuilding = async (route: Route) => {
    if (route.request().method() !== 'GET') return route.continue()
    const response = await route.fetch()
    const body = await response.json()
    if (held < 2) {
      held++
      for (const p of body.packages) {
        p.status = 'building'
        delete p.downloadUrl
      }
    }
    await route.fulfill({ response, json: body })
  }
  await page.route(`**/v1/profiles/${demo.profileId}/packages`, holdBuilding)
  await page.getByLabel('Title').fill('International Flags')
  await page.getByLabel('Description (optional)').fill('For the Moodle site')
  await page.getByRole('button', { name: 'Save' }).click()
  await page.getByText('Generating…').waitFor()
  await screenshot(t, page, '06-generating')
  const downloadFirst = page.getByRole('button', { name: 'Download International Flags (SCORM 1.2)' })
  await downloadFirst.waitFor()
  t.equal(held, 2, 'the page asked again while the package was generating')
  t.equal(await page.getByText('Generating…').count(), 0, 'no longer generating')
  await page.unroute(`**/v1/profiles/${demo.profileId}/packages`, holdBuilding)

  // A second package from the same profile.
  await page.getByRole('button', { name: '+Package' }).click()
  await page.getByLabel('Title').fill('Flags for 2004 LMSs')
  await page.getByRole('radio', { name: /^SCORM 2004/ }).check()
  await page.getByRole('button', { name: 'Save' }).click()
  await page.getByRole('button', { name: 'Download Flags for 2004 LMSs (SCORM 2004 (4th edition))' }).waitFor()
  const listed = (await live.api('GET', `/v1/profiles/${demo.profileId}/packages`, { token: admin })).body.packages
  t.same(listed.map((p: any) => [p.title, p.format, p.status]), [['International Flags', 'scorm12', 'ready'], ['Flags for 2004 LMSs', 'scorm2004', 'ready']], 'two packages of the profile')
  t.equal(listed[0].description, 'For the Moodle site')
  await screenshot(t, page, '07-two-packages')

  // Download: a real SCORM 1.2 package of this package and profile.
  const [download] = await Promise.all([page.waitForEvent('download'), downloadFirst.click()])
  t.equal(download.suggestedFilename(), listed[0].fileName, 'the file name the API gives')
  const zip = await JSZip.loadAsync(readFileSync(await download.path()))
  const manifest = await zip.file('imsmanifest.xml')?.async('string') ?? ''
  t.match(manifest, `identifier="mastery-sync-package-${listed[0].packageId}"`, 'the manifest is this package\'s')
  t.match(manifest, /<title>International Flags<\/title>/, 'with its title')
  t.match(manifest, /schemaversion>1\.2</, 'SCORM 1.2')
  t.equal(listed[0].profileId, demo.profileId, 'of this profile')
  t.match(await zip.file('index.html')?.async('string'), live.origin, 'the launcher points at this service')

  // Details and rename: the notice says a new title needs a new download.
  await page.getByRole('button', { name: 'Details of International Flags (SCORM 1.2)' }).click()
  const details = page.locator(`#package-details-${listed[0].packageId}`)
  await details.waitFor()
  t.match(await details.textContent(), /For the Moodle site/, 'the description is shown to the admin')
  t.ok(await details.getByText('Changing the title needs a new download', { exact: false }).isVisible(), 'the notice before editing')
  await details.getByLabel('Title').fill('International Flags 2026')
  await details.getByRole('button', { name: 'Save changes' }).click()
  const notice = page.getByRole('status').filter({ hasText: 'Saved as revision 2' })
  await notice.waitFor()
  t.match(await notice.textContent(), /download the package again and re-upload it to your LMS/)
  await page.getByRole('button', { name: 'Download International Flags 2026 (SCORM 1.2)' }).waitFor()
  const renamed = (await live.api('GET', `/v1/packages/${listed[0].packageId}`, { token: admin })).body
  t.match(renamed, { title: 'International Flags 2026', revision: 2, status: 'ready' }, 'the API has the new title as revision 2')
  await screenshot(t, page, '08-renamed')

  // Remove the description, and stop earlier downloads from launching (a zip that leaked).
  await details.getByLabel('Description (optional)').fill('')
  await details.getByLabel('Stop earlier downloads from launching').check()
  await details.getByRole('button', { name: 'Save changes' }).click()
  // Asked first: it breaks every zip already in an LMS. Cancel keeps everything as it was.
  await details.getByText('Stop every earlier download of "International Flags 2026" from launching?', { exact: false }).waitFor()
  await details.getByRole('button', { name: 'Cancel' }).click()
  t.equal((await live.api('GET', `/v1/packages/${listed[0].packageId}`, { token: admin })).body.revision, 2, 'cancelled: nothing saved')
  await details.getByRole('button', { name: 'Save changes' }).click()
  await screenshot(t, page, '08a-confirm-stop-earlier-downloads')
  await details.getByRole('button', { name: 'Stop earlier downloads and save' }).click()
  const revokedNotice = page.getByRole('status').filter({ hasText: 'Saved as revision 3' })
  await revokedNotice.waitFor()
  t.match(await revokedNotice.textContent(), /Earlier downloads no longer launch: download the package again and upload it to every LMS/)
  const revokedView = (await live.api('GET', `/v1/packages/${listed[0].packageId}`, { token: admin })).body
  t.match(revokedView, { revision: 3, earliestLaunchRevision: 3 }, 'the API has the earlier launch keys revoked')
  t.notOk('description' in revokedView, 'and the description removed')
  await details.getByText('Only downloads of revision 3 or later', { exact: false }).waitFor()
  t.match(await details.textContent(), /Description—/, 'the page shows no description')
  t.notOk(await details.getByLabel('Stop earlier downloads from launching').isChecked(), 'the box is clear again for the next edit')
  await screenshot(t, page, '08b-launch-keys-revoked')

  // Retire the second package, after a confirmation.
  await page.getByRole('button', { name: 'Details of Flags for 2004 LMSs (SCORM 2004 (4th edition))' }).click()
  await page.locator(`#retire-${listed[1].packageId}`).click()
  await page.getByRole('button', { name: 'Retire package', exact: true }).click()
  await page.getByRole('status').filter({ hasText: 'Retired. Learners launching it' }).waitFor()
  t.equal((await live.api('GET', `/v1/packages/${listed[1].packageId}`, { token: admin })).body.status, 'retired', 'the API has it retired')
  t.equal(await page.getByRole('button', { name: /^Download Flags for 2004 LMSs/ }).count(), 0, 'no download for a retired package')

  // Sign out clears the key.
  await page.getByRole('button', { name: 'Sign out' }).click()
  await heading(page, 'Sign in to mastery-sync admin')
  t.equal(await page.evaluate(() => sessionStorage.getItem('mastery-sync.admin.key')), null, 'the key is gone from sessionStorage')
  await page.getByText('You are signed out.', { exact: false }).waitFor()
  t.same(problems, [], 'no page errors, CSP violations or failed requests')
})

t.test('browser: linking users — one learner, a conflict explained, a CSV with a bad row, unlink', async t => {
  const bo = await live.api('POST', '/v1/learners', { token: admin, body: { name: 'Bo Berg', email: 'bo@example.com', password: 'a long password' } })
  const cy = await live.api('POST', '/v1/learners', { token: admin, body: { name: 'Cy Chen', email: 'cy@example.com', password: 'a long password' } })
  const { page, problems } = await newPage()
  await signIn(page)
  await page.getByRole('link', { name: 'Linking users' }).click()
  await heading(page, 'Linking users')

  await page.getByLabel('Learner', { exact: true }).selectOption({ label: `Demo Learner — ${demo.learner.email}` })
  await page.getByLabel('LMS user id').fill('student-0042')
  await page.getByRole('button', { name: 'Link', exact: true }).click()
  await page.getByText(`Linked "student-0042" to Demo Learner (${demo.learner.email}).`).waitFor()
  t.same((await live.api('GET', `/v1/learners/${demo.learner.id}/lms-links`, { token: admin })).body.links.map((l: any) => l.lmsUserId), ['student-0042'], 'the API has the link')

  // The same LMS user id for another learner: refused, and the page says what to do.
  await page.getByLabel('Learner', { exact: true }).selectOption({ label: 'Bo Berg — bo@example.com' })
  await page.getByLabel('LMS user id').fill('student-0042')
  await page.getByRole('button', { name: 'Link', exact: true }).click()
  const conflict = page.getByRole('alert').filter({ hasText: 'is already linked to Demo Learner' })
  await conflict.waitFor()
  t.match(await conflict.textContent(), /never merged: unlink it from Demo Learner .* first/, 'the conflict is explained')
  t.match(await conflict.textContent(), /MS_ERR_LMS_LINK_CONFLICT/)
  await screenshot(t, page, '09-link-conflict')

  // A CSV with one bad row: the good rows are linked, the table shows each row's result.
  const csv = `learner,lmsUserId\nbo@example.com,student-0100\n${cy.body.id},student-0101\nnobody@example.com,student-0102\n`
  await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'links.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
  await page.getByRole('button', { name: 'Import' }).click()
  const result = page.locator('#import-table')
  await result.waitFor()
  t.ok(await page.getByText('2 linked, 0 already linked, 1 failed.', { exact: false }).isVisible(), 'the summary')
  const rows = await result.locator('tbody tr').evaluateAll((trs: any[]) => trs.map(tr => [...tr.children].map((c: any) => c.textContent.trim())))
  t.equal(rows.length, 3, 'a row per line')
  t.same(rows.map((r: string[]) => [r[0], r[2], r[3]]), [['2', 'student-0100', 'Linked'], ['3', 'student-0101', 'Linked'], ['4', 'student-0102', 'Failed']])
  t.match(rows[2]?.[4], /nobody@example\.com.*\(MS_ERR_NOT_FOUND\)/, 'the bad row says why, with its code')
  const links = (await live.api('GET', '/v1/lms-links', { token: admin })).body.links
  t.same(links.map((l: any) => [l.lmsUserId, l.learnerId]).sort(), [['student-0042', demo.learner.id], ['student-0100', bo.body.id], ['student-0101', cy.body.id]].sort(), 'the API has the good rows, not the bad one')
  await page.locator('#links-table').getByRole('rowheader', { name: 'student-0101' }).waitFor()
  await screenshot(t, page, '10-links-imported')

  // Unlink.
  await page.getByRole('button', { name: 'Unlink student-0100 from Bo Berg' }).click()
  await page.getByText('Unlinked "student-0100".', { exact: false }).waitFor()
  t.equal(await page.locator('#links-table').getByRole('rowheader', { name: 'student-0100' }).count(), 0, 'gone from the list')
  t.same((await live.api('GET', `/v1/learners/${bo.body.id}/lms-links`, { token: admin })).body.links, [], 'the API has it unlinked')
  t.same(problems, [], 'no page errors, CSP violations or failed requests')
})

t.test('browser: progress — the profile\'s learners, one learner\'s chart and LMS commits', async t => {
  // The demo learner practises in the app, then launches from an LMS once and exits.
  const login = await live.api('POST', '/v1/auth/login', { body: { email: demo.learner.email, password: demo.learner.password } })
  await practise(login.body.token, demo.profileId)
  await live.api('PUT', `/v1/profiles/${demo.profileId}/lms-integration`, { token: admin, body: { enabled: true } })
  const pkg = (await live.api('POST', `/v1/profiles/${demo.profileId}/packages`, { token: admin, body: { title: 'Flags for the LMS', format: 'scorm2004' } })).body
  await live.service.packageBuilder.waitFor(await live.service.ctx.store.headPosition())
  await live.api('POST', `/v1/learners/${demo.learner.id}/lms-links`, { token: admin, body: { lmsUserId: 'progress-ada' } })
  const launched = await live.api('POST', '/v1/lms/launch', { body: { packageId: pkg.packageId, revision: 1, launchKey: launchKeyFor(tokenSecret, pkg.packageId, 1), standard: 'scorm2004', lmsUserId: 'progress-ada', lmsUserName: 'Ada' } })
  t.equal(launched.status, 201, 'launched from the LMS')
  await practise(launched.body.token, demo.profileId)
  const exited = await live.api('POST', `/v1/lms/sessions/${launched.body.sessionId}/exit`, { token: launched.body.token, body: { how: 'exit' } })
  t.equal(exited.status, 200, 'exited: the LMS commit is recorded')
  // The exit reply carries no log position to read at: let the read models reach the head.
  await live.service.ctx.runner.waitFor(await live.service.ctx.store.headPosition())
  const expected = (await live.api('GET', `/v1/profiles/${demo.profileId}/progress`, { token: admin })).body.learners[0]

  const { page, problems } = await newPage()
  await signIn(page)
  await page.getByRole('link', { name: 'International Flags' }).click()
  await heading(page, 'International Flags')
  await page.getByRole('tab', { name: 'Progress' }).click()
  await page.locator('#progress-table').waitFor()
  t.equal(await page.getByRole('tab', { name: 'Progress' }).getAttribute('aria-selected'), 'true')
  const shown = Math.min(99, Math.floor(expected.progress * 100))
  t.ok(shown > 0, `the learner has progress (${shown}%)`)
  t.equal(await page.getByRole('progressbar', { name: 'Progress of Demo Learner' }).getAttribute('value'), String(shown), 'the progress the API reports')
  t.match(await page.locator('#progress-table tbody tr').first().textContent(), expected.mastered ? /Mastered/ : /Not yet/)
  await screenshot(t, page, '11-progress')
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download as CSV' }).click()])
  t.match(csv.suggestedFilename(), /^progress-.+\.csv$/, 'the CSV file the API names')
  const csvText = readFileSync(await csv.path(), 'utf8')
  t.match(csvText, /^learnerId,name,email,assignedAt,progressPercent,mastered\r\n/, 'a header row')
  t.match(csvText, new RegExp(`${demo.learner.id},Demo Learner,${demo.learner.email.replace(/\./g, '\\.')},`), 'the learner, as the table shows them')

  await page.getByRole('link', { name: 'Progress over time of Demo Learner' }).click()
  await heading(page, 'Demo Learner: International Flags')
  const chart = page.getByRole('img', { name: /Progress of Demo Learner in International Flags/ })
  await chart.waitFor()
  t.equal(await chart.locator('polyline').count(), 1, 'a line')
  t.equal(await chart.locator('circle, rect').count(), 12, 'twelve points, from the assignment until now')
  const points = await page.getByRole('table', { name: /as a table/ }).locator('tbody tr').evaluateAll((trs: any[]) => trs.map(tr => tr.children[1].textContent))
  t.equal(points.length, 12, 'the chart as a table, point by point')
  t.equal(points[0], '0%', 'no progress when the profile was assigned')
  t.equal(points[11], `${shown}%`, 'and the progress now')
  const commits = page.locator('#commits-table tbody tr')
  t.equal(await commits.count(), 1, 'one LMS commit')
  t.match(await commits.first().textContent(), /Flags for the LMS.*SCORM 2004.*incomplete/, 'the package, the format and the status the LMS was told')
  await screenshot(t, page, '12-learner-progress')

  // Readable on a narrow window: the page never scrolls sideways (tables scroll in their own box).
  await page.setViewportSize({ width: 360, height: 800 })
  t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no horizontal scrolling at 360 px')
  await screenshot(t, page, '13-learner-progress-narrow')
  await page.getByRole('link', { name: /Progress in International Flags/ }).click()
  await page.getByRole('link', { name: 'LMS/SCORM Integration' }).or(page.getByRole('tab', { name: 'LMS/SCORM Integration' })).click()
  await page.getByRole('switch', { name: 'LMS/SCORM Integration' }).waitFor()
  await page.getByRole('button', { name: /^Download Flags for the LMS/ }).waitFor()
  t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'the integration tab fits 360 px too')
  await screenshot(t, page, '14-integration-narrow')
  t.same(problems, [], 'no page errors, CSP violations or failed requests')
})

t.test('browser: keyboard only — sign in, tabs with arrow keys, the toggle with Space, +Package with Enter', async t => {
  const { page, problems } = await newPage()
  await page.goto(`${live.origin}/admin/`)
  await heading(page, 'Sign in to mastery-sync admin')
  t.equal(await page.evaluate(() => document.activeElement?.id), 'admin-key', 'focus starts in the key field')
  await page.keyboard.type(admin)
  await page.keyboard.press('Enter')
  await heading(page, 'Mastery Profiles')
  t.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'focus moves to the new screen\'s heading')

  // Tab to the profile's link and open it.
  const link = page.getByRole('link', { name: 'International Flags' })
  for (let i = 0; i < 10 && !await link.evaluate((e: any) => e === document.activeElement); i++) await page.keyboard.press('Tab')
  t.ok(await link.evaluate((e: any) => e === document.activeElement), 'the profile is reachable with Tab')
  await page.keyboard.press('Enter')
  await heading(page, 'International Flags')

  // Tabs: focus the selected tab, arrow right opens Progress with focus kept on its tab, left comes back.
  await page.getByRole('tab', { name: 'LMS/SCORM Integration' }).focus()
  await page.keyboard.press('ArrowRight')
  await page.locator('#progress-table').waitFor()
  t.equal(await page.evaluate(() => document.activeElement?.textContent), 'Progress', 'focus stays on the tab')
  await page.keyboard.press('ArrowLeft')
  const toggle = page.getByRole('switch', { name: 'LMS/SCORM Integration' })
  await toggle.waitFor()
  t.equal(await page.evaluate(() => document.activeElement?.textContent), 'LMS/SCORM Integration', 'back on the first tab')

  // The toggle with Space.
  const before = await profileState(live, demo.profileId)
  await toggle.focus()
  await page.keyboard.press('Space')
  await page.locator(`[role="switch"][aria-checked="${String(!before)}"]`).waitFor()
  t.equal(await profileState(live, demo.profileId), !before, 'Space flipped the integration in the API')
  await page.keyboard.press('Space')
  await page.locator(`[role="switch"][aria-checked="${String(before)}"]`).waitFor()
  t.equal(await profileState(live, demo.profileId), before, 'and back')

  // +Package with Enter: focus lands in Title; Enter in the title saves the form.
  const count = (await live.api('GET', `/v1/profiles/${demo.profileId}/packages`, { token: admin })).body.packages.length
  await page.getByRole('button', { name: '+Package' }).focus()
  await page.keyboard.press('Enter')
  t.equal(await page.evaluate(() => document.activeElement?.id), 'package-title', 'focus moves to the title')
  await page.keyboard.type('Keyboard Flags')
  await page.keyboard.press('Enter')
  await page.getByRole('button', { name: 'Download Keyboard Flags (SCORM 1.2)' }).waitFor()
  t.equal((await live.api('GET', `/v1/profiles/${demo.profileId}/packages`, { token: admin })).body.packages.length, count + 1, 'created from the keyboard')
  await screenshot(t, page, '15-keyboard')
  t.same(problems, [], 'no page errors, CSP violations or failed requests')
})

t.test('browser: plan gating — a Starter account is told, in the API\'s words, and nothing is created', async t => {
  const starter = await createAccount(live.service.ctx, { name: 'Starter School', plan: 'starter' })
  const profile = await live.api('POST', '/v1/profiles', { token: starter.adminKey, body: { name: 'Starter Profile' } })
  const { page, problems } = await newPage()
  await signIn(page, starter.adminKey)
  t.ok(await page.getByText('only available on the Growth and Enterprise plans', { exact: false }).first().isVisible(), 'the plan notice on the profiles')
  await page.getByRole('link', { name: 'Starter Profile' }).click()
  await heading(page, 'Starter Profile')
  await page.getByRole('button', { name: '+Package' }).click()
  await page.getByLabel('Title').fill('Not on this plan')
  await page.getByRole('button', { name: 'Save' }).click()
  const refusal = page.getByRole('alert').filter({ hasText: 'LMS packages are only available on the Growth and Enterprise plans' })
  await refusal.waitFor()
  t.match(await refusal.textContent(), /Contact our support team to upgrade.*MS_ERR_PLAN_REQUIRED/)
  t.same((await live.api('GET', `/v1/profiles/${profile.body.id}/packages`, { token: starter.adminKey })).body.packages, [], 'nothing was created')
  await screenshot(t, page, '16-plan-required')
  t.same(problems, [], 'no page errors, CSP violations or failed requests')
})
