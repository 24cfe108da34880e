// The text formats of AICC HACP (CMI001 "CMI Guidelines for Interoperability", appendix on the
// HTTP-based AICC/CMI Protocol), as the LMS side reads and writes them:
//  - `aicc_data`: an INI-like block of [Group]s, `Keyword=Value` lines, case-insensitive group and
//    keyword names, whitespace around '=' ignored, ';' comment lines, CR LF line ends (LF alone
//    tolerated, and reported, so a test can tell which one a sender used). [Core_Lesson],
//    [Core_Vendor] and [Comments] are free-form text blocks.
//  - the CMI data types used in [Core]: lesson status with its optional exit/entry flag (only the
//    first letter is significant), Score as "raw[,max[,min]]", and CMITimespan "HHHH:MM:SS.SS".
//  - the HACP response: `error=`, `error_text=`, `version=` lines then `aicc_data=` and the data.
// Not covered: the course-structure files (.au/.crs/.des/.cst), [Objectives_Status],
// [Student_Preferences] values, interactions/paths/performance records.

export type LineEnding = 'CRLF' | 'LF' | 'CR' | 'mixed' | 'none'

export function lineEndingOf (text: string): LineEnding {
  const crlf = (text.match(/\r\n/g) ?? []).length
  const lf = (text.match(/(?<!\r)\n/g) ?? []).length
  const cr = (text.match(/\r(?!\n)/g) ?? []).length
  const kinds = [crlf > 0, lf > 0, cr > 0].filter(Boolean).length
  if (kinds === 0) return 'none'
  if (kinds > 1) return 'mixed'
  return crlf > 0 ? 'CRLF' : lf > 0 ? 'LF' : 'CR'
}

export interface AiccEntry {
  /** As written by the sender. */
  readonly keyword: string
  /** Lower-cased, for lookups. */
  readonly key: string
  readonly value: string
}

export interface AiccGroup {
  /** As written, without brackets, e.g. "Core". */
  readonly name: string
  /** Lower-cased, e.g. "core". */
  readonly key: string
  readonly entries: readonly AiccEntry[]
  /** The group's body lines joined with CR LF (free-form groups keep their text here). */
  readonly text: string
}

export interface ParsedAiccData {
  readonly groups: readonly AiccGroup[]
  readonly lineEnding: LineEnding
  /** Lines that are neither a group header, a comment nor Keyword=Value in a keyword group. */
  readonly problems: readonly string[]
  group (name: string): AiccGroup | undefined
  /** The value of `keyword` in `group` (both case-insensitive). */
  value (group: string, keyword: string): string | undefined
}

/** Groups whose body is free text rather than Keyword=Value lines (CMI001). */
const freeFormGroups = new Set(['core_lesson', 'core_vendor', 'comments'])

export function parseAiccData (text: string): ParsedAiccData {
  const lineEnding = lineEndingOf(text)
  const lines = text.split(/\r\n|\n|\r/)
  const groups: { name: string, key: string, entries: AiccEntry[], lines: string[] }[] = []
  const problems: string[] = []
  let current: (typeof groups)[number] | undefined
  for (const line of lines) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line)
    if (header !== null) {
      const name = header[1]!.trim()
      current = { name, key: name.toLowerCase(), entries: [], lines: [] }
      groups.push(current)
      continue
    }
    if (current === undefined) {
      if (line.trim() !== '') problems.push(`text before the first [group]: ${JSON.stringify(line)}`)
      continue
    }
    current.lines.push(line)
    if (freeFormGroups.has(current.key)) continue
    if (line.trim() === '' || line.trimStart().startsWith(';')) continue
    const equals = line.indexOf('=')
    if (equals < 0) {
      problems.push(`[${current.name}]: not Keyword=Value: ${JSON.stringify(line)}`)
      continue
    }
    const keyword = line.slice(0, equals).trim()
    current.entries.push({ keyword, key: keyword.toLowerCase(), value: line.slice(equals + 1).trim() })
  }
  const frozen: AiccGroup[] = groups.map(g => {
    // Trailing empty lines are line-end artefacts, not content.
    const body = [...g.lines]
    while (body.length > 0 && body[body.length - 1]!.trim() === '') body.pop()
    return { name: g.name, key: g.key, entries: g.entries, text: body.join('\r\n') }
  })
  return {
    groups: frozen,
    lineEnding,
    problems,
    group: name => frozen.find(g => g.key === name.toLowerCase()),
    value: (group, keyword) => frozen.find(g => g.key === group.toLowerCase())?.entries.find(e => e.key === keyword.toLowerCase())?.value
  }
}

export type LessonStatus = 'passed' | 'completed' | 'failed' | 'incomplete' | 'browsed' | 'not attempted'
export type ExitFlag = '' | 'logout' | 'time-out' | 'suspend'
export type EntryFlag = '' | 'ab-initio' | 'resume'

const statusByLetter: Readonly<Record<string, LessonStatus>> = { p: 'passed', c: 'completed', f: 'failed', i: 'incomplete', b: 'browsed', n: 'not attempted' }
const exitByLetter: Readonly<Record<string, ExitFlag>> = { l: 'logout', t: 'time-out', s: 'suspend' }

/**
 * Lesson_Status as the AU sends it in PutParam: "<status>[, <exit flag>]". CMI001 makes only the
 * first letter significant ("P", "passed" and "Passed" are the same).
 */
export function parseLessonStatus (value: string): { status: LessonStatus, exit: ExitFlag } | { problem: string } {
  const [statusPart = '', exitPart, ...rest] = value.split(',').map(s => s.trim())
  if (rest.length > 0) return { problem: `Lesson_Status has more than a status and one flag: ${JSON.stringify(value)}` }
  const status = statusByLetter[statusPart.charAt(0).toLowerCase()]
  if (status === undefined) return { problem: `Lesson_Status ${JSON.stringify(statusPart)} is not one of passed, completed, failed, incomplete, browsed, not attempted` }
  if (exitPart === undefined || exitPart === '') return { status, exit: '' }
  const exit = exitByLetter[exitPart.charAt(0).toLowerCase()]
  if (exit === undefined) return { problem: `Lesson_Status flag ${JSON.stringify(exitPart)} is not one of logout, time-out, suspend` }
  return { status, exit }
}

export interface AiccScore { readonly raw: number, readonly max?: number, readonly min?: number }

const decimal = /^[+-]?(\d+(\.\d*)?|\.\d+)$/

/** Score as "raw[,max[,min]]" (CMIDecimal each); '' means no score. */
export function parseScore (value: string): AiccScore | undefined | { problem: string } {
  if (value.trim() === '') return undefined
  const parts = value.split(',').map(s => s.trim())
  if (parts.length > 3 || !parts.every(p => decimal.test(p))) return { problem: `Score ${JSON.stringify(value)} is not "raw[,max[,min]]" with decimal numbers` }
  const [raw, max, min] = parts.map(Number) as [number, number | undefined, number | undefined]
  if (max !== undefined && raw > max) return { problem: `Score raw ${raw} is above its max ${max}` }
  if (min !== undefined && raw < min) return { problem: `Score raw ${raw} is below its min ${min}` }
  return { raw, ...(max === undefined ? {} : { max }), ...(min === undefined ? {} : { min }) }
}

const timespan = /^(\d{2,4}):([0-5]\d):([0-5]\d)(\.\d{1,2})?$/

/** CMITimespan "HHHH:MM:SS.SS" (2 to 4 hour digits, optional 1–2 decimal digits) in centiseconds. */
export function parseTimespan (value: string): number | { problem: string } {
  const m = timespan.exec(value.trim())
  if (m === null) return { problem: `Time ${JSON.stringify(value)} is not a CMITimespan HH:MM:SS[.SS] (2–4 hour digits, minutes and seconds 00–59)` }
  const fraction = m[4] === undefined ? 0 : Math.round(Number(`0${m[4]}`) * 100)
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 100 + fraction
}

/** Centiseconds as a CMITimespan, e.g. 00:12:30 or 01:02:03.40. */
export function formatTimespan (centiseconds: number): string {
  const cs = Math.max(0, Math.round(centiseconds))
  const hours = Math.floor(cs / 360_000)
  const minutes = Math.floor(cs / 6000) % 60
  const seconds = Math.floor(cs / 100) % 60
  const fraction = cs % 100
  const base = `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}`
  return fraction === 0 ? base : `${base}.${String(fraction).padStart(2, '0')}`
}

export interface HacpResponse {
  readonly error: number
  readonly errorText: string
  readonly version: string | undefined
  /** Everything after "aicc_data=" ('' when absent). */
  readonly aiccData: string
  /** The head lines (before aicc_data) by lower-cased keyword. */
  readonly fields: Readonly<Record<string, string>>
}

/** Reads an HACP response body (for tests asserting on what an LMS answered). */
export function parseHacpResponse (body: string): HacpResponse {
  const fields: Record<string, string> = {}
  let aiccData = ''
  let rest = body
  while (rest.length > 0) {
    const end = rest.search(/\r\n|\n|\r/)
    const line = end < 0 ? rest : rest.slice(0, end)
    const equals = line.indexOf('=')
    const key = equals < 0 ? line.trim().toLowerCase() : line.slice(0, equals).trim().toLowerCase()
    if (key === 'aicc_data') {
      aiccData = rest.slice(equals + 1)
      break
    }
    if (equals >= 0) fields[key] = line.slice(equals + 1).trim()
    rest = end < 0 ? '' : rest.slice(end + (rest.startsWith('\r\n', end) ? 2 : 1))
  }
  return { error: Number(fields.error ?? Number.NaN), errorText: fields.error_text ?? '', version: fields.version, aiccData, fields }
}
