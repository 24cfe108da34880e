// Launch keys: one per package revision, in that revision's zip. A new revision leaves earlier
// zips working (LMSs are not all updated at once), unless the admin revokes them: a zip that
// leaked stops launching, and the zip of the new revision is the one that works.
import t from 'tap'
import { harness, buildProfile, newLearner, tokenSecret } from '../helpers/harness.ts'
import { launchKeyFor } from '../../src/app/credentials.ts'

t.test('revoking earlier launch keys: earlier zips are refused, later revisions keep working', async t => {
  const h = await harness(t)
  const { adminKey: token } = await h.newAccount('growth')
  const profile = await buildProfile(h, token)
  await h.request('PUT', `/v1/profiles/${profile.profileId}/lms-integration`, { token, body: { enabled: true } })
  const learner = await newLearner(h, token)
  await h.request('POST', `/v1/learners/${learner.learnerId}/lms-links`, { token, body: { lmsUserId: 'u-1' } })
  const created = await h.request('POST', `/v1/profiles/${profile.profileId}/packages`, { token, body: { title: 'Flags', format: 'scorm12' } })
  const packageId = created.body.packageId as string
  const launch = async (revision: number) => {
    const res = await h.request('POST', '/v1/lms/launch', { body: { packageId, revision, launchKey: launchKeyFor(tokenSecret, packageId, revision), standard: 'scorm12', lmsUserId: 'u-1' } })
    return { status: res.status, code: res.body?.error?.code as string | undefined, message: res.body?.error?.message as string | undefined }
  }

  t.equal((await launch(1)).status, 201, 'revision 1 launches')
  const renamed = await h.request('PATCH', `/v1/packages/${packageId}`, { token, body: { title: 'Flags of the World' } })
  t.equal(renamed.body.revision, 2)
  t.equal((await launch(1)).status, 201, 'a rename leaves the zips already in LMSs working')

  const revoked = await h.request('PATCH', `/v1/packages/${packageId}`, { token, body: { revokeEarlierLaunchKeys: true } })
  t.equal(revoked.status, 202, revoked.text)
  t.equal(revoked.body.revision, 3, 'revoking makes a new revision, with a new key')
  t.equal(revoked.body.earliestLaunchRevision, 3, 'the package says from which revision its zips launch')
  for (const revision of [1, 2]) {
    const refused = await launch(revision)
    t.equal(refused.status, 401, `revision ${revision} refused`)
    t.equal(refused.code, 'MS_ERR_LAUNCH_KEY_INVALID')
    t.match(refused.message, /download the package again and re-upload it/)
  }
  t.equal((await launch(3)).status, 201, 'the new zip launches')

  await h.request('PATCH', `/v1/packages/${packageId}`, { token, body: { description: 'For the spring term' } })
  t.equal((await launch(3)).status, 201, 'a later edit without revoking keeps revision 3 working')
  t.equal((await launch(4)).status, 201)
  t.equal((await launch(2)).status, 401, 'and revoked keys stay revoked')
  t.equal((await h.request('GET', `/v1/packages/${packageId}`, { token })).body.earliestLaunchRevision, 3, 'and the package still says so')

  const events = (await h.service.ctx.store.readStream(`package-${packageId}`)).filter(e => e.type === 'PackageRevised').map(e => e.data)
  t.match(events, [{ revision: 2 }, { revision: 3, earliestLaunchRevision: 3 }, { revision: 4 }], 'the revocation is an event of the log')
  t.notOk('earliestLaunchRevision' in (events[2] as object), 'only the revoking revision carries it')
})

t.test('a description can be removed with null or an empty text; removing none appends nothing', async t => {
  const h = await harness(t)
  const { adminKey: token } = await h.newAccount('growth')
  const profile = await buildProfile(h, token)
  const created = await h.request('POST', `/v1/profiles/${profile.profileId}/packages`, { token, body: { title: 'Flags', description: 'For the Moodle site', format: 'scorm12' } })
  const packageId = created.body.packageId as string
  t.equal(created.body.description, 'For the Moodle site')
  t.notOk('earliestLaunchRevision' in created.body, 'no keys revoked yet')

  const tooLong = await h.request('PATCH', `/v1/packages/${packageId}`, { token, body: { description: 'x'.repeat(10_001) } })
  t.equal(tooLong.status, 400, 'a description over 10,000 characters is refused')
  t.equal(tooLong.body.error.code, 'MS_ERR_VALIDATION')
  const head = await h.service.ctx.store.streamRevision(`package-${packageId}`)

  const cleared = await h.request('PATCH', `/v1/packages/${packageId}`, { token, body: { description: null } })
  t.equal(cleared.status, 202, cleared.text)
  t.notOk('description' in cleared.body, 'null removes the description')
  t.equal(cleared.body.title, 'Flags', 'and leaves the title')
  t.equal(cleared.body.revision, 2)
  t.equal(await h.service.ctx.store.streamRevision(`package-${packageId}`), head + 1, 'one event: the revision')

  for (const none of [null, '']) {
    const again = await h.request('PATCH', `/v1/packages/${packageId}`, { token, body: { description: none } })
    t.equal(again.body.revision, 2, `removing (${JSON.stringify(none)}) a description that is not there changes nothing`)
  }
  t.equal(await h.service.ctx.store.streamRevision(`package-${packageId}`), head + 1, 'and appends nothing')

  await h.request('PATCH', `/v1/packages/${packageId}`, { token, body: { description: 'Back again' } })
  const emptied = await h.request('PATCH', `/v1/packages/${packageId}`, { token, body: { description: '' } })
  t.equal(emptied.status, 202, emptied.text)
  t.notOk('description' in emptied.body, 'an empty text removes it too (as an emptied form field would)')

  const padded = await h.request('PATCH', `/v1/packages/${packageId}`, { token, body: { description: '  For the Moodle site \n' } })
  t.equal(padded.body.description, 'For the Moodle site', 'kept without surrounding blanks')
  const blank = await h.request('PATCH', `/v1/packages/${packageId}`, { token, body: { description: '   ' } })
  t.notOk('description' in blank.body, 'nothing but blanks removes it')
  const createdBlank = await h.request('POST', `/v1/profiles/${profile.profileId}/packages`, { token, body: { title: 'Flags again', description: ' \t ', format: 'scorm12' } })
  t.equal(createdBlank.status, 202, createdBlank.text)
  t.notOk('description' in createdBlank.body, 'a new package with a blank description has none')
})
