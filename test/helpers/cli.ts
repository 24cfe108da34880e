// The command line as operators run it: bin/mastery-sync.js in a child process, its output
// collected. Asynchronous, so a service running in the test's own process keeps serving.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const cliBin = fileURLToPath(new URL('../../bin/mastery-sync.js', import.meta.url))

export interface CliRun { status: number | null, stdout: string, stderr: string }

/** Runs the CLI with these arguments and settings (added to this process's environment). */
export function runCli (args: readonly string[], env: Readonly<Record<string, string>>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin, ...args], { env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
    child.on('error', reject)
    child.on('close', status => resolve({ status, stdout, stderr }))
  })
}

/** The CLI on an embedded store in `dataDir`. */
export const runCliOn = (args: readonly string[], dataDir: string): Promise<CliRun> => runCli(args, { DATA_DIR: dataDir, STORE: 'sqlite' })
