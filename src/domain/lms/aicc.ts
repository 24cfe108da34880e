// The AICC HACP exchange as data (AICC CMI001 v4, appendix on HACP): the text an AU reads
// from an LMS and the [Core] data it writes back. Pure: the HTTP side is src/lms/aicc-hacp.ts.
//
// HACP bodies are lines of `keyword=value`; keywords, commands and section names are
// case-insensitive. A response is `error=`, `error_text=`, `version=` and, for GetParam,
// `aicc_data=` followed by the data itself: INI-like groups ([Core], [Core_Lesson], …) to
// the end of the body. We write CR LF line ends, as CMI001 specifies, and read CR LF or LF.
import type { LmsValues } from './commit-values.ts'

export interface HacpResponse {
  readonly error: number
  readonly errorText: string
  readonly version: string | undefined
  /** The aicc_data block, when the LMS sent one. */
  readonly aiccData: string | undefined
}

/** Groups of the aicc_data block: lower-cased group names, then lower-cased keywords. */
export type AiccGroups = ReadonlyMap<string, ReadonlyMap<string, string>>

/** What a GetParam tells the AU about the learner and the lesson. */
export interface AiccLaunchFacts {
  readonly studentId: string
  /** As the LMS gives it, usually "Last, First". */
  readonly studentName: string | undefined
  readonly lessonStatus: AiccLessonStatus | undefined
  readonly lessonMode: string | undefined
}

export type AiccLessonStatus = 'passed' | 'completed' | 'failed' | 'incomplete' | 'browsed' | 'not attempted'

/** Reads a HACP response body; undefined when it has no numeric `error` line. */
export function parseHacpResponse (body: string): HacpResponse | undefined {
  const lines = body.split(/\r?\n/)
  const fields = new Map<string, string>()
  let aiccData: string | undefined
  for (const [index, line] of lines.entries()) {
    const equals = line.indexOf('=')
    if (equals < 0) continue
    const keyword = line.slice(0, equals).trim().toLowerCase()
    const value = line.slice(equals + 1)
    if (keyword === 'aicc_data') {
      // Everything from here on is the data, its own line ends included.
      aiccData = [value, ...lines.slice(index + 1)].join('\r\n').replace(/^\s+/, '')
      break
    }
    if (!fields.has(keyword)) fields.set(keyword, value.trim())
  }
  const error = Number(fields.get('error'))
  if (!fields.has('error') || !Number.isInteger(error)) return undefined
  return { error, errorText: fields.get('error_text') ?? '', version: fields.get('version'), aiccData }
}

/** Reads aicc_data groups. Lines before the first group, blank lines and comments (;) are skipped. */
export function parseAiccData (text: string): AiccGroups {
  const groups = new Map<string, Map<string, string>>()
  let current: Map<string, string> | undefined
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith(';')) continue
    const group = /^\[(.+)\]$/.exec(line)
    if (group !== null) {
      const name = (group[1] ?? '').trim().toLowerCase()
      current = groups.get(name) ?? new Map()
      groups.set(name, current)
      continue
    }
    const equals = line.indexOf('=')
    if (current === undefined || equals < 0) continue
    const keyword = line.slice(0, equals).trim().toLowerCase()
    if (!current.has(keyword)) current.set(keyword, line.slice(equals + 1).trim())
  }
  return groups
}

/** The learner and lesson facts of a GetParam's data; undefined without a Student_ID. */
export function launchFacts (groups: AiccGroups): AiccLaunchFacts | undefined {
  const core = groups.get('core')
  const studentId = core?.get('student_id')?.trim()
  if (core === undefined || studentId === undefined || studentId === '') return undefined
  const studentName = core.get('student_name')?.trim()
  const lessonMode = core.get('lesson_mode')?.trim().toLowerCase()
  const lessonStatus = lessonStatusOf(core.get('lesson_status'))
  return {
    studentId,
    studentName: studentName === '' ? undefined : studentName,
    lessonStatus,
    lessonMode: lessonMode === '' ? undefined : lessonMode
  }
}

/** Lesson_Status as CMI001 has it: only the first letter counts; a flag may follow a comma. */
export function lessonStatusOf (value: string | undefined): AiccLessonStatus | undefined {
  const letter = value?.trim().charAt(0).toLowerCase()
  const statuses: Record<string, AiccLessonStatus> = { p: 'passed', c: 'completed', f: 'failed', i: 'incomplete', b: 'browsed', n: 'not attempted' }
  return letter === undefined ? undefined : statuses[letter]
}

/**
 * The [Core] data a commit sends with PutParam (R15): passed at mastery, otherwise incomplete
 * with the progress as the score; Time is this session's time. CR LF line ends.
 */
export function coreData (values: LmsValues): string {
  const status: AiccLessonStatus = values.successStatus === 'passed' ? 'passed' : 'incomplete'
  return [
    '[Core]',
    'Lesson_Location=',
    `Lesson_Status=${status}`,
    `Score=${values.scoreRaw}`,
    `Time=${hacpTime(values.sessionMs)}`,
    '[Core_Lesson]',
    ''
  ].join('\r\n')
}

/** A CMITimespan of whole seconds: HH:MM:SS, hours from two up to four digits. */
export function hacpTime (ms: number): string {
  const seconds = Math.min(9999 * 3600 + 3599, Math.max(0, Math.round(ms / 1000)))
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`
}
