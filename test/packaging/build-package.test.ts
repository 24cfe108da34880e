// buildPackage: the zip an admin downloads and uploads to the LMS. Right files in a fixed
// order, the official control documents, nothing admin-only; the same bytes for the same
// input on any machine and in any timezone; fast.
import t from 'tap'
import { createHash } from 'node:crypto'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildPackage, PackageInputError, type PackageFormat, type PackageInput, type ScormFormat } from '../../packaging/build-package.ts'
import { launcherScriptSource, packageAssets, renderedFiles } from '../../packaging/assets.ts'
import { deterministicZip, fillZipTemplate } from '../../packaging/deterministic-zip.ts'
import { packageFileName, titleSlug } from '../../packaging/file-name.ts'
import { unzip } from './support/unzip.ts'
import { describeTitle, hostileTitles } from './support/titles.ts'
import { specsDir, validateXml, validationToolsProblem } from './support/xmllint.ts'

const run = promisify(execFile)
const input = (format: PackageFormat, extra: Partial<PackageInput> = {}): PackageInput => ({
  packageId: 'pkg_flags', revision: 3, title: 'International Flags', format, serviceUrl: 'https://mastery.example.com', launchKey: 'lk_0123456789abcdef', ...extra
})

const expectedFiles: Record<ScormFormat, string[]> = {
  scorm12: ['imsmanifest.xml', 'index.html', 'launcher.js', 'imscp_rootv1p1p2.xsd', 'imsmd_rootv1p2p1.xsd', 'adlcp_rootv1p2.xsd', 'ims_xml.xsd'],
  scorm2004: [
    'imsmanifest.xml', 'index.html', 'launcher.js',
    'imscp_v1p1.xsd', 'adlcp_v1p3.xsd', 'adlseq_v1p3.xsd', 'adlnav_v1p3.xsd',
    'imsss_v1p0.xsd', 'imsss_v1p0auxresource.xsd', 'imsss_v1p0control.xsd', 'imsss_v1p0delivery.xsd',
    'imsss_v1p0limit.xsd', 'imsss_v1p0objective.xsd', 'imsss_v1p0random.xsd', 'imsss_v1p0rollup.xsd',
    'imsss_v1p0seqrule.xsd', 'imsss_v1p0util.xsd', 'xml.xsd', 'XMLSchema.dtd', 'datatypes.dtd'
  ]
}
const specsFolder: Record<ScormFormat, string> = { scorm12: 'scorm12', scorm2004: 'scorm2004-4th' }

for (const format of ['scorm12', 'scorm2004'] as const) {
  t.test(`${format}: the files of the package`, async (t) => {
    const built = await buildPackage(input(format))
    const entries = await unzip(built.bytes)
    t.same(entries.map((e) => e.name), expectedFiles[format], 'manifest, launcher page, launcher script, then the control documents, all at the root')
    t.ok(entries.every((e) => !e.dir && !e.name.includes('/')), 'no folders')
    t.ok(entries.every((e) => e.date.toISOString() === '2020-01-01T00:00:00.000Z'), 'every entry has the same fixed date')
    t.ok(entries.every((e) => e.unixPermissions === null), 'no Unix permission bits')
    t.equal(entries.find((e) => e.name === 'launcher.js')?.text, await launcherScriptSource(), 'launcher.js is scorm-time.js + launcher.js')

    const manifest = entries[0]!.text
    const referenced = [...manifest.matchAll(/\s(\S+\.xsd)\b/g)].map((m) => m[1])
    t.ok(referenced.length >= 3, `the manifest references ${referenced.join(', ')}`)
    for (const name of referenced) t.ok(entries.some((e) => e.name === name), `${name} (referenced by the manifest) is in the zip`)
    for (const entry of entries.filter((e) => /\.(xsd|dtd)$/.test(e.name))) {
      // xs:import/xs:include elements (not the examples inside documentation) and DTD references.
      const imports = [...entry.text.matchAll(/<(?:\w+:)?(?:import|include)\b[^>]*?\bschemaLocation\s*=\s*"([^"]+)"/g)]
      const dtds = [...entry.text.matchAll(/<!(?:DOCTYPE|ENTITY)[^>]*?\b(?:SYSTEM|PUBLIC\s+(?:"[^"]*"|'[^']*'))\s+(?:"([^"]+)"|'([^']+)')/g)]
      for (const location of [...imports.map((m) => m[1]), ...dtds.map((m) => m[1] ?? m[2])]) {
        t.ok(entries.some((e) => e.name === location), `${entry.name} → ${location} resolves inside the zip`)
      }
    }
  })

  t.test(`${format}: the control documents are the official files, byte for byte`, async (t) => {
    const problem = validationToolsProblem()
    if (problem !== undefined) return t.fail(problem)
    const entries = await unzip((await buildPackage(input(format))).bytes)
    for (const entry of entries.filter((e) => /\.(xsd|dtd)$/.test(e.name))) {
      const official = await readFile(resolve(specsDir, specsFolder[format], entry.name))
      t.ok(entry.bytes.equals(official), `${entry.name} equals ${specsFolder[format]}/${entry.name} in the specs`)
    }
  })

  t.test(`${format}: the control documents in the zip are enough to validate its manifest, offline`, async (t) => {
    const problem = validationToolsProblem()
    if (problem !== undefined) return t.fail(problem)
    const entries = await unzip((await buildPackage(input(format))).bytes)
    const dir = t.testdir(Object.fromEntries(entries.map((e) => [e.name, e.bytes])))
    // SCORM 1.2's adlcp root imports imscp; 2004 needs a driver that imports every namespace the manifest uses.
    let schema = 'adlcp_rootv1p2.xsd'
    if (format === 'scorm2004') {
      schema = 'driver.xsd'
      await writeFile(resolve(dir, schema), `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:import namespace="http://www.imsglobal.org/xsd/imscp_v1p1" schemaLocation="imscp_v1p1.xsd"/>
  <xs:import namespace="http://www.adlnet.org/xsd/adlcp_v1p3" schemaLocation="adlcp_v1p3.xsd"/>
  <xs:import namespace="http://www.adlnet.org/xsd/adlseq_v1p3" schemaLocation="adlseq_v1p3.xsd"/>
  <xs:import namespace="http://www.adlnet.org/xsd/adlnav_v1p3" schemaLocation="adlnav_v1p3.xsd"/>
  <xs:import namespace="http://www.imsglobal.org/xsd/imsss" schemaLocation="imsss_v1p0.xsd"/>
</xs:schema>`)
    }
    const result = validateXml(entries[0]!.text, schema, dir)
    t.ok(result.valid, `imsmanifest.xml validates against ${schema} beside it`, { messages: result.messages })
  })
}

const launchUrlFiles: Record<'aicc' | 'cmi5' | 'xapi', string[]> = {
  aicc: ['mastery-pkg_flags.crs', 'mastery-pkg_flags.au', 'mastery-pkg_flags.des', 'mastery-pkg_flags.cst'],
  cmi5: ['cmi5.xml'],
  xapi: ['tincan.xml']
}

for (const format of ['aicc', 'cmi5', 'xapi'] as const) {
  t.test(`${format}: the files of the package`, async (t) => {
    const entries = await unzip((await buildPackage(input(format))).bytes)
    t.same(entries.map((e) => e.name), launchUrlFiles[format], 'only what the LMS imports, at the root: no launcher, the LMS launches the service')
    t.ok(entries.every((e) => !e.dir && !e.name.includes('/')), 'no folders')
    t.ok(entries.every((e) => e.date.toISOString() === '2020-01-01T00:00:00.000Z'), 'every entry has the same fixed date')
    t.ok(entries.every((e) => e.unixPermissions === null), 'no Unix permission bits')
    const launchUrl = `https://mastery.example.com/lms/${format}/launch?package=pkg_flags&revision=3&key=lk_0123456789abcdef`
    t.ok(entries.some((e) => e.text.replaceAll('&amp;', '&').includes(launchUrl)), 'launched at the service\'s route for the format')
  })
}

for (const format of ['scorm12', 'scorm2004', 'aicc', 'cmi5', 'xapi'] as const) {
  t.test(`${format}: the admin-only description never goes into the zip`, async (t) => {
    const description = 'ADMIN-ONLY-NOTE: internal cost centre 4711'
    const built = await buildPackage({ ...input(format), description } as PackageInput)
    const entries = await unzip(built.bytes)
    t.ok(entries.every((e) => !e.text.includes('ADMIN-ONLY-NOTE') && !e.text.includes('4711')), 'in no file')
    t.notOk(built.bytes.includes('ADMIN-ONLY-NOTE'), 'nor anywhere in the bytes')
    t.equal(built.checksum, (await buildPackage(input(format))).checksum, 'the package is the same as without it')
  })

  t.test(`${format}: the same input gives the same bytes`, async (t) => {
    const first = await buildPackage(input(format))
    const second = await buildPackage(input(format))
    t.ok(first.bytes.equals(second.bytes), 'byte-identical')
    t.equal(first.checksum, second.checksum)
    t.equal(first.checksum, createHash('sha256').update(first.bytes).digest('hex'), 'the checksum is the sha256 of the bytes')
    t.match(first.checksum, /^[0-9a-f]{64}$/)
    for (const change of [{ title: 'International Flags!' }, { revision: 4 }, { launchKey: 'lk_other' }, { serviceUrl: 'https://other.example.com' }, { packageId: 'pkg_other' }]) {
      t.not((await buildPackage(input(format, change))).checksum, first.checksum, `a different ${Object.keys(change)[0]} gives a different package`)
    }
  })
}

t.test('the same bytes in other timezones and other processes', async (t) => {
  const inputs = [input('scorm12'), input('scorm2004'), input('aicc'), input('cmi5'), input('xapi')]
  const local = await Promise.all(inputs.map(async (i) => (await buildPackage(i)).checksum))
  const child = fileURLToPath(new URL('./support/build-child.ts', import.meta.url))
  // UTC+14 and UTC-11: local midnight of 2020-01-01 falls on different UTC days in each.
  for (const tz of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', child, JSON.stringify(inputs)], { env: { ...process.env, TZ: tz } })
    const result = JSON.parse(stdout) as { checksums: string[], offsetMinutes: number }
    t.same(result.checksums, local, `TZ=${tz} (UTC offset ${-result.offsetMinutes / 60} h): every format identical`)
  }
})

t.test('the zip template only saves work: it writes what a fresh zip writes', async (t) => {
  const assets = await packageAssets()
  t.equal(await packageAssets(), assets, 'assets are loaded once and kept')
  const rendered: Array<[string, Buffer]> = [['imsmanifest.xml', Buffer.from('<manifest/>')], ['index.html', Buffer.from('<!DOCTYPE html>')]]
  t.same(renderedFiles, ['imsmanifest.xml', 'index.html'])
  for (const format of ['scorm12', 'scorm2004'] as const) {
    const fromTemplate = await fillZipTemplate(assets[format].template, rendered)
    const fresh = await deterministicZip([...rendered, ...assets[format].staticFiles])
    t.ok(fromTemplate.equals(fresh), `${format}: identical bytes`)
  }
  await t.rejects(fillZipTemplate(assets.scorm12.template, [['extra.txt', Buffer.from('x')]]), /no placeholder for extra.txt/, 'files outside the template are refused (the order stays fixed)')
})

t.test('a build takes a few milliseconds', async (t) => {
  const times: number[] = []
  for (let i = 0; i < 40; i++) {
    const started = performance.now()
    await buildPackage(input(i % 2 === 0 ? 'scorm12' : 'scorm2004', { revision: i + 1, title: `Flags ${i}` }))
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  const p50 = times[20]!
  t.ok(p50 < 25, `p50 ${p50.toFixed(2)} ms < 25 ms (the benchmark target)`)
})

t.test('the file name: an ASCII slug of the title, the format and the revision', async (t) => {
  t.equal((await buildPackage(input('scorm2004'))).fileName, 'international-flags-scorm2004-r3.zip')
  t.equal((await buildPackage(input('scorm12', { revision: 1 }))).fileName, 'international-flags-scorm12-r1.zip')
  for (const format of ['aicc', 'cmi5', 'xapi'] as const) t.equal((await buildPackage(input(format))).fileName, `international-flags-${format}-r3.zip`)
  t.equal(packageFileName('Crème brûlée: Ærøskøbing & İstanbul', 'scorm12', 2), 'creme-brulee-r-sk-bing-istanbul-scorm12-r2.zip')
  t.equal(packageFileName('🎌🎌🎌', 'scorm2004', 5), 'package-scorm2004-r5.zip', 'nothing ASCII left: "package"')
  t.equal(packageFileName('عنوان عربي', 'scorm12', 1), 'package-scorm12-r1.zip')
  t.equal(titleSlug('Word '.repeat(40)).length <= 60, true, 'long titles are cut')
  t.notMatch(titleSlug('Word '.repeat(40)), /-$/, 'at a word boundary')
  for (const title of hostileTitles) {
    t.match(packageFileName(title, 'scorm12', 9), /^[a-z0-9]+(-[a-z0-9]+)*-scorm12-r9\.zip$/, `safe for ${describeTitle(title)}`)
  }
})

t.test('input the builder refuses, with a precise message', async (t) => {
  const cases: Array<[string, Partial<PackageInput>, RegExp]> = [
    ['a package id with a slash', { packageId: 'a/b' }, /packageId/],
    ['an empty package id', { packageId: '' }, /packageId/],
    ['revision 0', { revision: 0 }, /revision/],
    ['a fractional revision', { revision: 1.5 }, /revision/],
    ['an empty title', { title: '' }, /title must not be empty/],
    ['a title of 201 characters', { title: 'x'.repeat(201) }, /at most 200 characters/],
    ['an unknown format', { format: 'scorm3' as PackageFormat }, /format must be one of scorm12, scorm2004, aicc, cmi5, xapi/],
    ['a service URL with a trailing slash', { serviceUrl: 'https://mastery.example.com/' }, /serviceUrl/],
    ['a service URL with a query', { serviceUrl: 'https://mastery.example.com?x=1' }, /serviceUrl/],
    ['a non-http service URL', { serviceUrl: 'javascript:alert(1)' }, /serviceUrl/],
    ['a service URL with credentials', { serviceUrl: 'https://user:pw@mastery.example.com' }, /serviceUrl/],
    ['an empty launch key', { launchKey: '' }, /launchKey/],
    ['a launch key with a space', { launchKey: 'lk one' }, /launchKey/],
    ['a launch key with a lone surrogate (it cannot go into a URL)', { launchKey: 'lk_\uD83D' }, /launchKey/],
    ['a launch key of 513 characters', { launchKey: 'k'.repeat(513) }, /launchKey/]
  ]
  for (const [what, change, message] of cases) {
    await t.rejects(buildPackage(input('scorm12', change)), message, what)
    await t.rejects(buildPackage(input('scorm12', change)), PackageInputError)
  }
  t.resolves(buildPackage(input('scorm12', { title: '🎌'.repeat(200) })), '200 characters, counted as characters, not UTF-16 units')
  t.resolves(buildPackage(input('scorm2004', { serviceUrl: 'http://127.0.0.1:3000/mastery' })), 'a service under a path')
})
