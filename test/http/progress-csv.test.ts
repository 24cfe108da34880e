// The progress export as CSV: what a spreadsheet shows, never what it would run.
import t from 'tap'
import { parse } from 'csv-parse/sync'
import { harness, buildProfile } from '../helpers/harness.ts'
import { csvCell } from '../../src/http/csv.ts'

t.test('cells a spreadsheet would run as formulas are neutralised; quotes, commas and line breaks survive', async t => {
  t.equal(csvCell('=1+1'), `"'=1+1"`)
  t.equal(csvCell('+SUM(A1)'), `"'+SUM(A1)"`)
  t.equal(csvCell('-2+3'), `"'-2+3"`)
  t.equal(csvCell('@cmd'), `"'@cmd"`)
  t.equal(csvCell('\t=1'), `"'\t=1"`)
  t.equal(csvCell('Ada, "the" Lovelace'), '"Ada, ""the"" Lovelace"')
  t.equal(csvCell('two\nlines'), '"two\nlines"')
  t.equal(csvCell('plain'), 'plain')
  t.equal(csvCell(-2), '-2', 'numbers are numbers')
  t.equal(csvCell(true), 'true')
  t.equal(csvCell(undefined), '')
})

t.test('GET /v1/profiles/{id}/progress.csv: the learners of a profile, hostile names shown as text; another account gets 404', async t => {
  const h = await harness(t)
  const { adminKey: token } = await h.newAccount()
  const other = await h.newAccount()
  const { profileId } = await buildProfile(h, token)
  const names = ['=HYPERLINK("http://127.0.0.1/x","click")', '+SUM(1,2)', '-2+3', '@cmd', 'Ada, "the" Lovelace', 'Émile 🙂']
  for (const [i, name] of names.entries()) {
    const learner = await h.request('POST', '/v1/learners', { token, body: { name, email: `l${i}@example.org`, password: 'correct horse battery' } })
    t.equal(learner.status, 201, learner.text)
    await h.request('PUT', `/v1/profiles/${profileId}/assignments/${learner.body.id}`, { token, body: {} })
  }
  const res = await h.app.inject({ method: 'GET', url: `/v1/profiles/${profileId}/progress.csv`, headers: { authorization: `Bearer ${token}`, 'x-min-position': String(await h.service.ctx.store.headPosition()) } })
  t.equal(res.statusCode, 200, res.body)
  t.match(res.headers['content-type'], /^text\/csv; charset=utf-8/)
  t.match(res.headers['content-disposition'], new RegExp(`^attachment; filename="progress-${profileId}-\\d{4}-\\d{2}-\\d{2}\\.csv"$`))
  const rows = parse(res.body, { columns: true }) as Record<string, string>[]
  t.same(Object.keys(rows[0] ?? {}), ['learnerId', 'name', 'email', 'assignedAt', 'progressPercent', 'mastered'])
  const shown = new Map(rows.map(r => [r.email, r.name]))
  for (const [i, name] of names.entries()) {
    const cell = shown.get(`l${i}@example.org`)
    if (/^[=+\-@]/.test(name)) t.equal(cell, `'${name}`, `${name}: shown as text`)
    else t.equal(cell, name, `${name}: as given`)
  }
  t.ok(rows.every(r => r.progressPercent === '0' && r.mastered === 'false'))
  const foreign = await h.request('GET', `/v1/profiles/${profileId}/progress.csv`, { token: other.adminKey })
  t.equal(foreign.status, 404)
  t.equal(foreign.body.error.code, 'MS_ERR_NOT_FOUND')
})
