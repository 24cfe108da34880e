// CSV for people's spreadsheets (RFC 4180), safe to open: a cell that a spreadsheet would read
// as a formula (starting with = + - @, a tab or a carriage return) is prefixed with an
// apostrophe, so names like =HYPERLINK(…) show as text instead of running (OWASP "CSV
// injection"). Cells with commas, quotes or line breaks are quoted, quotes doubled.

const formulaStart = /^[=+\-@\t\r]/
const needsQuotes = /[",\r\n]/

/** One cell: numbers and booleans as they are, text neutralised and quoted where needed. */
export function csvCell (value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return ''
  if (typeof value !== 'string') return String(value)
  const text = formulaStart.test(value) ? `'${value}` : value
  return needsQuotes.test(text) || text !== value ? `"${text.replace(/"/g, '""')}"` : text
}

/** A whole file: a header row, then the rows; CRLF line ends, as RFC 4180 and spreadsheets expect. */
export function csvFile (header: readonly string[], rows: readonly (readonly (string | number | boolean | null | undefined)[])[]): string {
  return [header, ...rows].map(row => row.map(csvCell).join(',')).join('\r\n') + '\r\n'
}
