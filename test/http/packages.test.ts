import t from 'tap'
import { createHash, randomUUID } from 'node:crypto'
import JSZip from 'jszip'
import { harness, buildProfile, operatorToken, type Harness } from '../helpers/harness.ts'

async function ready (h: Harness, token: string, packageId: string, revision?: number) {
  for (let i = 0; i < 200; i++) {
    const res = await h.request('GET', `/v1/packages/${packageId}`, { token })
    if (res.body.status !== 'building' && (revision === undefined || res.body.revision === revision)) return res.body
    await new Promise(resolve => setTimeout(resolve, 25))
  }
  throw new Error('package never left building')
}

t.test('an admin creates packages; they build asynchronously and download as valid zips', async t => {
  const h = await harness(t)
  const { adminKey: token } = await h.newAccount('growth')
  const { profileId } = await buildProfile(h, token)
  const created = await h.request('POST', `/v1/profiles/${profileId}/packages`, { token, body: { title: 'International Flags', description: 'For the Q3 onboarding cohort', format: 'scorm2004' } })
  t.equal(created.status, 202, created.text)
  // Builds take milliseconds, so the reply may already see the build done; either way the
  // contract holds: no download link until the status is ready.
  t.match(created.body, { status: /^(building|ready)$/, revision: 1, format: 'scorm2004', title: 'International Flags' })
  if (created.body.status === 'building') t.notOk('downloadUrl' in created.body, 'no download link while building')
  const second = await h.request('POST', `/v1/profiles/${profileId}/packages`, { token, body: { title: 'Flags (SCORM 1.2)', format: 'scorm12' } })
  t.equal(second.status, 202)

  const pkg = await ready(h, token, created.body.packageId)
  t.equal(pkg.status, 'ready')
  t.match(pkg.downloadUrl, new RegExp(`/v1/packages/${pkg.packageId}/download$`))
  const list = await h.request('GET', `/v1/profiles/${profileId}/packages`, { token })
  t.equal(list.body.packages.length, 2, 'several packages per profile (R8)')

  const download = await h.app.inject({ method: 'GET', url: `/v1/packages/${pkg.packageId}/download`, headers: { authorization: `Bearer ${token}` } })
  t.equal(download.statusCode, 200)
  t.equal(download.headers['content-type'], 'application/zip')
  t.match(String(download.headers['content-disposition']), /attachment; filename=".+\.zip"/)
  const bytes = download.rawPayload
  t.equal(createHash('sha256').update(bytes).digest('hex'), pkg.checksum, 'checksum is the zip\'s SHA-256')
  t.equal(download.headers.etag, `"${pkg.checksum}"`)
  const again = await h.app.inject({ method: 'GET', url: `/v1/packages/${pkg.packageId}/download`, headers: { authorization: `Bearer ${token}`, 'if-none-match': `"${pkg.checksum}"` } })
  t.equal(again.statusCode, 304)

  const zip = await JSZip.loadAsync(bytes)
  const manifest = await zip.file('imsmanifest.xml')?.async('string')
  t.match(manifest, /International Flags/)
  t.notMatch(manifest, /Q3 onboarding/, 'the description is for admins only')
  const page = await zip.file('index.html')?.async('string') ?? ''
  t.match(page, /<title>International Flags<\/title>/)
  t.notMatch(page, /Q3 onboarding/)
})

t.test('editing the title makes a new revision; zips of earlier revisions keep their launch key', async t => {
  const h = await harness(t)
  const { adminKey: token } = await h.newAccount('enterprise')
  const { profileId } = await buildProfile(h, token)
  const created = await h.request('POST', `/v1/profiles/${profileId}/packages`, { token, body: { title: 'Flags', format: 'scorm12' } })
  const first = await ready(h, token, created.body.packageId)
  const patched = await h.request('PATCH', `/v1/packages/${first.packageId}`, { token, body: { title: 'Flags of the World' } })
  t.equal(patched.status, 202)
  t.match(patched.body, { revision: 2, status: /^(building|ready)$/, title: 'Flags of the World' })
  const second = await ready(h, token, first.packageId, 2)
  t.equal(second.status, 'ready')
  t.not(second.checksum, first.checksum, 'a new title gives a new zip to upload')
  const unchanged = await h.request('PATCH', `/v1/packages/${first.packageId}`, { token, body: { title: 'Flags of the World' } })
  t.equal(unchanged.body.revision, 2, 'the same title again makes no new revision')
  const stream = await h.service.ctx.store.readStream(`package-${first.packageId}`)
  t.same(stream.map(e => e.type), ['PackageRequested', 'PackageBuilt', 'PackageRevised', 'PackageBuilt'])
})

t.test('the same inputs give the same bytes', async t => {
  const h = await harness(t)
  const { adminKey: token } = await h.newAccount('growth')
  const { profileId } = await buildProfile(h, token)
  const a = await ready(h, token, (await h.request('POST', `/v1/profiles/${profileId}/packages`, { token, body: { title: 'Same', format: 'scorm2004' } })).body.packageId)
  const { buildPackage } = await import('../../packaging/build-package.ts')
  const { launchKeyFor } = await import('../../src/app/credentials.ts')
  const { tokenSecret } = await import('../helpers/harness.ts')
  const rebuilt = await buildPackage({ packageId: a.packageId, revision: 1, title: 'Same', format: 'scorm2004', serviceUrl: 'http://127.0.0.1:3000', launchKey: launchKeyFor(tokenSecret, a.packageId, 1) })
  t.equal(rebuilt.checksum, a.checksum)
})

t.test('plans, formats and retirement are refused clearly', async t => {
  const h = await harness(t)
  const starter = await h.newAccount('starter')
  const s = await buildProfile(h, starter.adminKey)
  const refused = await h.request('POST', `/v1/profiles/${s.profileId}/packages`, { token: starter.adminKey, body: { title: 'Flags', format: 'scorm12' } })
  t.equal(refused.status, 403)
  t.equal(refused.body.error.code, 'MS_ERR_PLAN_REQUIRED')
  t.match(refused.body.error.message, /Growth and Enterprise/)

  const { adminKey: token } = await h.newAccount('growth')
  const { profileId } = await buildProfile(h, token)
  const before = await h.eventCount()
  const bogus = await h.request('POST', `/v1/profiles/${profileId}/packages`, { token, body: { title: 'Flags', format: 'scorm3000' } })
  t.equal(bogus.body.error.code, 'MS_ERR_VALIDATION')
  const noTitle = await h.request('POST', `/v1/profiles/${profileId}/packages`, { token, body: { format: 'scorm12' } })
  t.equal(noTitle.body.error.code, 'MS_ERR_VALIDATION')
  t.equal(await h.eventCount(), before, 'refusals append nothing')

  const formats = await h.request('GET', '/v1/package-formats')
  t.same(formats.body.formats.map((f: { format: string }) => f.format).sort(), ['aicc', 'cmi5', 'scorm12', 'scorm2004', 'xapi'])
  t.match(formats.body.guidance, /pick SCORM 1\.2/)
  t.same(formats.body.formats.filter((f: { available: boolean }) => f.available).map((f: { format: string }) => f.format).sort(), ['aicc', 'cmi5', 'scorm12', 'scorm2004', 'xapi'])

  for (const [format, file] of [['cmi5', 'cmi5.xml'], ['xapi', 'tincan.xml']] as const) {
    const built = await ready(h, token, (await h.request('POST', `/v1/profiles/${profileId}/packages`, { token, body: { title: `Flags ${format}`, format } })).body.packageId)
    t.equal(built.status, 'ready', `a ${format} package builds`)
    const download = await h.app.inject({ method: 'GET', url: `/v1/packages/${built.packageId}/download`, headers: { authorization: `Bearer ${token}` } })
    const entries = Object.keys((await JSZip.loadAsync(download.rawPayload)).files)
    t.ok(entries.includes(file), `its zip has ${file}`)
  }

  const aicc = await ready(h, token, (await h.request('POST', `/v1/profiles/${profileId}/packages`, { token, body: { title: 'Flags, "AICC"', format: 'aicc' } })).body.packageId)
  t.equal(aicc.status, 'ready', 'an AICC package builds')
  const zip = await h.app.inject({ method: 'GET', url: `/v1/packages/${aicc.packageId}/download`, headers: { authorization: `Bearer ${token}` } })
  t.equal(zip.statusCode, 200)
  t.match(String(zip.headers['content-disposition']), /flags-aicc-aicc-r1\.zip/)

  const pkg = await ready(h, token, (await h.request('POST', `/v1/profiles/${profileId}/packages`, { token, body: { title: 'Flags', format: 'scorm12' } })).body.packageId)
  const retired = await h.request('DELETE', `/v1/packages/${pkg.packageId}`, { token })
  t.equal(retired.body.status, 'retired')
  t.equal((await h.request('GET', `/v1/packages/${pkg.packageId}/download`, { token })).body.error.code, 'MS_ERR_PACKAGE_RETIRED')
  t.equal((await h.request('PATCH', `/v1/packages/${pkg.packageId}`, { token, body: { title: 'Again' } })).body.error.code, 'MS_ERR_PACKAGE_RETIRED')

  const other = await h.newAccount('growth')
  t.equal((await h.request('GET', `/v1/packages/${pkg.packageId}`, { token: other.adminKey })).status, 404, 'another account cannot see the package')
  t.equal((await h.request('GET', `/v1/profiles/${profileId}/packages`, { token: other.adminKey })).status, 404)
  t.equal((await h.request('PATCH', `/v1/accounts/${starter.accountId}`, { token: operatorToken, body: { plan: 'growth' } })).status, 200)
})

t.test('the download is refused with a stable code while the package is building, and a failed build says why', async t => {
  let release: () => void = () => {}
  const gate = new Promise<void>(resolve => { release = resolve })
  let fail = false
  const { buildPackage } = await import('../../packaging/build-package.ts')
  const h = await harness(t, {
    build: async input => {
      await gate
      if (fail) throw new Error('the zip could not be written')
      return buildPackage({ ...input, format: input.format as 'scorm12' })
    }
  })
  const { adminKey: token } = await h.newAccount('growth')
  const { profileId } = await buildProfile(h, token)
  const created = await h.request('POST', `/v1/profiles/${profileId}/packages`, { token, body: { title: 'Slow', format: 'scorm12' } })
  const building = await h.request('GET', `/v1/packages/${created.body.packageId}/download`, { token })
  t.equal(building.status, 409)
  t.equal(building.body.error.code, 'MS_ERR_PACKAGE_NOT_READY')
  fail = true
  release()
  const failed = await ready(h, token, created.body.packageId)
  t.equal(failed.status, 'failed')
  t.match(failed.failure, /could not be written/)
  t.equal((await h.request('GET', `/v1/packages/${created.body.packageId}/download`, { token })).body.error.code, 'MS_ERR_PACKAGE_BUILD_FAILED')
})

t.test('a package requested just before a crash is built after the restart', async t => {
  const dir = t.testdir()
  const first = await harness(t, { dir })
  const { accountId, adminKey: token } = await first.newAccount('growth')
  const { profileId } = await buildProfile(first, token)
  await first.service.close()
  // The request reached the log, then the process died before the builder ran.
  const { openService } = await import('../../src/service.ts')
  const { pino } = await import('pino')
  const offline = await openService({ dataDir: dir, log: pino({ level: 'silent' }), live: false })
  const packageId = 'pkg_crashtest00001'
  await offline.ctx.store.append(`package-${packageId}`, [{ id: randomUUID(), type: 'PackageRequested', data: { packageId, profileId, accountId, title: 'After the crash', format: 'scorm12', revision: 1 }, metadata: { accountId } }], { expectedRevision: 'no-stream' })
  await offline.close()

  const second = await harness(t, { dir })
  const pkg = await ready(second, token, packageId)
  t.equal(pkg.status, 'ready')
  t.equal((await second.app.inject({ method: 'GET', url: `/v1/packages/${packageId}/download`, headers: { authorization: `Bearer ${token}` } })).statusCode, 200)
})

t.test('a package built against an address only this machine reaches says so; one on a public address does not', async t => {
  for (const [publicUrl, local] of [['http://127.0.0.1:3000', true], ['https://mastery.example.com', false]] as const) {
    const h = await harness(t, { publicUrl })
    const { adminKey: token } = await h.newAccount('growth')
    const { profileId } = await buildProfile(h, token)
    const created = await h.request('POST', `/v1/profiles/${profileId}/packages`, { token, body: { title: 'Flags', format: 'scorm12' } })
    const pkg = await ready(h, token, created.body.packageId)
    if (local) t.match(pkg.notice, /launches against http:\/\/127\.0\.0\.1:3000, which only the service's own machine can reach.*Set PUBLIC_URL/, 'the admin is told before uploading it')
    else t.notOk('notice' in pkg, `no notice for ${publicUrl}`)
  }
})

t.test('which addresses only this machine reaches', async t => {
  const { isLocalOnlyUrl } = await import('../../src/local-address.ts')
  for (const url of ['http://127.0.0.1:3000', 'http://localhost:3000', 'http://app.localhost', 'http://[::1]:3000', 'http://127.1.2.3', 'http://0.0.0.0:3000']) t.ok(isLocalOnlyUrl(url), url)
  for (const url of ['https://mastery.example.com', 'http://10.0.0.5:3000', 'http://192.168.1.20', 'http://[2001:db8::1]', 'not a url']) t.notOk(isLocalOnlyUrl(url), url)
})

t.test('a format that is not one of the five is refused with the five named, and nothing is appended', async t => {
  const h = await harness(t)
  const { adminKey: token } = await h.newAccount('growth')
  const { profileId } = await buildProfile(h, token)
  const before = await h.eventCount()
  const refused = await h.request('POST', `/v1/profiles/${profileId}/packages`, { token, body: { title: 'Flags', format: 'SCORM12' } })
  t.equal(refused.status, 400)
  t.equal(refused.body.error.code, 'MS_ERR_VALIDATION')
  t.equal(refused.body.error.message, 'body.format must be one of "scorm12", "scorm2004", "aicc", "cmi5", "xapi".')
  t.equal(await h.eventCount(), before, 'nothing appended')
})
