// SCORM session and total times as the LMS keeps them: 1.2's CMITimespan ("HHHH:MM:SS.SS")
// and 2004's ISO 8601 timeinterval ("PT1H2M3.45S"). The preview LMS adds each session to the
// learner's total time, as an LMS does on LMSFinish/Terminate; tests compare what the LMS
// holds with the milliseconds the service recorded.

const cmiTimespan = /^(\d{2,4}):(\d{2}):(\d{2})(\.\d{1,2})?$/
// Years and months have no fixed length: SCORM content never writes them for a session.
const isoDuration = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,2})?)S)?)?$/

/** Milliseconds in a CMITimespan, or undefined when it is not one. */
export function parseCmiTimespan (text: string): number | undefined {
  const match = cmiTimespan.exec(text)
  if (match === null) return undefined
  const [, hours, minutes, seconds, fraction] = match
  if (Number(minutes) > 59 || Number(seconds) > 59) return undefined
  return ((Number(hours) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000 + Math.round(Number(fraction ?? 0) * 1000)
}

/** Milliseconds in an ISO 8601 duration of days, hours, minutes and seconds, or undefined. */
export function parseIsoDuration (text: string): number | undefined {
  const match = isoDuration.exec(text)
  if (match === null || text === 'P' || text.endsWith('T')) return undefined
  const [, days, hours, minutes, seconds] = match
  return Math.round((((Number(days ?? 0) * 24 + Number(hours ?? 0)) * 60 + Number(minutes ?? 0)) * 60 + Number(seconds ?? 0)) * 1000)
}

/** "HH:MM:SS.SS", hours padded to two digits (at most 9999). */
export function formatCmiTimespan (ms: number): string {
  const cs = Math.min(Math.max(0, Math.round(ms / 10)), (9999 * 3600 + 3599) * 100 + 99)
  const pad = (n: number): string => String(n).padStart(2, '0')
  const seconds = Math.floor(cs / 100) % 60
  return `${pad(Math.floor(cs / 360_000))}:${pad(Math.floor(cs / 6000) % 60)}:${pad(seconds)}.${pad(cs % 100)}`
}

/** "PT#H#M#S" with at most two decimals. */
export function formatIsoDuration (ms: number): string {
  const cs = Math.max(0, Math.round(ms / 10))
  const hours = Math.floor(cs / 360_000)
  const minutes = Math.floor(cs / 6000) % 60
  const seconds = (cs % 6000) / 100
  return `PT${hours}H${minutes}M${seconds}S`
}
