// SCORM 2004 4th edition imsmanifest.xml: valid against the official XSDs (through the
// driver schema, which also checks the adlcp/imsss/adlnav extensions) for every title;
// completion and success are set by the content, so LMSs do not complete it on launch.
import t from 'tap'
import { buildPackage } from '../../../packaging/build-package.ts'
import { scorm2004Manifest } from '../../../packaging/scorm2004/manifest.ts'
import { xmlSafeText } from '../../../packaging/xml.ts'
import { zipText } from '../support/unzip.ts'
import { describeTitle, hostileTitles } from '../support/titles.ts'
import { schemas, validateXml, validationToolsProblem, xpathString } from '../support/xmllint.ts'

const problem = validationToolsProblem()
if (problem !== undefined) {
  t.fail(problem)
} else {
  const input = { packageId: 'pkg_Flags-1', revision: 7, format: 'scorm2004' as const, serviceUrl: 'https://mastery.example.com', launchKey: 'lk_1' }
  const manifestOf = async (title: string) => zipText((await buildPackage({ ...input, title })).bytes, 'imsmanifest.xml')
  const ns = (name: string) => `*[local-name()="${name}"]`

  t.test('the manifest of a package', async (t) => {
    const xml = await manifestOf('International Flags')
    const result = validateXml(xml, schemas.scorm2004Driver)
    t.ok(result.valid, 'validates against the 4th edition driver schema', { messages: result.messages })
    t.equal(xpathString(xml, `/${ns('manifest')}/@identifier`), 'mastery-sync-package-pkg_Flags-1')
    t.equal(xpathString(xml, `/${ns('manifest')}/@version`), '7')
    t.equal(xpathString(xml, `//${ns('metadata')}/${ns('schema')}`), 'ADL SCORM')
    t.equal(xpathString(xml, `//${ns('metadata')}/${ns('schemaversion')}`), '2004 4th Edition')
    t.equal(xpathString(xml, `count(//${ns('organization')})`), '1', 'one organization')
    t.equal(xpathString(xml, `count(//${ns('item')})`), '1', 'one item')
    t.equal(xpathString(xml, `count(//${ns('resource')})`), '1', 'one resource')
    t.equal(xpathString(xml, `//${ns('item')}/@identifierref`), xpathString(xml, `//${ns('resource')}/@identifier`), 'the item launches the resource')
    t.equal(xpathString(xml, `//${ns('resource')}/@*[local-name()="scormType"]`), 'sco')
    t.equal(xpathString(xml, `//${ns('resource')}/@href`), 'index.html')
    t.same(xpathString(xml, `concat(//${ns('file')}[1]/@href, " ", //${ns('file')}[2]/@href, " ", count(//${ns('file')}))`), 'index.html launcher.js 2', 'lists its files')
    const delivery = `//${ns('item')}/${ns('sequencing')}/${ns('deliveryControls')}`
    t.equal(xpathString(xml, `${delivery}/@completionSetByContent`), 'true', 'completion is set by the content (no auto-complete on launch)')
    t.equal(xpathString(xml, `${delivery}/@objectiveSetByContent`), 'true', 'so is the objective')
    t.equal(xpathString(xml, `count(//${ns('item')}//${ns('primaryObjective')}[@satisfiedByMeasure="false"])`), '1', 'a primary objective not satisfied by measure')
    t.equal(xpathString(xml, `//${ns('organization')}/${ns('sequencing')}/${ns('controlMode')}/@flow`), 'true', 'the LMS can start the SCO by flow')
  })

  for (const title of hostileTitles) {
    t.test(`title ${describeTitle(title)}: valid, and the LMS reads it back exactly`, async (t) => {
      const xml = await manifestOf(title)
      const result = validateXml(xml, schemas.scorm2004Driver)
      t.ok(result.valid, 'validates', { messages: result.messages })
      t.equal(xpathString(xml, `//${ns('organization')}/${ns('title')}`), xmlSafeText(title), 'organization title')
      t.equal(xpathString(xml, `//${ns('item')}/${ns('title')}`), xmlSafeText(title), 'item title')
    })
  }

  t.test('the validation catches broken manifests', async (t) => {
    const good = scorm2004Manifest({ packageId: 'p1', revision: 1, title: 'Flags', resourceFiles: ['index.html', 'launcher.js'] })
    t.ok(validateXml(good, schemas.scorm2004Driver).valid, 'the unbroken manifest validates')
    const broken: Array<[string, string]> = [
      ['a bogus adlcp:scormType', good.replace('adlcp:scormType="sco"', 'adlcp:scormType="bogus"')],
      ['a non-boolean completionSetByContent', good.replace('completionSetByContent="true"', 'completionSetByContent="maybe"')],
      ['sequencing elements out of order', good.replace(/(<imsss:objectives>[\s\S]*?<\/imsss:objectives>)(\s*)(<imsss:deliveryControls[^>]*\/>)/, '$3$2$1')],
      ['an unknown hideLMSUI value', good.replace('<adlnav:hideLMSUI>continue</adlnav:hideLMSUI>', '<adlnav:hideLMSUI>everything</adlnav:hideLMSUI>')],
      ['an organization without items', good.replace(/<item [\s\S]*<\/item>/, '')]
    ]
    for (const [what, xml] of broken) {
      t.not(xml, good, `${what}: the manifest was changed`)
      t.notOk(validateXml(xml, schemas.scorm2004Driver).valid, `${what} fails the driver schema`)
    }
  })
}
