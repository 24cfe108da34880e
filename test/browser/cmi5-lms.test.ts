// cmi5 end to end in Debian Chromium: a stand-in LMS with its LRS (a real HTTP server written
// from the cmi5 and xAPI specifications, test/helpers/peers/lrs.ts) launches the AU url of the
// downloaded cmi5.xml with its launch parameters; the learner plays a Mini Moment and presses
// Exit; the service sends the statements to the LRS and the learner lands on the LMS's returnURL.
import t from 'tap'
import { demoPackage, downloadZip, launchChromium, playMiniMoment, screenshot, startLiveService } from '../helpers/browser.ts'
import { startLrs } from '../helpers/peers/lrs.ts'

const live = await startLiveService(t)
const browser = await launchChromium(t)
const lrs = await startLrs(t)
const packageId = await demoPackage(live, 'cmi5', 'cmi5-ada')

/** The AU's url, as the LMS reads it from the cmi5.xml of the downloaded zip. */
async function auUrl (): Promise<string> {
  const zip = await downloadZip(live, packageId)
  const xml = await zip.file('cmi5.xml')?.async('string') ?? ''
  return (/<url>([^<]*)<\/url>/.exec(xml)?.[1] ?? '').replace(/&amp;/g, '&')
}

t.test('browser: cmi5 — launched by the LMS, played, Exit; the LRS has the statements and the learner is back at the LMS', async t => {
  const url = await auUrl()
  t.match(url, new RegExp(`^${live.origin}/lms/cmi5/launch\\?package=${packageId}&revision=1&key=`), 'the AU url is the service\'s cmi5 launch URL')
  const returnURL = `${lrs.origin}/lms/courses/flags?from=cmi5`
  const lms = lrs.launchCmi5({ actor: { objectType: 'Agent', account: { homePage: lrs.origin, name: 'cmi5-ada' } }, returnURL })
  const context = await browser.newContext({ viewport: { width: 700, height: 900 } })
  t.teardown(() => context.close())
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', error => errors.push(error.message))

  await page.goto(lms.url(url))
  await page.getByRole('heading', { level: 1, name: 'International Flags' }).waitFor()
  t.equal(await page.getByRole('button', { name: 'Exit', exact: true }).count(), 1, 'Exit, not Logout')
  t.notMatch(page.url(), /fetch=|endpoint=/, 'the LMS parameters stay with the service')
  await screenshot(page, 'cmi5-01-home')
  await playMiniMoment(page)

  await Promise.all([
    page.waitForURL(returnURL),
    page.getByRole('button', { name: 'Exit', exact: true }).click()
  ])
  t.equal(page.url(), returnURL, 'back at the LMS\'s returnURL after Exit')
  const verbs = lrs.statementsOf(lms.sessionId).map(s => String((s as { verb: { id: string } }).verb.id).split('/').pop())
  t.equal(verbs[0], 'initialized')
  t.equal(verbs.at(-1), 'terminated', `Terminated reached the LRS before the learner left (${verbs.join(', ')})`)
  t.same(lrs.violations({ includeUnfinished: true }), [], 'no cmi5 rule broken')
  t.same(errors, [], 'no page errors')
})
