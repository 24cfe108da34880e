// One row per measured target, rendered as a console table and as Markdown.
export interface ResultRow {
  readonly benchmark: string
  readonly value: string
  readonly baseline: string
  readonly ratio: string
  readonly target: string
  /** undefined: reported for context, no target. */
  readonly pass: boolean | undefined
}

const rate = (n: number): string => n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1)

export function perSecond (n: number, unit: string): string {
  return `${rate(n)} ${unit}/s`
}

/** A value measured against a baseline on the same machine in the same run. */
export function ratioRow (benchmark: string, value: string, valueRate: number, baseline: string, baselineRate: number, minRatio: number | undefined): ResultRow {
  const ratio = valueRate / baselineRate
  return {
    benchmark,
    value,
    baseline,
    ratio: ratio.toFixed(3),
    target: minRatio === undefined ? '(context)' : `ratio ≥ ${minRatio}`,
    pass: minRatio === undefined ? undefined : ratio >= minRatio
  }
}

export function verdict (pass: boolean | undefined): string {
  return pass === undefined ? '—' : pass ? 'pass' : 'FAIL'
}

const headers = ['#', 'benchmark', 'value', 'baseline', 'ratio', 'target', 'result'] as const

function cells (rows: readonly ResultRow[]): string[][] {
  return rows.map((r, i) => [String(i + 1), r.benchmark, r.value, r.baseline, r.ratio, r.target, verdict(r.pass)])
}

export function consoleTable (rows: readonly ResultRow[]): string {
  const body = cells(rows)
  const widths = headers.map((h, c) => Math.max(h.length, ...body.map(row => (row[c] ?? '').length)))
  const line = (row: readonly string[]): string => row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' | ')
  return [line(headers), widths.map(w => '-'.repeat(w)).join('-+-'), ...body.map(line)].join('\n')
}

export function markdownTable (rows: readonly ResultRow[]): string {
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|')
  return [
    `| ${headers.join(' | ')} |`,
    `|${headers.map((_, c) => c >= 2 && c <= 4 ? '---:' : '---').join('|')}|`,
    ...cells(rows).map(row => `| ${row.map(escape).join(' | ')} |`)
  ].join('\n')
}
