// SCORM 1.2 imsmanifest.xml: valid against the official ADL/IMS XSDs for every title,
// one SCO, no mastery score; and the validation used here does catch broken manifests.
import t from 'tap'
import { buildPackage } from '../../../packaging/build-package.ts'
import { scorm12Manifest } from '../../../packaging/scorm12/manifest.ts'
import { xmlSafeText } from '../../../packaging/xml.ts'
import { zipText } from '../support/unzip.ts'
import { describeTitle, hostileTitles } from '../support/titles.ts'
import { schemas, validateXml, validationToolsProblem, xpathString } from '../support/xmllint.ts'

const problem = validationToolsProblem()
if (problem !== undefined) {
  t.fail(problem)
} else {
  const input = { packageId: 'pkg_Flags-1', revision: 3, format: 'scorm12' as const, serviceUrl: 'https://mastery.example.com', launchKey: 'lk_1' }
  const manifestOf = async (title: string) => zipText((await buildPackage({ ...input, title })).bytes, 'imsmanifest.xml')
  const ns = (name: string) => `*[local-name()="${name}"]`

  t.test('the manifest of a package', async (t) => {
    const xml = await manifestOf('International Flags')
    for (const schema of [schemas.scorm12Root, schemas.scorm12Driver]) {
      const result = validateXml(xml, schema)
      t.ok(result.valid, `validates against ${schema}`, { messages: result.messages })
    }
    t.equal(xpathString(xml, `/${ns('manifest')}/@identifier`), 'mastery-sync-package-pkg_Flags-1', 'identifier derived from the package id, the same for every revision')
    t.equal(xpathString(xml, `/${ns('manifest')}/@version`), '3', 'the revision as the version')
    t.equal(xpathString(xml, `//${ns('metadata')}/${ns('schema')}`), 'ADL SCORM')
    t.equal(xpathString(xml, `//${ns('metadata')}/${ns('schemaversion')}`), '1.2')
    t.equal(xpathString(xml, `count(//${ns('organization')})`), '1', 'one organization')
    t.equal(xpathString(xml, `count(//${ns('item')})`), '1', 'one item')
    t.equal(xpathString(xml, `count(//${ns('resource')})`), '1', 'one resource')
    t.equal(xpathString(xml, `//${ns('organizations')}/@default`), xpathString(xml, `//${ns('organization')}/@identifier`), 'the organization is the default')
    t.equal(xpathString(xml, `//${ns('item')}/@identifierref`), xpathString(xml, `//${ns('resource')}/@identifier`), 'the item launches the resource')
    t.equal(xpathString(xml, `//${ns('resource')}/@*[local-name()="scormtype"]`), 'sco')
    t.equal(xpathString(xml, `//${ns('resource')}/@href`), 'index.html')
    t.equal(xpathString(xml, `//${ns('resource')}/@type`), 'webcontent')
    t.same(xpathString(xml, `concat(//${ns('file')}[1]/@href, " ", //${ns('file')}[2]/@href, " ", count(//${ns('file')}))`), 'index.html launcher.js 2', 'lists its files')
    t.equal(xpathString(xml, `count(//*[local-name()="masteryscore"])`), '0', 'no adlcp:masteryscore: the content sets lesson_status itself')
  })

  for (const title of hostileTitles) {
    t.test(`title ${describeTitle(title)}: valid, and the LMS reads it back exactly`, async (t) => {
      const xml = await manifestOf(title)
      const result = validateXml(xml, schemas.scorm12Driver)
      t.ok(result.valid, 'validates', { messages: result.messages })
      t.equal(xpathString(xml, `//${ns('organization')}/${ns('title')}`), xmlSafeText(title), 'organization title')
      t.equal(xpathString(xml, `//${ns('item')}/${ns('title')}`), xmlSafeText(title), 'item title')
    })
  }

  t.test('the validation catches broken manifests', async (t) => {
    const good = scorm12Manifest({ packageId: 'p1', revision: 1, title: 'Flags', resourceFiles: ['index.html', 'launcher.js'] })
    t.ok(validateXml(good, schemas.scorm12Root).valid, 'the unbroken manifest validates')
    const broken: Array<[string, string]> = [
      ['a bogus adlcp:scormtype', good.replace('adlcp:scormtype="sco"', 'adlcp:scormtype="bogus"')],
      ['a title over 200 characters', good.replace(/<title>Flags<\/title>/g, `<title>${'x'.repeat(201)}</title>`)],
      ['an isvisible that is not a boolean', good.replace('isvisible="true"', 'isvisible="maybe"')],
      ['an identifier that is not an xs:ID', good.replace('identifier="mastery-sync-package-p1"', 'identifier="1-p"')],
      ['a missing resources element', good.replace(/<resources>[\s\S]*<\/resources>/, '')],
      ['adlcp:masteryscore in the wrong place', good.replace('<schema>ADL SCORM</schema>', '<adlcp:masteryscore>80</adlcp:masteryscore><schema>ADL SCORM</schema>')]
    ]
    for (const [what, xml] of broken) {
      t.not(xml, good, `${what}: the manifest was changed`)
      for (const schema of [schemas.scorm12Root, schemas.scorm12Driver]) {
        t.notOk(validateXml(xml, schema).valid, `${what} fails ${schema}`)
      }
    }
  })
}
