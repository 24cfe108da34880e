// Baseline for target 3: a raw sequential scan of the log with better-sqlite3
// (`SELECT * FROM events ORDER BY position`, iterated), with the store's pragmas.
// The first pass warms the page cache; the best of the timed passes is reported.
// A pass that also parses data and metadata is reported for context.
import { openRaw } from '../support/events-table.ts'
import { reportFailure } from '../support/child.ts'

export interface ScanResult {
  readonly events: number
  readonly rate: number
  readonly parseRate: number
  readonly maxRssBytes: number
}

interface Row { position: number, data: string, metadata: string }

function scan (file: string, parse: boolean): { events: number, seconds: number } {
  const db = openRaw(file, 'full')
  const started = performance.now()
  let events = 0
  let checksum = 0
  for (const row of db.prepare('SELECT * FROM events ORDER BY position').iterate() as IterableIterator<Row>) {
    events += 1
    if (parse) checksum += Object.keys(JSON.parse(row.data) as object).length + Object.keys(JSON.parse(row.metadata) as object).length
    else checksum += row.data.length
  }
  const seconds = (performance.now() - started) / 1000
  db.close()
  if (checksum === 0 && events > 0) throw new Error('scan read nothing')
  return { events, seconds }
}

function main (): void {
  const file = process.argv[2]
  if (file === undefined) throw new Error('usage: scan-events.ts <sqlite file>')
  scan(file, false)
  const passes = [scan(file, false), scan(file, false)]
  const best = Math.min(...passes.map(p => p.seconds))
  const parsed = scan(file, true)
  const events = passes[0]?.events ?? 0
  const result: ScanResult = { events, rate: events / best, parseRate: parsed.events / parsed.seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024 }
  process.send?.({ type: 'result', result })
}

try {
  main()
} catch (error) {
  reportFailure(error)
}
