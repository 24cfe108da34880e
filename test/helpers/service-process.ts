// The service as a real process (src/main.ts through tsx), for tests that kill it with -9.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

const root = new URL('../..', import.meta.url).pathname

/** Starts the service on DATA_DIR and PORT (with the demo seeded unless SEED_DEMO=false) and resolves once it is ready. */
export async function startServiceProcess (dataDir: string, port: number, env: Readonly<Record<string, string>> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/main.ts')], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', SEED_DEMO: 'true', OUTBOUND_ADDRESSES: 'any', ...env },
    // stdout (the log) is not read: a pipe nobody drains would stall the service once full.
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  child.stderr?.on('data', d => { stderr = (stderr + String(d)).slice(-10_000) })
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`service exited: ${stderr}`)
    const seeded = env.SEED_DEMO === 'false' || existsSync(join(dataDir, 'demo-credentials.json'))
    if (seeded) {
      if (await fetch(`http://127.0.0.1:${port}/ready`).then(r => r.ok, () => false)) return child
    }
    await sleep(100)
  }
  child.kill('SIGKILL')
  throw new Error(`service did not become ready: ${stderr}`)
}

/** kill -9, and wait until it is gone. */
export async function killProcess (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise(resolve => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}
