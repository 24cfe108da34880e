// Runs one scenario from the command line (load.ts, faults.ts): prints the summary, exits 1 when
// the run failed, and cleans up whatever happens.
import { writeFileSync } from 'node:fs'
import { runCleanup } from './cleanup.ts'
import { scenarioFromArgs } from './options.ts'
import { failures, summaryText } from './report.ts'
import { runScenario } from './scenario.ts'

export async function mainRun (faults: boolean): Promise<void> {
  try {
    const { options, json } = scenarioFromArgs(process.argv.slice(2), faults)
    const result = await runScenario({ ...options, log: line => process.stderr.write(`${line}\n`) })
    process.stdout.write(`${summaryText(result)}\n`)
    if (json !== undefined) writeFileSync(json, JSON.stringify(result, (_k, v: unknown) => v instanceof Set ? [...v] : v, 2))
    if (failures(result).length > 0) process.exitCode = 1
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
    process.exitCode = 2
  } finally {
    await runCleanup()
  }
}
