// Text that goes into the AICC course structure files (CMI001). They are line-based:
// a .crs line is `Keyword=value`, a table (.au, .des, .cst) line is one record of
// comma-separated fields, and every line ends with CR LF. Titles are user input, so a
// title must never add a line, a section or a field.

const lineBreaks = /\r\n|[\r\n]/g

/** The text on one line: each line break (CR LF, CR or LF) becomes a space. */
export function singleLine (text: string): string {
  return text.replace(lineBreaks, ' ')
}

/** Lines joined with CR LF, the last one ended too. */
export function crlfLines (lines: readonly string[]): string {
  return lines.map((line) => `${line}\r\n`).join('')
}

/**
 * One table record. Every field is quoted, as in CMI001's examples, so that commas are
 * data; a quote inside is doubled (RFC 4180) and a line break becomes a space.
 */
function csvRecord (fields: readonly string[]): string {
  return fields.map((field) => `"${singleLine(field).replaceAll('"', '""')}"`).join(',')
}

/** A CMI001 table: the quoted header record, then the data records. */
export function csvTable (header: readonly string[], records: ReadonlyArray<readonly string[]>): string {
  return crlfLines([header, ...records].map(csvRecord))
}
