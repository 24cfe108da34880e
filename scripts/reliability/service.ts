// The service as a real process (src/main.ts through tsx), as an operator runs it: started,
// killed with -9, restarted on the same data, stopped. Its output goes to a log file in the
// run's work dir, never to a pipe nobody reads (a full pipe would stall the service).
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { trackChild } from './cleanup.ts'

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const entry = fileURLToPath(new URL('../../src/main.ts', import.meta.url))

export interface ServiceOptions {
  readonly port: number
  readonly dataDir: string
  /** STORE, DATABASE_URL and the rest of the settings that differ per store. */
  readonly env: Readonly<Record<string, string>>
  readonly logFile: string
}

export class ServiceStartError extends Error {}

/** One service process at a time on fixed settings; start() again after a kill is a restart. */
export class ServiceProcess {
  private child: ChildProcess | undefined
  /** Exits nobody asked for (kill() and stop() are asked for). */
  unexpectedExits = 0
  private expectingExit = false
  onUnexpectedExit: ((code: number | null, signal: string | null) => void) | undefined

  constructor (private readonly options: ServiceOptions) {}

  get running (): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
  }

  get pid (): number | undefined { return this.child?.pid }

  /** Starts the process and resolves once /ready answers 200; rejects if it exits first or the deadline passes. */
  async start (timeoutMs = 60_000): Promise<void> {
    if (this.running) throw new Error('the service is already running')
    const log = openSync(this.options.logFile, 'a')
    const env: Record<string, string | undefined> = { ...process.env }
    // Settings from the caller's shell must not leak in (a Kafka broker, another store).
    for (const name of Object.keys(env)) {
      if (/^(KAFKA_|RATE_LIMIT_|STORE$|DATABASE_URL$|EVENTSTORE_URL$|PUBLIC_URL$|SQLITE_)/.test(name)) delete env[name]
    }
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: repoRoot,
      env: { ...env, DATA_DIR: this.options.dataDir, PORT: String(this.options.port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', SEED_DEMO: 'false', ...this.options.env },
      stdio: ['ignore', log, log]
    })
    closeSync(log)
    trackChild(child)
    this.child = child
    this.expectingExit = false
    child.once('exit', (code, signal) => {
      if (this.expectingExit || this.child !== child) return
      this.unexpectedExits++
      this.onUnexpectedExit?.(code, signal)
    })
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new ServiceStartError(`the service exited while starting (code ${child.exitCode}, signal ${child.signalCode}):\n${this.logTail()}`)
      }
      const ready = await fetch(`http://127.0.0.1:${this.options.port}/ready`, { signal: AbortSignal.timeout(2_000) }).then(r => r.ok, () => false)
      if (ready) return
      await sleep(100)
    }
    await this.kill()
    throw new ServiceStartError(`the service was not ready within ${timeoutMs} ms:\n${this.logTail()}`)
  }

  /** kill -9, and wait until the process is gone. */
  async kill (): Promise<void> {
    await this.end('SIGKILL', 5_000)
  }

  /** SIGTERM (a graceful close: close-with-grace), then SIGKILL if it does not go within the deadline. */
  async stop (): Promise<void> {
    await this.end('SIGTERM', 15_000)
  }

  private async end (signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    const child = this.child
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    this.expectingExit = true
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    await exited
    clearTimeout(timer)
  }

  /** The end of the service's log, for error messages. */
  logTail (lines = 30): string {
    try {
      return readFileSync(this.options.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
    } catch {
      return '(no log)'
    }
  }
}
