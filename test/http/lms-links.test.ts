// Integration: linking LMS users to learners (R2) through the HTTP API and the
// application service the LMS launch uses, on a real embedded store.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { harness, newLearner, type Harness } from '../helpers/harness.ts'
import { lmsLinkStreamId, provisionLmsUser, resolveLmsUser } from '../../src/app/lms-links.ts'

async function importCsv (h: Harness, token: string, csv: string, contentType = 'text/csv') {
  const res = await h.app.inject({ method: 'POST', url: '/v1/lms-links/import', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, payload: csv })
  return { status: res.statusCode, body: res.json() }
}

const accountLinks = async (h: Harness, token: string) =>
  ((await h.request('GET', '/v1/lms-links', { token })).body.links as { lmsUserId: string, learnerId: string, source: string }[])
    .map(l => `${l.lmsUserId}->${l.learnerId}`).sort()

t.test('an admin links, lists and unlinks LMS user ids', async t => {
  const h = await harness(t)
  const { adminKey: token, accountId } = await h.newAccount()
  const ada = await newLearner(h, token)

  const linked = await h.request('POST', `/v1/learners/${ada.learnerId}/lms-links`, { token, body: { lmsUserId: '  stu-42 ' } })
  t.equal(linked.status, 201)
  t.same(linked.body, { learnerId: ada.learnerId, lmsUserId: 'stu-42', position: linked.body.position }, 'the id is stored trimmed')
  t.ok(linked.body.position > 0)

  const again = await h.request('POST', `/v1/learners/${ada.learnerId}/lms-links`, { token, body: { lmsUserId: 'stu-42' } })
  t.equal(again.status, 200, 'linking again is a no-op')
  t.equal(again.body.position, linked.body.position, 'and records nothing')

  const mine = await h.request('GET', `/v1/learners/${ada.learnerId}/lms-links`, { token })
  t.equal(mine.status, 200)
  t.match(mine.body, { learnerId: ada.learnerId, links: [{ lmsUserId: 'stu-42', source: 'admin' }] })
  t.ok(!Number.isNaN(Date.parse(mine.body.links[0].linkedAt)), 'linkedAt is a timestamp')
  t.same(await accountLinks(h, token), [`stu-42->${ada.learnerId}`])
  t.match((await h.request('GET', `/v1/lms-links?learnerId=${ada.learnerId}`, { token })).body, { links: [{ lmsUserId: 'stu-42', learnerId: ada.learnerId, source: 'admin' }] }, 'the account listing filters by learner')
  t.equal(await resolveLmsUser(h.service.ctx, accountId, 'stu-42'), ada.learnerId, 'the launch resolves the link')

  const removed = await h.request('DELETE', `/v1/learners/${ada.learnerId}/lms-links/stu-42`, { token })
  t.equal(removed.status, 200)
  t.ok(removed.body.position > linked.body.position)
  t.same((await h.request('GET', `/v1/learners/${ada.learnerId}/lms-links`, { token })).body.links, [])
  t.same(await accountLinks(h, token), [])
  t.equal(await resolveLmsUser(h.service.ctx, accountId, 'stu-42'), undefined, 'an unlinked id resolves to nobody')

  const twice = await h.request('DELETE', `/v1/learners/${ada.learnerId}/lms-links/stu-42`, { token })
  t.equal(twice.status, 404, 'unlinking what is not linked is not found')
  t.equal(twice.body.error.code, 'MS_ERR_NOT_FOUND')

  t.equal((await h.request('POST', `/v1/learners/${ada.learnerId}/lms-links`, { token, body: { lmsUserId: 'stu-42' } })).status, 201, 'it can be linked again')
  const history = await h.service.ctx.store.readStream(lmsLinkStreamId(accountId, 'stu-42'))
  t.same(history.map(e => e.type), ['LmsUserLinked', 'LmsUserUnlinked', 'LmsUserLinked'], 'the stream keeps linked, unlinked and relinked')
  t.same(history[1]?.data, { learnerId: ada.learnerId, lmsUserId: 'stu-42' }, 'the unlink names the LMS user id')
})

t.test('a learner may hold several LMS ids, and any opaque id survives the URL', async t => {
  const h = await harness(t)
  const { adminKey: token, accountId } = await h.newAccount()
  const ada = await newLearner(h, token)
  const ids = ['moodle:17', 'Canvas/User 9?x=1#y', 'ÉLÈVE-42', 'élève-42', 'a%20b']
  for (const lmsUserId of ids) {
    t.equal((await h.request('POST', `/v1/learners/${ada.learnerId}/lms-links`, { token, body: { lmsUserId } })).status, 201, `links ${lmsUserId}`)
  }
  const links = (await h.request('GET', `/v1/learners/${ada.learnerId}/lms-links`, { token })).body.links.map((l: { lmsUserId: string }) => l.lmsUserId)
  t.same(links, ids, 'all of them, in the order they were linked; ids are case-sensitive')
  t.equal(await resolveLmsUser(h.service.ctx, accountId, 'élève-42'), ada.learnerId)
  t.equal(await resolveLmsUser(h.service.ctx, accountId, 'ELEVE-42'), undefined)
  for (const lmsUserId of ids) {
    const res = await h.request('DELETE', `/v1/learners/${ada.learnerId}/lms-links/${encodeURIComponent(lmsUserId)}`, { token })
    t.equal(res.status, 200, `unlinks ${lmsUserId}`)
  }
  t.same((await h.request('GET', `/v1/learners/${ada.learnerId}/lms-links`, { token })).body.links, [])
})

t.test('one LMS id maps to one learner: linking it to another is refused, never merged', async t => {
  const h = await harness(t)
  const { adminKey: token, accountId } = await h.newAccount()
  const ada = await newLearner(h, token, undefined, 'ada@example.com')
  const bob = await newLearner(h, token)
  await h.request('POST', `/v1/learners/${ada.learnerId}/lms-links`, { token, body: { lmsUserId: 'stu-42' } })
  const before = await h.eventCount()

  const conflict = await h.request('POST', `/v1/learners/${bob.learnerId}/lms-links`, { token, body: { lmsUserId: 'stu-42' } })
  t.equal(conflict.status, 409)
  t.equal(conflict.body.error.code, 'MS_ERR_LMS_LINK_CONFLICT')
  t.match(conflict.body.error.message, ada.learnerId, 'names the learner holding the link')
  t.match(conflict.body.error.message, 'ada@example.com', 'by their email too')
  t.match(conflict.body.error.message, /unlink it from that learner first/)
  t.equal(await h.eventCount(), before, 'nothing appended')
  t.equal(await resolveLmsUser(h.service.ctx, accountId, 'stu-42'), ada.learnerId, 'the link stays as it was')

  const notHers = await h.request('DELETE', `/v1/learners/${bob.learnerId}/lms-links/stu-42`, { token })
  t.equal(notHers.status, 404, 'another learner cannot unlink it')

  await h.request('DELETE', `/v1/learners/${ada.learnerId}/lms-links/stu-42`, { token })
  t.equal((await h.request('POST', `/v1/learners/${bob.learnerId}/lms-links`, { token, body: { lmsUserId: 'stu-42' } })).status, 201, 'after an unlink it can move')
  t.equal(await resolveLmsUser(h.service.ctx, accountId, 'stu-42'), bob.learnerId)
})

t.test('bad input gets a 4xx with a stable code and appends nothing', async t => {
  const h = await harness(t)
  const { adminKey: token } = await h.newAccount()
  const ada = await newLearner(h, token)
  const before = await h.eventCount()
  const cases: [string, string, unknown, number, string][] = [
    ['POST', `/v1/learners/${ada.learnerId}/lms-links`, { lmsUserId: '   ' }, 400, 'MS_ERR_VALIDATION'],
    ['POST', `/v1/learners/${ada.learnerId}/lms-links`, { lmsUserId: '' }, 400, 'MS_ERR_VALIDATION'],
    ['POST', `/v1/learners/${ada.learnerId}/lms-links`, { lmsUserId: 'x'.repeat(256) }, 400, 'MS_ERR_VALIDATION'],
    ['POST', `/v1/learners/${ada.learnerId}/lms-links`, { lmsUserId: 'stu\n42' }, 400, 'MS_ERR_VALIDATION'],
    ['POST', `/v1/learners/${ada.learnerId}/lms-links`, { lmsUserId: 42 }, 400, 'MS_ERR_VALIDATION'],
    ['POST', `/v1/learners/${ada.learnerId}/lms-links`, { lmsUserId: 'stu-1', extra: true }, 400, 'MS_ERR_VALIDATION'],
    ['POST', `/v1/learners/${ada.learnerId}/lms-links`, {}, 400, 'MS_ERR_VALIDATION'],
    ['POST', '/v1/learners/lrn_nobody/lms-links', { lmsUserId: 'stu-1' }, 404, 'MS_ERR_NOT_FOUND'],
    ['POST', '/v1/learners/not%20an%20id/lms-links', { lmsUserId: 'stu-1' }, 400, 'MS_ERR_VALIDATION'],
    ['GET', '/v1/learners/lrn_nobody/lms-links', undefined, 404, 'MS_ERR_NOT_FOUND'],
    ['DELETE', `/v1/learners/${ada.learnerId}/lms-links/%20`, undefined, 400, 'MS_ERR_VALIDATION'],
    ['DELETE', `/v1/learners/${ada.learnerId}/lms-links/never-linked`, undefined, 404, 'MS_ERR_NOT_FOUND']
  ]
  for (const [method, url, body, status, code] of cases) {
    const res = await h.request(method, url, { token, ...(body === undefined ? {} : { body }) })
    t.equal(res.status, status, `${method} ${url} ${JSON.stringify(body) ?? ''} → ${status}`)
    t.equal(res.body?.error?.code, code)
  }
  t.equal((await h.request('GET', '/v1/lms-links')).status, 401, 'an admin key is required')
  t.equal(await h.eventCount(), before, 'nothing appended')
})

t.test('another account can neither see nor change this account\'s links', async t => {
  const h = await harness(t)
  const a = await h.newAccount()
  const b = await h.newAccount()
  const ada = await newLearner(h, a.adminKey)
  const bea = await newLearner(h, b.adminKey)
  await h.request('POST', `/v1/learners/${ada.learnerId}/lms-links`, { token: a.adminKey, body: { lmsUserId: 'stu-42' } })
  const before = await h.eventCount()
  const asB = { token: b.adminKey }

  t.equal((await h.request('POST', `/v1/learners/${ada.learnerId}/lms-links`, { ...asB, body: { lmsUserId: 'stu-99' } })).status, 404, 'cannot link another account\'s learner')
  t.equal((await h.request('GET', `/v1/learners/${ada.learnerId}/lms-links`, asB)).status, 404, 'cannot list their links')
  t.equal((await h.request('DELETE', `/v1/learners/${ada.learnerId}/lms-links/stu-42`, asB)).status, 404, 'cannot unlink them')
  t.equal((await h.request('GET', `/v1/lms-links?learnerId=${ada.learnerId}`, asB)).status, 404, 'cannot filter on them')
  t.same((await h.request('GET', '/v1/lms-links', asB)).body.links, [], 'sees none of them')
  const csv = await importCsv(h, b.adminKey, `${ada.learnerId},stu-99\n${ada.email},stu-98\n`)
  t.match(csv.body, { linked: 0, failed: 2, rows: [{ code: 'MS_ERR_NOT_FOUND' }, { code: 'MS_ERR_NOT_FOUND' }] }, 'cannot import links to them by id or email')
  t.equal(await h.eventCount(), before, 'nothing appended')

  const own = await h.request('POST', `/v1/learners/${bea.learnerId}/lms-links`, { ...asB, body: { lmsUserId: 'stu-42' } })
  t.equal(own.status, 201, 'the same LMS id links independently in another account')
  t.equal(await resolveLmsUser(h.service.ctx, a.accountId, 'stu-42'), ada.learnerId)
  t.equal(await resolveLmsUser(h.service.ctx, b.accountId, 'stu-42'), bea.learnerId)
  t.same(await accountLinks(h, a.adminKey), [`stu-42->${ada.learnerId}`])
  t.same(await accountLinks(h, b.adminKey), [`stu-42->${bea.learnerId}`])
})

t.test('CSV import: every row stands alone and the report says what happened to each', async t => {
  const h = await harness(t)
  const { adminKey: token } = await h.newAccount()
  const ada = await newLearner(h, token, undefined, 'ada@example.com')
  const bob = await newLearner(h, token, undefined, 'bob@example.com')
  const cy = await newLearner(h, token, undefined, 'cy@example.com')
  await h.request('POST', `/v1/learners/${cy.learnerId}/lms-links`, { token, body: { lmsUserId: 'taken-1' } })
  await h.request('POST', `/v1/learners/${bob.learnerId}/lms-links`, { token, body: { lmsUserId: 'bob-old' } })

  const csv = [
    'learner,lmsUserId', //                         1 header
    'ADA@example.com,ada-1', //                      2 linked (email, any case)
    `${bob.learnerId},bob-1`, //                     3 linked (learner id)
    'nobody@example.com,x-1', //                     4 unknown learner
    'ada@example.com,', //                           5 empty LMS id
    'bob@example.com,taken-1', //                    6 linked to cy already
    'ada@example.com,dup-1', //                      7 listed for two learners
    '',
    `${bob.learnerId},dup-1`, //                     9 … here too
    'bob@example.com,bob-old', //                    10 unchanged
    'ada@example.com,"quoted, with comma"', //       11 linked
    'ada@example.com,ada-1' //                       12 same pair twice: unchanged
  ].join('\n')
  const res = await importCsv(h, token, csv)
  t.equal(res.status, 200)
  t.match(res.body, { linked: 3, unchanged: 2, failed: 5 })
  t.match(res.body.rows, [
    { row: 2, learner: 'ADA@example.com', lmsUserId: 'ada-1', learnerId: ada.learnerId, status: 'linked' },
    { row: 3, learner: bob.learnerId, lmsUserId: 'bob-1', status: 'linked' },
    { row: 4, status: 'failed', code: 'MS_ERR_NOT_FOUND', message: /nobody@example.com/ },
    { row: 5, status: 'failed', code: 'MS_ERR_VALIDATION', message: /empty/ },
    { row: 6, status: 'failed', code: 'MS_ERR_LMS_LINK_CONFLICT', message: /cy@example.com/ },
    { row: 7, status: 'failed', code: 'MS_ERR_LMS_LINK_CONFLICT', message: /lines 7, 9/ },
    { row: 9, status: 'failed', code: 'MS_ERR_LMS_LINK_CONFLICT' },
    { row: 10, status: 'unchanged' },
    { row: 11, lmsUserId: 'quoted, with comma', status: 'linked' },
    { row: 12, status: 'unchanged' }
  ])
  t.equal(res.body.rows.length, 10)
  for (const row of res.body.rows.filter((r: { status: string }) => r.status !== 'failed')) t.notOk('code' in row, `row ${row.row} carries no error`)
  t.same(await accountLinks(h, token), [
    `ada-1->${ada.learnerId}`, `bob-1->${bob.learnerId}`, `bob-old->${bob.learnerId}`, `quoted, with comma->${ada.learnerId}`, `taken-1->${cy.learnerId}`
  ].sort(), 'only the good rows landed; the conflicting link was not moved')
  const imported = (await h.request('GET', `/v1/learners/${ada.learnerId}/lms-links`, { token })).body.links
  t.same(imported.map((l: { source: string }) => l.source), ['import', 'import'], 'imported links say so')
})

t.test('CSV import reads the files spreadsheets write', async t => {
  const h = await harness(t)
  const { adminKey: token } = await h.newAccount()
  const ada = await newLearner(h, token, undefined, 'ada@example.com')
  const bob = await newLearner(h, token, undefined, 'bob@example.com')

  const noHeader = await importCsv(h, token, `ada@example.com,n-1\n${bob.learnerId},n-2\n`)
  t.match(noHeader.body, { linked: 2, failed: 0, rows: [{ row: 1 }, { row: 2 }] }, 'without a header every line is a row')

  const semicolons = await importCsv(h, token, 'Learner;LMS user id\nada@example.com;s-1\n"bob@example.com";"s;2"\n')
  t.match(semicolons.body, { linked: 2, failed: 0, rows: [{ row: 2, lmsUserId: 's-1' }, { row: 3, lmsUserId: 's;2' }] }, '; delimiter and header detected')

  const excel = await importCsv(h, token, '\uFEFFlearner;lmsUserId\r\n\r\nada@example.com;e-1\r\n bob@example.com ; e-2 \r\n', 'text/csv; charset=utf-8')
  t.match(excel.body, { linked: 2, failed: 0, rows: [{ row: 3, learner: 'ada@example.com', lmsUserId: 'e-1' }, { row: 4, learner: 'bob@example.com', lmsUserId: 'e-2' }] }, 'BOM, CRLF, blank lines and padding')

  const swapped = await importCsv(h, token, 'lmsUserId,email,department\nw-1,ada@example.com,Sales\n', 'text/plain')
  t.match(swapped.body, { linked: 1, rows: [{ row: 2, learner: 'ada@example.com', lmsUserId: 'w-1' }] }, 'text/plain, header columns in any order, extra columns ignored')

  const multiline = await importCsv(h, token, 'ada@example.com,"m\n1"\nbob@example.com,m-2\n')
  t.match(multiline.body, { linked: 1, failed: 1, rows: [{ row: 1, code: 'MS_ERR_VALIDATION' }, { row: 3, status: 'linked' }] }, 'a quoted line break fails its row, and later rows keep their line numbers')

  const extra = await importCsv(h, token, 'ada@example.com,x-1,surprise\n')
  t.match(extra.body, { failed: 1, rows: [{ code: 'MS_ERR_VALIDATION', message: /more than two columns/ }] })

  const empty = await importCsv(h, token, 'learner,lmsUserId\n')
  t.same(empty.body, { linked: 0, unchanged: 0, failed: 0, rows: [] }, 'a header alone imports nothing')

  const ids = (await h.request('GET', `/v1/learners/${ada.learnerId}/lms-links`, { token })).body.links.map((l: { lmsUserId: string }) => l.lmsUserId)
  t.same(ids, ['n-1', 's-1', 'e-1', 'w-1'])
})

t.test('an unreadable CSV is refused whole, naming the line', async t => {
  const h = await harness(t)
  const { adminKey: token } = await h.newAccount()
  await newLearner(h, token, undefined, 'ada@example.com')
  const before = await h.eventCount()

  const unclosed = await importCsv(h, token, 'learner,lmsUserId\nada@example.com,ok-1\n\nada@example.com,"never closed\nada@example.com,ok-2\n')
  t.equal(unclosed.status, 400)
  t.equal(unclosed.body.error.code, 'MS_ERR_CSV_INVALID')
  t.match(unclosed.body.error.message, /line 4/, 'names the line the quote opens on')
  t.match(unclosed.body.error.details, { line: 4 })

  const stray = await importCsv(h, token, 'ada@example.com,ok-1\nada@example.com,bad"quote\n')
  t.equal(stray.status, 400)
  t.match(stray.body.error, { code: 'MS_ERR_CSV_INVALID', message: /line 2/ })

  const tooMany = await importCsv(h, token, `learner,lmsUserId\n${Array.from({ length: 10_001 }, (_, i) => `ada@example.com,r-${i}`).join('\n')}`)
  t.equal(tooMany.status, 400)
  t.match(tooMany.body.error, { code: 'MS_ERR_CSV_INVALID', message: /10000|10,000/ })

  const json = await h.request('POST', '/v1/lms-links/import', { token, body: { learner: 'ada@example.com', lmsUserId: 'j-1' } })
  t.equal(json.status, 400, 'JSON is not a CSV')
  t.equal(json.body.error.code, 'MS_ERR_VALIDATION')

  t.equal(await h.eventCount(), before, 'nothing appended')
  t.same(await accountLinks(h, token), [], 'nothing linked')
})

t.test('provisioning unknown LMS users at launch', async t => {
  const h = await harness(t)
  const { adminKey: token, accountId } = await h.newAccount()
  const ctx = h.service.ctx

  await t.rejects(provisionLmsUser(ctx, accountId, 'stu-new'), { code: 'MS_ERR_LMS_USER_NOT_LINKED' }, 'refused while the account rejects unknown LMS users')
  t.equal(await resolveLmsUser(ctx, accountId, 'stu-new'), undefined)

  t.equal((await h.request('PUT', '/v1/account/settings', { token, body: { unknownLmsUsers: 'provision' } })).status, 200)
  const before = await h.eventCount()
  const racing = await Promise.all(Array.from({ length: 5 }, () => provisionLmsUser(ctx, accountId, 'stu-new', 'Grace Hopper')))
  const learnerId = racing[0] as string
  t.same(racing, Array(5).fill(learnerId), 'five concurrent launches get the same learner')
  const written = (await ctx.store.readAll({ after: 0, maxCount: 1_000_000 })).slice(-(await h.eventCount() - before))
  t.same(written.map(e => e.type).sort(), ['LearnerEmailClaimed', 'LearnerRegistered', 'LmsUserLinked'], 'one learner, one claim, one link')
  t.equal(await resolveLmsUser(ctx, accountId, 'stu-new'), learnerId)

  const learner = await h.request('GET', `/v1/learners/${learnerId}`, { token })
  t.equal(learner.status, 200, 'the learner is readable as soon as the call returns')
  t.match(learner.body, { learnerId, name: 'Grace Hopper', email: /^lms-[0-9a-f]{16}@provisioned\.invalid$/, attributes: { lmsUserId: 'stu-new' } })
  t.match((await h.request('GET', `/v1/learners/${learnerId}/lms-links`, { token })).body.links, [{ lmsUserId: 'stu-new', source: 'provisioned' }])

  t.equal(await provisionLmsUser(ctx, accountId, 'stu-new', 'Someone Else'), learnerId, 'a later launch finds the same learner')
  const unnamed = await provisionLmsUser(ctx, accountId, 'stu-anon')
  t.equal((await h.request('GET', `/v1/learners/${unnamed}`, { token })).body.name, 'LMS user stu-anon', 'named after the LMS id when the LMS sends no name')
  t.not(unnamed, learnerId)

  const ada = await newLearner(h, token)
  await h.request('POST', `/v1/learners/${ada.learnerId}/lms-links`, { token, body: { lmsUserId: 'stu-ada' } })
  t.equal(await provisionLmsUser(ctx, accountId, 'stu-ada'), ada.learnerId, 'a linked LMS user is never provisioned')

  const other = await h.newAccount()
  await h.request('PUT', '/v1/account/settings', { token: other.adminKey, body: { unknownLmsUsers: 'provision' } })
  const elsewhere = await provisionLmsUser(ctx, other.accountId, 'stu-new')
  t.not(elsewhere, learnerId, 'the same LMS id in another account is another learner')
})

t.test('provisioning finishes a learner whose link was written before a crash', async t => {
  const h = await harness(t)
  const { adminKey: token, accountId } = await h.newAccount()
  await h.request('PUT', '/v1/account/settings', { token, body: { unknownLmsUsers: 'provision' } })
  const ctx = h.service.ctx
  // What a crash between the two appends leaves: the link, but no learner.
  await ctx.store.append(lmsLinkStreamId(accountId, 'stu-crash'), [{
    id: randomUUID(), type: 'LmsUserLinked', data: { accountId, lmsUserId: 'stu-crash', learnerId: 'lrn_halfway', source: 'provisioned' }, metadata: { accountId, actor: { kind: 'system', id: 'lms-provisioning' } }
  }], { expectedRevision: 'no-stream' })
  t.equal(await provisionLmsUser(ctx, accountId, 'stu-crash', 'Half Way'), 'lrn_halfway')
  t.match((await h.request('GET', '/v1/learners/lrn_halfway', { token })).body, { name: 'Half Way', attributes: { lmsUserId: 'stu-crash' } })
})

t.test('the lms-links projection rebuilt from zero is identical, and the routes are documented', async t => {
  const h = await harness(t)
  const { adminKey: token } = await h.newAccount()
  const ada = await newLearner(h, token, undefined, 'ada@example.com')
  const bob = await newLearner(h, token, undefined, 'bob@example.com')
  await importCsv(h, token, 'ada@example.com,r-1\nada@example.com,r-2\nbob@example.com,r-3\n')
  await h.request('DELETE', `/v1/learners/${ada.learnerId}/lms-links/r-1`, { token })
  await h.request('POST', `/v1/learners/${bob.learnerId}/lms-links`, { token, body: { lmsUserId: 'r-1' } })
  await h.request('DELETE', `/v1/learners/${bob.learnerId}/lms-links/r-3`, { token })
  const runner = h.service.ctx.runner
  const dump = async () => Object.fromEntries((await runner.list<unknown>('lms-links', '', 1_000_000)).map(d => [d.key, d.doc]))
  const before = await dump()
  t.same(Object.keys(before).sort(), [
    `learner-links:${ada.learnerId}`, `learner-links:${bob.learnerId}`,
    ...Object.keys(before).filter(k => k.startsWith('link:'))
  ].sort())
  t.match(before[`learner-links:${ada.learnerId}`], { lmsUserIds: ['r-2'] })
  t.match(before[`learner-links:${bob.learnerId}`], { lmsUserIds: ['r-1'] })
  t.equal(Object.keys(before).filter(k => k.startsWith('link:')).length, 2, 'unlinked ids leave no link document')
  await runner.rebuild('lms-links')
  t.same(await dump(), before)

  const paths = Object.keys((await h.request('GET', '/docs/json')).body.paths)
  for (const path of ['/v1/learners/{learnerId}/lms-links', '/v1/learners/{learnerId}/lms-links/{lmsUserId}', '/v1/lms-links', '/v1/lms-links/import']) {
    t.ok(paths.includes(path), `${path} is documented`)
  }
})

t.test('an LMS id of the full 255 characters can be unlinked through the URL', async t => {
  const h = await harness(t)
  const { adminKey: token } = await h.newAccount()
  const ada = await newLearner(h, token)
  const lmsUserId = 'é'.repeat(255)
  t.equal((await h.request('POST', `/v1/learners/${ada.learnerId}/lms-links`, { token, body: { lmsUserId } })).status, 201)
  const res = await h.request('DELETE', `/v1/learners/${ada.learnerId}/lms-links/${encodeURIComponent(lmsUserId)}`, { token })
  t.equal(res.status, 200)
})
