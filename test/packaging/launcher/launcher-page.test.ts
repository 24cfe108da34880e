// index.html: the page the LMS launches. Its title is the browser tab's (R3); no title can
// break out of <title>, <h1> or the JSON config; it is plain, accessible and self-contained.
import t from 'tap'
import { launcherPage, type LauncherConfig } from '../../../packaging/launcher/launcher-page.ts'
import { xmlSafeText } from '../../../packaging/xml.ts'
import { describeTitle, hostileTitles } from '../support/titles.ts'
import { loadLauncher } from '../support/load-launcher.ts'

const launcher = await loadLauncher()

function config (title: string): LauncherConfig {
  return { serviceUrl: 'https://mastery.example.com', packageId: 'pkg_1', revision: 2, launchKey: 'lk_<&>"', standard: 'scorm2004', title }
}

/** Reverses escapeHtml (the five entities it writes). */
function unescapeHtml (text: string): string {
  return text.replace(/&(lt|gt|quot|#39|amp);/g, (_m, name: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[name] ?? '')
}

t.test('a plain, accessible page that loads only launcher.js', async (t) => {
  const html = launcherPage(config('International Flags'))
  t.match(html, /^<!DOCTYPE html>\n<html lang="en">/)
  t.match(html, /<meta charset="utf-8">/)
  t.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/, 'readable on a narrow window')
  t.match(html, /<title>International Flags<\/title>/, 'the package title in the browser tab')
  t.match(html, /<main>\n<h1 tabindex="-1">Starting <bdi>International Flags<\/bdi>…<\/h1>/, 'a main with an h1')
  t.match(html, /<noscript>/)
  t.match(html, /<script src="launcher.js"><\/script>/)
  t.notMatch(html, /<link|@import|url\(|src="(https?:)?\/\//i, 'no external resources')
})

for (const title of hostileTitles) {
  t.test(`title ${describeTitle(title)} stays text`, async (t) => {
    const html = launcherPage(config(title))
    t.equal(html.match(/<script\b/g)?.length, 2, 'exactly the two scripts of the template')
    t.equal(html.match(/<\/script>/g)?.length, 2, 'and no other script end tag')
    t.equal(html.match(/<title>/g)?.length, 1, 'one title element')
    t.equal(html.match(/<\/title>/g)?.length, 1, 'with one end')
    const shown = /<title>([^<]*)<\/title>/.exec(html)?.[1]
    t.equal(unescapeHtml(shown ?? ''), xmlSafeText(title), 'the tab shows the title exactly')
    const h1 = /<bdi>([^<]*)<\/bdi>/.exec(html)?.[1]
    t.equal(unescapeHtml(h1 ?? ''), xmlSafeText(title), 'and so does the heading, isolated from the text around it')
    const json = /<script type="application\/json" id="mastery-sync-config">([^<]*)<\/script>/.exec(html)?.[1]
    t.notMatch(json ?? '', /[<>&\u2028\u2029]/, 'the config JSON has no <, >, & or line separators')
    t.same(launcher.parseConfig(json ?? ''), config(title), 'and the launcher reads the config back exactly')
  })
}
