// LMS links (R2): which learner an LMS user id stands for in an account. Admins link
// one by one, in bulk from a CSV, or through the API; accounts that provision unknown
// LMS users get a learner created and linked at their first launch. The link stream
// of each (account, LMS user id) is the authority; the `lms-links` projection serves
// listings.
import { randomBytes, randomUUID } from 'node:crypto'
import { parse, CsvError } from 'csv-parse/sync'
import { lmsLinkDecider, normalizeLmsUserId, type LinkSource, type LmsLinkCommand, type LmsLinkEvent, type LmsLinkState } from '../domain/lms/lms-link.ts'
import { learnerDecider, type LearnerCommand } from '../domain/learner/learner.ts'
import type { CommandMetadata } from '../domain/decider.ts'
import { learnerLinksKey, linkKey, type LearnerLinksDoc, type LmsLinkDoc } from '../../projections/lms-links.ts'
import type { LearnerDoc } from '../../projections/learners.ts'
import { WrongExpectedRevisionError, type ExpectedRevision } from '../store/event-store.ts'
import { AppError, type ErrorCode } from '../errors.ts'
import type { AppContext } from './context.ts'
import { getAccount, type AdminPrincipal } from './accounts.ts'
import { getLearner } from './learners.ts'
import { eventMetadata, handleCommand, type Handled } from './handle-command.ts'
import { hashPassword, sha256 } from './credentials.ts'

type Actor = CommandMetadata['actor']

/** One stream per (account, LMS user id); the id is hashed because it is opaque and up to 255 characters. */
export const lmsLinkStreamId = (accountId: string, lmsUserId: string): string => `lms-link-${accountId}-${sha256(lmsUserId).slice(0, 40)}`

const adminActor = (admin: AdminPrincipal): Actor => ({ kind: 'admin', id: admin.keyId })
const provisioningActor: Actor = { kind: 'system', id: 'lms-provisioning' }

export interface LinkWritten {
  readonly learnerId: string
  /** The id as stored: trimmed. */
  readonly lmsUserId: string
  readonly position: number
  /** False when the link already existed and nothing was recorded. */
  readonly linked: boolean
}

/** Links an LMS user id to a learner of the admin's account; linking it again to the same learner is a no-op. */
export async function linkLmsUser (ctx: AppContext, admin: AdminPrincipal, learnerId: string, lmsUserId: string, source: LinkSource = 'admin'): Promise<LinkWritten> {
  const id = normalizeLmsUserId(lmsUserId)
  await getLearner(ctx, admin.accountId, learnerId)
  const result = await link(ctx, admin.accountId, adminActor(admin), learnerId, id, source)
  await ctx.runner.waitFor(result.position, { projections: ['lms-links'] })
  return { learnerId, lmsUserId: id, position: result.position, linked: result.events.length > 0 }
}

/** Removes the link; refused with MS_ERR_NOT_FOUND unless this learner holds it. */
export async function unlinkLmsUser (ctx: AppContext, admin: AdminPrincipal, learnerId: string, lmsUserId: string): Promise<{ position: number }> {
  const id = normalizeLmsUserId(lmsUserId)
  await getLearner(ctx, admin.accountId, learnerId)
  const result = await handleCommand(ctx, lmsLinkStreamId(admin.accountId, id), lmsLinkDecider, {
    type: 'UnlinkLmsUser', data: { learnerId }, metadata: { now: ctx.now(), accountId: admin.accountId, actor: adminActor(admin) }
  })
  await ctx.runner.waitFor(result.position, { projections: ['lms-links'] })
  return { position: result.position }
}

/**
 * The learner an LMS user id is linked to in the account, or undefined. Read from the
 * link stream, not the projection: a launch right after a link must see it.
 */
export async function resolveLmsUser (ctx: AppContext, accountId: string, lmsUserId: string): Promise<string | undefined> {
  return (await readLink(ctx, lmsLinkStreamId(accountId, normalizeLmsUserId(lmsUserId)))).state.learnerId
}

const maxProvisionAttempts = 5

/**
 * For accounts whose setting `unknownLmsUsers` is 'provision': the learner linked to
 * this LMS user id, created and linked (source 'provisioned') when there is none.
 * Concurrent launches of one unknown user end with one learner: the link is appended
 * first, expecting the stream's revision as read, so exactly one launch wins; the others
 * re-read and return the winner's learner. The learner is registered after its link,
 * by whichever launch gets there first — which also finishes a provisioning that a
 * crash interrupted between the two appends.
 */
export async function provisionLmsUser (ctx: AppContext, accountId: string, lmsUserId: string, lmsUserName?: string): Promise<string> {
  const id = normalizeLmsUserId(lmsUserId)
  const stream = lmsLinkStreamId(accountId, id)
  for (let attempt = 1; ; attempt++) {
    const current = await readLink(ctx, stream)
    if (current.state.learnerId !== undefined) {
      const learnerId = current.state.learnerId
      if (current.state.source === 'provisioned') await ensureProvisionedLearner(ctx, accountId, learnerId, id, lmsUserName)
      await ctx.runner.waitFor(current.position, { projections: ['lms-links'] })
      return learnerId
    }
    const account = await getAccount(ctx, accountId)
    if (account.settings.unknownLmsUsers !== 'provision') {
      throw new AppError('MS_ERR_LMS_USER_NOT_LINKED', `LMS user "${id}" is not linked to a learner, and this account does not create learners for unknown LMS users: ask your admin to link you.`)
    }
    const learnerId = ctx.newId('lrn')
    const command: LmsLinkCommand = { type: 'LinkLmsUser', data: { lmsUserId: id, learnerId, source: 'provisioned' }, metadata: { now: ctx.now(), accountId, actor: provisioningActor } }
    const events = lmsLinkDecider.decide(command, current.state)
    let position: number
    try {
      position = (await ctx.store.append(stream, events.map(e => ({ id: randomUUID(), type: e.type, data: e.data, metadata: eventMetadata(command) })), { expectedRevision: current.expectedRevision })).position
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error
      // Another launch linked (or an admin changed the link) first: read again.
      if (attempt >= maxProvisionAttempts) throw new AppError('MS_ERR_CONFLICT', 'This LMS user is being linked concurrently; launch again.')
      continue
    }
    await ensureProvisionedLearner(ctx, accountId, learnerId, id, lmsUserName)
    await ctx.runner.waitFor(position, { projections: ['lms-links'] })
    return learnerId
  }
}

/** An address that can never be a real one (.invalid is reserved), unique because it derives from the learner id. */
const provisionedEmail = (learnerId: string): string => `lms-${sha256(learnerId).slice(0, 16)}@provisioned.invalid`

const maxNameLength = 200
const truncate = (text: string, max: number): string => [...text].slice(0, max).join('')

/**
 * Registers the learner a provisioned link points at, unless already done. Safe to run
 * concurrently: the email claim and the learner stream each accept one first write, and
 * everything written derives from the learner id.
 */
async function ensureProvisionedLearner (ctx: AppContext, accountId: string, learnerId: string, lmsUserId: string, lmsUserName: string | undefined): Promise<void> {
  const learnerStream = `learner-${learnerId}`
  if (await ctx.store.streamRevision(learnerStream) < 0) {
    const email = provisionedEmail(learnerId)
    const metadata = { now: ctx.now(), accountId, actor: provisioningActor }
    try {
      // Same claim as registerLearner makes, so no admin can later register this address.
      await ctx.store.append(emailClaimStreamId(accountId, email), [{ id: randomUUID(), type: 'LearnerEmailClaimed', data: { learnerId, accountId }, metadata: { accountId, actor: provisioningActor } }], { expectedRevision: 'no-stream' })
    } catch (error) {
      // Claimed by a concurrent launch finishing the same learner (the address derives from its id).
      if (!(error instanceof WrongExpectedRevisionError)) throw error
    }
    const name = truncate(lmsUserName?.trim() || `LMS user ${lmsUserId}`, maxNameLength)
    // Nobody knows this password: the learner signs in through LMS launches only, until an admin sets one.
    const passwordHash = await hashPassword(randomBytes(32).toString('base64url'))
    const command: LearnerCommand = { type: 'RegisterLearner', data: { learnerId, name, email, passwordHash, attributes: { lmsUserId } }, metadata }
    try {
      await handleCommand(ctx, learnerStream, learnerDecider, command)
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'MS_ERR_ALREADY_EXISTS')) throw error
    }
  }
  const [last] = await ctx.store.readStream(learnerStream, { direction: 'backwards', maxCount: 1 })
  if (last !== undefined) await ctx.runner.waitFor(last.position, { projections: ['learners'] })
}

// The email claim stream of src/app/learners.ts (not exported there): one claim per address and account.
const emailClaimStreamId = (accountId: string, email: string): string => `learner-email-${accountId}-${sha256(email.trim().toLowerCase()).slice(0, 40)}`

/** The account's links, or one learner's (404 when the learner is not in the account). */
export async function listLinks (ctx: AppContext, admin: AdminPrincipal, filter: { learnerId?: string } = {}): Promise<LmsLinkDoc[]> {
  if (filter.learnerId === undefined) {
    return (await ctx.runner.list<LmsLinkDoc>('lms-links', `link:${admin.accountId}:`)).map(d => d.doc)
  }
  await getLearner(ctx, admin.accountId, filter.learnerId)
  const mine = await ctx.runner.get<LearnerLinksDoc>('lms-links', learnerLinksKey(filter.learnerId))
  const links = await Promise.all((mine?.lmsUserIds ?? []).map(id => ctx.runner.get<LmsLinkDoc>('lms-links', linkKey(admin.accountId, id))))
  return links.filter((l): l is LmsLinkDoc => l !== undefined && l.learnerId === filter.learnerId)
}

// ---------------------------------------------------------------------------------
// Bulk import from CSV

export const maxImportRows = 10_000
export const maxImportBytes = 1024 * 1024
const importConcurrency = 64

export interface ImportRow {
  /** 1-based line of the file the row starts on. */
  readonly row: number
  readonly learner: string
  readonly lmsUserId: string
  readonly learnerId?: string
  readonly status: 'linked' | 'unchanged' | 'failed'
  readonly code?: ErrorCode
  readonly message?: string
}

export interface ImportReport {
  readonly linked: number
  readonly unchanged: number
  readonly failed: number
  readonly rows: ImportRow[]
}

interface CsvRow { readonly line: number, readonly fields: readonly string[] }

/**
 * Links from a CSV of `learner` (email or learner id) and `lmsUserId`, header optional,
 * `,` or `;`. Every row stands alone: a bad row fails with a code and a message, good
 * rows land. A file that cannot be read at all is refused whole (MS_ERR_CSV_INVALID).
 */
export async function importLinksCsv (ctx: AppContext, admin: AdminPrincipal, csvText: string): Promise<ImportReport> {
  if (Buffer.byteLength(csvText, 'utf8') > maxImportBytes) throw new AppError('MS_ERR_BODY_TOO_LARGE', 'The CSV is larger than 1 MB; split it into several imports.')
  const records = readCsv(csvText)
  const columns = headerColumns(records[0])
  const dataRows = columns === undefined ? records : records.slice(1)
  if (dataRows.length > maxImportRows) {
    throw new AppError('MS_ERR_CSV_INVALID', `The CSV has ${dataRows.length} rows, more than the ${maxImportRows} one import takes (line ${dataRows[maxImportRows]?.line} is the first too many); split it into several imports.`)
  }
  const { learner: learnerColumn, lmsUserId: lmsColumn } = columns ?? { learner: 0, lmsUserId: 1 }

  // First resolve every row, so LMS ids listed twice for different learners fail together.
  const learners = new LearnerLookup(ctx, admin.accountId)
  const planned: { row: CsvRow, learner: string, lmsUserId: string, learnerId?: string, failure?: { code: ErrorCode, message: string } }[] = []
  for (const row of dataRows) {
    const learner = row.fields[learnerColumn] ?? ''
    const rawLmsUserId = row.fields[lmsColumn] ?? ''
    const extra = columns === undefined && row.fields.slice(2).some(f => f !== '')
    const entry = { row, learner, lmsUserId: rawLmsUserId.trim() }
    if (extra) {
      planned.push({ ...entry, failure: { code: 'MS_ERR_VALIDATION', message: 'The row has more than two columns; expected learner and lmsUserId (add a header row to import files with more columns).' } })
      continue
    }
    if (learner === '') {
      planned.push({ ...entry, failure: { code: 'MS_ERR_VALIDATION', message: 'The learner column is empty; give the learner\'s email or learner id.' } })
      continue
    }
    let lmsUserId: string
    try {
      lmsUserId = normalizeLmsUserId(rawLmsUserId)
    } catch (error) {
      planned.push({ ...entry, failure: failureOf(error) })
      continue
    }
    const learnerId = await learners.find(learner)
    if (learnerId === undefined) {
      const message = learner.includes('@') ? `No learner in your account has the email ${learner}.` : `No learner in your account has the id ${learner}.`
      planned.push({ ...entry, lmsUserId, failure: { code: 'MS_ERR_NOT_FOUND', message } })
      continue
    }
    planned.push({ ...entry, lmsUserId, learnerId })
  }

  const claims = new Map<string, { learnerIds: Set<string>, lines: number[] }>()
  for (const p of planned) {
    if (p.failure !== undefined || p.learnerId === undefined) continue
    const claim = claims.get(p.lmsUserId) ?? { learnerIds: new Set(), lines: [] }
    claim.learnerIds.add(p.learnerId)
    claim.lines.push(p.row.line)
    claims.set(p.lmsUserId, claim)
  }

  const rows: ImportRow[] = new Array(planned.length)
  // Rows of one LMS id go in file order (the second of a repeated pair is 'unchanged');
  // different LMS ids are different streams and go concurrently, so the store's group
  // commit and the projections take them in batches.
  const groups = new Map<string, number[]>()
  planned.forEach((p, i) => {
    const base = { row: p.row.line, learner: p.learner, lmsUserId: p.lmsUserId, ...(p.learnerId === undefined ? {} : { learnerId: p.learnerId }) }
    const claim = claims.get(p.lmsUserId)
    if (p.failure !== undefined || p.learnerId === undefined) {
      rows[i] = { ...base, status: 'failed', code: p.failure?.code ?? 'MS_ERR_VALIDATION', message: p.failure?.message ?? 'The row could not be read.' }
    } else if (claim !== undefined && claim.learnerIds.size > 1) {
      rows[i] = { ...base, status: 'failed', code: 'MS_ERR_LMS_LINK_CONFLICT', message: `LMS user id "${p.lmsUserId}" is listed for different learners on lines ${claim.lines.join(', ')}; one LMS user id links to one learner, so none of these lines was imported. Fix the file and import it again.` }
    } else {
      const group = groups.get(p.lmsUserId)
      if (group === undefined) groups.set(p.lmsUserId, [i])
      else group.push(i)
    }
  })
  const queue = [...groups.values()]
  let highest = 0
  const worker = async (): Promise<void> => {
    for (let group = queue.shift(); group !== undefined; group = queue.shift()) {
      for (const i of group) {
        const p = planned[i]
        if (p?.learnerId === undefined) continue
        const base = { row: p.row.line, learner: p.learner, lmsUserId: p.lmsUserId, learnerId: p.learnerId }
        try {
          const result = await link(ctx, admin.accountId, adminActor(admin), p.learnerId, p.lmsUserId, 'import')
          highest = Math.max(highest, result.position)
          rows[i] = { ...base, status: result.events.length > 0 ? 'linked' : 'unchanged' }
        } catch (error) {
          rows[i] = { ...base, status: 'failed', ...failureOf(error) }
        }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(importConcurrency, queue.length) }, worker))
  if (highest > 0) await ctx.runner.waitFor(highest, { projections: ['lms-links'] })
  const count = (status: ImportRow['status']): number => rows.filter(r => r.status === status).length
  return { linked: count('linked'), unchanged: count('unchanged'), failed: count('failed'), rows }
}

/** Parses the CSV into rows with the line each starts on; unreadable files are refused whole. */
function readCsv (text: string): CsvRow[] {
  // csv-parse miscounts lines on CRLF files with blank lines: give it LF only. Inside
  // quoted fields this turns CRLF into LF, which no valid row contains anyway.
  const normalized = (text.startsWith('\uFEFF') ? text.slice(1) : text).replace(/\r\n?/g, '\n')
  let lastLine = 0
  const rows: CsvRow[] = []
  try {
    parse(normalized, {
      delimiter: detectDelimiter(normalized),
      record_delimiter: '\n',
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      on_record: (record, context) => {
        lastLine = context.lines
        // The parser reports the line a record ends on; a quoted field may span lines.
        const breaks = record.reduce((n, field) => n + (field.match(/\n/g)?.length ?? 0), 0)
        // Lines of only delimiters and spaces carry nothing.
        if (record.some(f => f !== '')) rows.push({ line: context.lines - breaks, fields: record })
        return record
      }
    })
    return rows
  } catch (error) {
    if (!(error instanceof CsvError)) throw error
    const line = error.code === 'CSV_QUOTE_NOT_CLOSED' ? firstLineAfter(normalized, lastLine) : Number(error.lines)
    throw new AppError('MS_ERR_CSV_INVALID', `The CSV could not be read at line ${line}: ${explain(error)} Nothing was imported.`, { line, reason: error.code })
  }
}

function explain (error: CsvError): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED': return 'a quoted field opens there and is never closed.'
    case 'INVALID_OPENING_QUOTE': return 'a quote appears inside an unquoted field; quote the whole field and double any quote inside it ("").'
    case 'CSV_INVALID_CLOSING_QUOTE': return 'a closing quote is followed by other characters instead of a delimiter.'
    default: return `${error.message}.`
  }
}

/** The first non-blank line after `line`: where a record that never ended started. */
function firstLineAfter (text: string, line: number): number {
  const lines = text.split('\n')
  for (let i = line; i < lines.length; i++) if (lines[i]?.trim() !== '') return i + 1
  return line + 1
}

/** `;` when the first line has more semicolons than commas outside quotes (spreadsheets in many locales write it). */
function detectDelimiter (text: string): ',' | ';' {
  let commas = 0; let semicolons = 0; let quoted = false
  for (const char of text) {
    if (char === '"') quoted = !quoted
    else if (!quoted && char === '\n') {
      if (commas + semicolons > 0) break
    } else if (!quoted && char === ',') commas++
    else if (!quoted && char === ';') semicolons++
  }
  return semicolons > commas ? ';' : ','
}

const learnerHeaders = new Set(['learner', 'learnerid', 'learneremail', 'email'])
const lmsHeaders = new Set(['lmsuserid', 'lmsuser', 'lmsid'])
const headerName = (cell: string): string => cell.toLowerCase().replace(/[^a-z]/g, '')

/** Column positions when the first row is a header (a learner column and an lmsUserId column, in any order). */
function headerColumns (first: CsvRow | undefined): { learner: number, lmsUserId: number } | undefined {
  if (first === undefined) return undefined
  const names = first.fields.map(headerName)
  const learner = names.findIndex(n => learnerHeaders.has(n))
  const lmsUserId = names.findIndex(n => lmsHeaders.has(n))
  return learner >= 0 && lmsUserId >= 0 ? { learner, lmsUserId } : undefined
}

/** Finds learners of one account by email or id, remembering answers for the rest of the file. */
class LearnerLookup {
  private readonly known = new Map<string, string | undefined>()
  constructor (private readonly ctx: AppContext, private readonly accountId: string) {}

  async find (learner: string): Promise<string | undefined> {
    const key = learner.includes('@') ? learner.toLowerCase() : learner
    if (this.known.has(key)) return this.known.get(key)
    const found = learner.includes('@') ? await this.byEmail(key) : await this.byId(key)
    this.known.set(key, found)
    return found
  }

  private async byId (learnerId: string): Promise<string | undefined> {
    const doc = await this.ctx.runner.get<LearnerDoc>('learners', `learner:${learnerId}`)
    return doc?.accountId === this.accountId ? doc.learnerId : undefined
  }

  private async byEmail (email: string): Promise<string | undefined> {
    // Emails are unique per account, not across accounts: keep the one in ours.
    const matches = await this.ctx.runner.list<{ learnerId: string }>('learners', `email:${email}:`, 1000)
    for (const { doc } of matches) {
      if (await this.byId(doc.learnerId) !== undefined) return doc.learnerId
    }
    return undefined
  }
}

// ---------------------------------------------------------------------------------

/** Appends a link through the decider; a conflict names the learner who holds the link. */
async function link (ctx: AppContext, accountId: string, actor: Actor, learnerId: string, lmsUserId: string, source: LinkSource): Promise<Handled<LmsLinkEvent>> {
  try {
    return await handleCommand(ctx, lmsLinkStreamId(accountId, lmsUserId), lmsLinkDecider, {
      type: 'LinkLmsUser', data: { lmsUserId, learnerId, source }, metadata: { now: ctx.now(), accountId, actor }
    })
  } catch (error) {
    throw await describeConflict(ctx, accountId, lmsUserId, error)
  }
}

async function describeConflict (ctx: AppContext, accountId: string, lmsUserId: string, error: unknown): Promise<unknown> {
  if (!(error instanceof AppError) || error.code !== 'MS_ERR_LMS_LINK_CONFLICT') return error
  const holder = (error.details as { linkedLearnerId?: string } | undefined)?.linkedLearnerId
  if (holder === undefined) return error
  const doc = await ctx.runner.get<LearnerDoc>('learners', `learner:${holder}`)
  const who = doc === undefined || doc.accountId !== accountId ? `learner ${holder}` : `learner ${holder} (${doc.name}, ${doc.email})`
  return new AppError('MS_ERR_LMS_LINK_CONFLICT',
    `LMS user id "${lmsUserId}" is already linked to ${who}. Links are never merged: unlink it from that learner first (DELETE /v1/learners/${holder}/lms-links/${encodeURIComponent(lmsUserId)}), then link it again.`,
    error.details)
}

async function readLink (ctx: AppContext, streamId: string): Promise<{ state: LmsLinkState, expectedRevision: ExpectedRevision, position: number }> {
  const history = await ctx.store.readStream(streamId)
  const state = history.reduce((s, e) => lmsLinkDecider.evolve(s, { type: e.type, data: e.data } as LmsLinkEvent), lmsLinkDecider.initialState)
  const last = history[history.length - 1]
  return { state, expectedRevision: last === undefined ? 'no-stream' : last.revision, position: last?.position ?? 0 }
}

function failureOf (error: unknown): { code: ErrorCode, message: string } {
  if (error instanceof AppError) return { code: error.code, message: error.message }
  throw error
}
