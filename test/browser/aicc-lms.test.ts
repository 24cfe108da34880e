// AICC end to end in Debian Chromium: a stand-in LMS (a real HACP server written from CMI001,
// test/helpers/peers/aicc-hacp-lms.ts) launches the package's File_Name with aicc_sid and
// aicc_url; the learner plays a Mini Moment and presses Exit, or closes the window; the service
// then delivers PutParam and ExitAU to the LMS itself.
import t from 'tap'
import { demoPackage, downloadZip, launchChromium, playMiniMoment, screenshot, startLiveService } from '../helpers/browser.ts'
import { startAiccHacpLms } from '../helpers/peers/aicc-hacp-lms.ts'

const live = await startLiveService(t)
const browser = await launchChromium(t)
const lms = await startAiccHacpLms(t)
const packageId = await demoPackage(live, 'aicc', 'aicc-ada')

/** The AU's launch URL, as the LMS reads it from the .au file of the downloaded zip. */
async function fileName (): Promise<string> {
  const zip = await downloadZip(live, packageId)
  const au = await zip.file(/\.au$/)[0]?.async('string') ?? ''
  const [header, row] = au.trim().split('\r\n')
  const columns = (header ?? '').split(',').map(c => c.replace(/"/g, ''))
  const values = (row ?? '').match(/"((?:[^"]|"")*)"/g)?.map(v => v.slice(1, -1).replace(/""/g, '"')) ?? []
  return values[columns.indexOf('File_Name')] ?? ''
}

t.test('browser: AICC — launched by the LMS, played, Exit; the LMS then holds the commit', async t => {
  const launchUrl = await fileName()
  t.match(launchUrl, new RegExp(`^${live.origin}/lms/aicc/launch\\?package=${packageId}&revision=1&key=`), 'File_Name is the service\'s AICC launch URL')
  const session = lms.createSession({ studentId: 'aicc-ada', studentName: 'Lovelace, Ada' })
  const context = await browser.newContext({ viewport: { width: 700, height: 900 } })
  t.teardown(() => context.close())
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', error => errors.push(error.message))

  await page.goto(`${launchUrl}&${session.launchQuery}`)
  await page.getByRole('heading', { level: 1, name: 'International Flags' }).waitFor()
  t.equal(await page.getByRole('button', { name: 'Exit', exact: true }).count(), 1, 'Exit, not Logout')
  t.notMatch(page.url(), /aicc_sid/, 'the LMS parameters stay with the service')
  await screenshot(page, 'aicc-01-home')
  await playMiniMoment(page)
  await screenshot(page, 'aicc-02-played')

  await page.getByRole('button', { name: 'Exit', exact: true }).click()
  await page.getByRole('heading', { level: 1, name: 'Your progress has been saved' }).waitFor()
  await screenshot(page, 'aicc-03-saved')
  await live.service.deliverySender.idle()
  t.same(lms.session(session.sessionId).exchanges.map(e => e.command), ['getparam', 'putparam', 'exitau'], 'GetParam at launch; PutParam and ExitAU after Exit')
  const commit = (await live.service.ctx.store.readAll({ maxCount: 100_000 })).filter(e => e.type === 'LmsProgressCommitted').at(-1)?.data as { values: { successStatus: string, scoreRaw: number } }
  const record = lms.learner('aicc-ada')
  t.equal(record.lessonStatus, commit.values.successStatus === 'passed' ? 'passed' : 'incomplete', `the LMS recorded the committed status (${record.lessonStatus})`)
  t.equal(record.score?.raw, commit.values.scoreRaw, `and the committed score (${commit.values.scoreRaw})`)
  t.same(errors, [], 'no page errors')
})

t.test('browser: AICC — closing the window commits too, with a beacon', async t => {
  const session = lms.createSession({ studentId: 'aicc-ada' })
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto(`${await fileName()}&${session.launchQuery}`)
  await page.getByRole('heading', { level: 1, name: 'International Flags' }).waitFor()
  await page.close({ runBeforeUnload: true })
  await context.close()
  const deadline = Date.now() + 10_000
  while (lms.session(session.sessionId).state !== 'exited' && Date.now() < deadline) {
    await live.service.deliverySender.idle()
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  t.same(lms.session(session.sessionId).exchanges.map(e => e.command), ['getparam', 'putparam', 'exitau'], 'delivered after the window closed')
})

t.test('browser: AICC — a refused launch is a page the learner can read', async t => {
  const session = lms.createSession({ studentId: 'someone-unlinked' })
  const context = await browser.newContext()
  t.teardown(() => context.close())
  const page = await context.newPage()
  const response = await page.goto(`${await fileName()}&${session.launchQuery}`)
  t.equal(response?.status(), 403)
  await page.getByRole('heading', { level: 1, name: 'This course can\'t start right now' }).waitFor()
  t.match(await page.locator('main').textContent(), /not linked to a learner yet/)
  await screenshot(page, 'aicc-04-refused')
})
