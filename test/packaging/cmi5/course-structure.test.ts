// cmi5.xml: valid against cmi5's CourseStructure.xsd for every title; one AU that the LMS
// launches at the service's cmi5 route; course and AU ids that stay the same across
// revisions (registrations survive a re-upload); satisfied only when completed and passed,
// and passed only at a score of 1 (mastery, R15).
import t from 'tap'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { buildPackage, type PackageInput } from '../../../packaging/build-package.ts'
import { cmi5CourseStructure } from '../../../packaging/cmi5/course-structure.ts'
import { xmlSafeText } from '../../../packaging/xml.ts'
import { unzip, zipText } from '../support/unzip.ts'
import { describeTitle, hostileTitles } from '../support/titles.ts'
import { specsDir, validateXml, validationToolsProblem, xpathString } from '../support/xmllint.ts'

const schema = 'cmi5/CourseStructure.xsd'
// cmi5's schema ships in no npm package: without the shared specs these tests cannot run.
const skip = existsSync(resolve(specsDir, schema))
  ? false
  : `${schema} is not in ${specsDir}: put the shared specs folder beside the repository as ../shared/specs to validate cmi5.xml`

const input = (extra: Partial<PackageInput> = {}): PackageInput => ({
  packageId: 'pkg_Flags-1', revision: 7, title: 'International Flags', format: 'cmi5', serviceUrl: 'https://mastery.example.com', launchKey: 'lk_a/b+c=d&e', ...extra
})
const courseStructureOf = async (extra: Partial<PackageInput> = {}) => zipText((await buildPackage(input(extra))).bytes, 'cmi5.xml')
const ns = (name: string) => `*[local-name()="${name}"]`
const au = `/${ns('courseStructure')}/${ns('au')}`

t.test('cmi5 validation with xmllint', { skip }, async (t) => {
  const problem = validationToolsProblem()
  if (problem !== undefined) return t.fail(problem)

  t.test('the zip holds cmi5.xml at its root, and nothing else', async (t) => {
    const entries = await unzip((await buildPackage(input())).bytes)
    t.same(entries.map((e) => e.name), ['cmi5.xml'])
  })

  t.test('the course structure of a package', async (t) => {
    const xml = await courseStructureOf()
    const result = validateXml(xml, schema)
    t.ok(result.valid, `validates against ${schema}`, { messages: result.messages })
    t.equal(xpathString(xml, `namespace-uri(/${ns('courseStructure')})`), 'https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd')
    t.equal(xpathString(xml, `/${ns('courseStructure')}/${ns('course')}/@id`), 'https://mastery.example.com/lms/cmi5/courses/pkg_Flags-1', 'the course IRI: the service and the package')
    t.equal(xpathString(xml, `count(//${ns('au')})`), '1', 'one AU')
    t.equal(xpathString(xml, `count(//${ns('block')})`), '0', 'no blocks')
    t.equal(xpathString(xml, `${au}/@id`), 'https://mastery.example.com/lms/cmi5/courses/pkg_Flags-1/au', 'the AU IRI: under the course')
    t.equal(xpathString(xml, `${au}/${ns('url')}`), 'https://mastery.example.com/lms/cmi5/launch?package=pkg_Flags-1&revision=7&key=lk_a%2Fb%2Bc%3Dd%26e', 'the AU launches the service, the key percent-encoded')
    const url = new URL(xpathString(xml, `${au}/${ns('url')}`))
    t.same(Object.fromEntries(url.searchParams), { package: 'pkg_Flags-1', revision: '7', key: 'lk_a/b+c=d&e' }, 'the service reads back the package, revision and key')
    t.equal(xpathString(xml, `${au}/@moveOn`), 'CompletedAndPassed', 'satisfied when completed and passed (mastery)')
    t.equal(xpathString(xml, `${au}/@masteryScore`), '1.0', 'passed only at a score of 1: progress reaches 1 exactly at mastery')
    t.equal(xpathString(xml, `${au}/@launchMethod`), 'AnyWindow', 'the LMS may frame it or open a window')
    for (const path of [`/${ns('courseStructure')}/${ns('course')}`, au]) {
      t.equal(xpathString(xml, `${path}/${ns('title')}/${ns('langstring')}`), 'International Flags', `${path.includes('au') ? 'AU' : 'course'} title`)
      t.equal(xpathString(xml, `${path}/${ns('description')}/${ns('langstring')}`), 'International Flags', `${path.includes('au') ? 'AU' : 'course'} description: the title, never the admin's description`)
    }
  })

  t.test('the ids stay the same across revisions; the launch URL names the revision', async (t) => {
    const first = await courseStructureOf({ revision: 3, launchKey: 'lk_three' })
    const second = await courseStructureOf({ revision: 4, launchKey: 'lk_four', title: 'Flags of the World' })
    for (const path of [`/${ns('courseStructure')}/${ns('course')}/@id`, `${au}/@id`]) {
      t.equal(xpathString(second, path), xpathString(first, path), `${path} is unchanged`)
    }
    t.match(xpathString(second, `${au}/${ns('url')}`), /[?&]revision=4&key=lk_four$/)
  })

  t.test('a service under a path keeps its path in every URL', async (t) => {
    const xml = await courseStructureOf({ serviceUrl: 'http://127.0.0.1:3000/mastery' })
    t.ok(validateXml(xml, schema).valid, 'validates')
    t.equal(xpathString(xml, `/${ns('courseStructure')}/${ns('course')}/@id`), 'http://127.0.0.1:3000/mastery/lms/cmi5/courses/pkg_Flags-1')
    t.match(xpathString(xml, `${au}/${ns('url')}`), /^http:\/\/127\.0\.0\.1:3000\/mastery\/lms\/cmi5\/launch\?/)
  })

  for (const title of hostileTitles) {
    t.test(`title ${describeTitle(title)}: valid, and the LMS reads it back exactly`, async (t) => {
      const xml = await courseStructureOf({ title })
      const result = validateXml(xml, schema)
      t.ok(result.valid, 'validates', { messages: result.messages })
      t.equal(xpathString(xml, `count(//${ns('langstring')})`), '4', 'no element added or lost')
      for (const element of ['title', 'description']) {
        t.equal(xpathString(xml, `${au}/${ns(element)}/${ns('langstring')}`), xmlSafeText(title), `AU ${element}`)
        t.equal(xpathString(xml, `/${ns('courseStructure')}/${ns('course')}/${ns(element)}/${ns('langstring')}`), xmlSafeText(title), `course ${element}`)
      }
    })
  }

  t.test('the validation catches broken course structures', async (t) => {
    const good = cmi5CourseStructure({ serviceUrl: 'https://mastery.example.com', packageId: 'p1', title: 'Flags', launchUrl: 'https://mastery.example.com/lms/cmi5/launch?package=p1' })
    t.ok(validateXml(good, schema).valid, 'the unbroken course structure validates')
    const broken: Array<[string, string]> = [
      ['an unknown moveOn', good.replace('moveOn="CompletedAndPassed"', 'moveOn="Mastered"')],
      ['a masteryScore above 1', good.replace('masteryScore="1.0"', 'masteryScore="1.5"')],
      ['an AU without a url', good.replace(/<url>.*<\/url>/, '')],
      ['an AU without a description', good.replace(/(<au [^>]*>[\s\S]*?)<description>.*?<\/description>/, '$1')],
      ['the wrong namespace', good.replace('cmi5/v1/CourseStructure.xsd', 'cmi5/v2/CourseStructure.xsd')]
    ]
    for (const [what, xml] of broken) {
      t.not(xml, good, `${what}: the course structure was changed`)
      t.notOk(validateXml(xml, schema).valid, `${what} fails the schema`)
    }
  })
})
