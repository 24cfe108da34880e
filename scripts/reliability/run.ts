// The reliability check in one command: load and faults, on SQLite and on PostgreSQL, each
// on a fresh store, then the results table of docs/reliability.md regenerated.
//
//   npx tsx scripts/reliability/run.ts            about 5 minutes: 40 s load and 60 s faults per store, PostgreSQL restarted once
//   npx tsx scripts/reliability/run.ts --quick    about a minute; does not restart PostgreSQL (shared with other work) unless --pg-restarts 1
//   options: --only sqlite|postgres, --pg-restarts 0|1|2, --no-doc (print only)
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import { machineFacts } from '../../bench/support/machine.ts'
import { runCleanup } from './cleanup.ts'
import { failures, replaceResults, resultsMarkdown, summaryText, type RunOutcome } from './report.ts'
import { runScenario } from './scenario.ts'
import { repoRoot } from './service.ts'
import type { StoreKind } from './stores.ts'

const docPath = fileURLToPath(new URL('../../docs/reliability.md', import.meta.url))

async function main (): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      'pg-restarts': { type: 'string' },
      'no-doc': { type: 'boolean', default: false }
    }
  })
  const quick = values.quick
  const stores: StoreKind[] = values.only === undefined ? ['sqlite', 'postgres'] : [values.only as StoreKind]
  if (stores.some(s => s !== 'sqlite' && s !== 'postgres')) throw new Error(`--only must be sqlite or postgres (got ${values.only})`)
  const pgRestarts = Number(values['pg-restarts'] ?? (quick ? 0 : 1))
  if (![0, 1, 2].includes(pgRestarts)) throw new Error('--pg-restarts must be 0, 1 or 2')

  const base = { lmsUsers: 10, appClients: 6, eventsPerBatch: 10, drainMs: 30_000, pgRestarts }
  const plan = stores.flatMap(store => [
    { ...base, store, faults: false, durationMs: quick ? 6_000 : 40_000, killEveryMs: 0 },
    { ...base, store, faults: true, durationMs: quick ? 12_000 : 60_000, killEveryMs: quick ? 3_000 : 5_000 }
  ])
  const outcomes: RunOutcome[] = []
  for (const options of plan) {
    const name = `${options.faults ? 'faults' : 'load'} (${options.store === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`
    try {
      const result = await runScenario({ ...options, log: line => process.stderr.write(`${line}\n`) })
      process.stdout.write(`${summaryText(result)}\n\n`)
      outcomes.push(result)
    } catch (error) {
      // A run that cannot happen (no PostgreSQL) is a row that says so, not a silent gap.
      const message = error instanceof Error ? error.message.split('\n')[0] ?? error.message : String(error)
      process.stderr.write(`${name} did not run: ${error instanceof Error ? error.stack : String(error)}\n\n`)
      outcomes.push({ name, error: message })
    }
  }
  const command = `npx tsx scripts/reliability/run.ts${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(' ')}` : ''}`
  const markdown = resultsMarkdown(outcomes, machineFacts(repoRoot), command)
  if (values['no-doc']) process.stdout.write(`${markdown}\n`)
  else {
    replaceResults(docPath, markdown)
    process.stdout.write(`results written to ${docPath}\n`)
  }
  return outcomes.some(o => 'error' in o || failures(o).length > 0) ? 1 : 0
}

try {
  process.exitCode = await main()
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
  process.exitCode = 2
} finally {
  await runCleanup()
}
