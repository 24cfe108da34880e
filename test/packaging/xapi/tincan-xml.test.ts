// tincan.xml: valid against Tin Can's tincan.xsd for every title; one course activity that
// the LMS launches at the service's xAPI route; an activity id that stays the same across
// revisions (the LRS's records survive a re-upload).
import t from 'tap'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { buildPackage, type PackageInput } from '../../../packaging/build-package.ts'
import { tincanXml } from '../../../packaging/xapi/tincan-xml.ts'
import { xmlSafeText } from '../../../packaging/xml.ts'
import { unzip, zipText } from '../support/unzip.ts'
import { describeTitle, hostileTitles } from '../support/titles.ts'
import { specsDir, validateXml, validationToolsProblem, xpathString } from '../support/xmllint.ts'

const schema = 'xapi/tincan.xsd'
// Tin Can's schema ships in no npm package: without the shared specs these tests cannot run.
const skip = existsSync(resolve(specsDir, schema))
  ? false
  : `${schema} is not in ${specsDir}: put the shared specs folder beside the repository as ../shared/specs to validate tincan.xml`

const input = (extra: Partial<PackageInput> = {}): PackageInput => ({
  packageId: 'pkg_Flags-1', revision: 7, title: 'International Flags', format: 'xapi', serviceUrl: 'https://mastery.example.com', launchKey: 'lk_a/b+c=d&e', ...extra
})
const tincanOf = async (extra: Partial<PackageInput> = {}) => zipText((await buildPackage(input(extra))).bytes, 'tincan.xml')
const ns = (name: string) => `*[local-name()="${name}"]`
const activity = `/${ns('tincan')}/${ns('activities')}/${ns('activity')}`

t.test('tincan.xml validation with xmllint', { skip }, async (t) => {
  const problem = validationToolsProblem()
  if (problem !== undefined) return t.fail(problem)

  t.test('the zip holds tincan.xml at its root, and nothing else', async (t) => {
    const entries = await unzip((await buildPackage(input())).bytes)
    t.same(entries.map((e) => e.name), ['tincan.xml'])
  })

  t.test('the tincan.xml of a package', async (t) => {
    const xml = await tincanOf()
    const result = validateXml(xml, schema)
    t.ok(result.valid, `validates against ${schema}`, { messages: result.messages })
    t.equal(xpathString(xml, `namespace-uri(/${ns('tincan')})`), 'http://projecttincan.com/tincan.xsd')
    t.equal(xpathString(xml, `count(//${ns('activity')})`), '1', 'one activity')
    t.equal(xpathString(xml, `${activity}/@id`), 'https://mastery.example.com/lms/xapi/activities/pkg_Flags-1', 'the activity IRI: the service and the package')
    t.equal(xpathString(xml, `${activity}/@type`), 'http://adlnet.gov/expapi/activities/course')
    t.equal(xpathString(xml, `${activity}/${ns('name')}`), 'International Flags')
    t.equal(xpathString(xml, `${activity}/${ns('description')}`), 'International Flags', 'the description is the title, never the admin\'s description')
    t.equal(xpathString(xml, `count(${activity}/${ns('launch')})`), '1', 'one launch')
    t.equal(xpathString(xml, `${activity}/${ns('launch')}`), 'https://mastery.example.com/lms/xapi/launch?package=pkg_Flags-1&revision=7&key=lk_a%2Fb%2Bc%3Dd%26e', 'an absolute launch URL on the service, the key percent-encoded')
    const url = new URL(xpathString(xml, `${activity}/${ns('launch')}`))
    t.same(Object.fromEntries(url.searchParams), { package: 'pkg_Flags-1', revision: '7', key: 'lk_a/b+c=d&e' }, 'the service reads back the package, revision and key')
    t.equal(xpathString(xml, 'count(//@lang)'), '0', 'no language claimed: the title\'s language is unknown')
  })

  t.test('the activity id stays the same across revisions; the launch URL names the revision', async (t) => {
    const first = await tincanOf({ revision: 3, launchKey: 'lk_three' })
    const second = await tincanOf({ revision: 4, launchKey: 'lk_four', title: 'Flags of the World' })
    t.equal(xpathString(second, `${activity}/@id`), xpathString(first, `${activity}/@id`))
    t.match(xpathString(second, `${activity}/${ns('launch')}`), /[?&]revision=4&key=lk_four$/)
  })

  for (const title of hostileTitles) {
    t.test(`title ${describeTitle(title)}: valid, and the LMS reads it back exactly`, async (t) => {
      const xml = await tincanOf({ title })
      const result = validateXml(xml, schema)
      t.ok(result.valid, 'validates', { messages: result.messages })
      t.equal(xpathString(xml, `count(${activity}/*)`), '3', 'name, description, launch: no element added or lost')
      t.equal(xpathString(xml, `${activity}/${ns('name')}`), xmlSafeText(title), 'name')
      t.equal(xpathString(xml, `${activity}/${ns('description')}`), xmlSafeText(title), 'description')
    })
  }

  t.test('the validation catches broken tincan.xml', async (t) => {
    const good = tincanXml({ serviceUrl: 'https://mastery.example.com', packageId: 'p1', title: 'Flags', launchUrl: 'https://mastery.example.com/lms/xapi/launch?package=p1' })
    t.ok(validateXml(good, schema).valid, 'the unbroken tincan.xml validates')
    const broken: Array<[string, string]> = [
      ['an activity without a description', good.replace(/<description>.*<\/description>/, '')],
      ['launch before name', good.replace(/(<name>.*<\/name>)([\s\S]*)(<launch>.*<\/launch>)/, '$3$2$1')],
      ['an empty language', good.replace('<name>', '<name lang="">')],
      ['the wrong namespace', good.replace('http://projecttincan.com/tincan.xsd', 'http://projecttincan.com/other.xsd')]
    ]
    for (const [what, xml] of broken) {
      t.not(xml, good, `${what}: tincan.xml was changed`)
      t.notOk(validateXml(xml, schema).valid, `${what} fails the schema`)
    }
  })
})
