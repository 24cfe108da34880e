// Runs a benchmark step in its own Node process (with tsx), so its memory is its own
// and it does not share an event loop with the load generator. Messages go over IPC.
import { fork, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

/** BENCH_CPU_PROF=<dir> writes a V8 CPU profile of every child into <dir> (open it in Chrome DevTools). */
const profileDir = process.env.BENCH_CPU_PROF

export function forkBench (script: string, args: readonly string[] = []): ChildProcess {
  return fork(fileURLToPath(new URL(`../children/${script}`, import.meta.url)), [...args], {
    cwd: repoRoot,
    execArgv: ['--import', 'tsx', ...(profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
}

/** The next IPC message of the given type; rejects if the child exits first. */
export function nextMessage<T> (child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      const m = message as { type?: string, error?: string }
      if (m.type === 'error') { cleanup(); reject(new Error(`${child.spawnfile} failed: ${m.error}`)) }
      if (m.type === type) { cleanup(); resolve(message as T) }
    }
    const onExit = (code: number | null): void => { cleanup(); reject(new Error(`benchmark child exited (${code}) before sending "${type}"`)) }
    const cleanup = (): void => { child.off('message', onMessage); child.off('exit', onExit) }
    child.on('message', onMessage)
    child.on('exit', onExit)
  })
}

export function exited (child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode)
  return new Promise(resolve => child.once('exit', code => resolve(code)))
}

/** Runs a one-shot child to completion and returns its "result" message. */
export async function runBenchChild<T> (script: string, args: readonly string[] = [], onSpawn?: (child: ChildProcess) => void): Promise<T> {
  const child = forkBench(script, args)
  onSpawn?.(child)
  try {
    return await nextMessage<T>(child, 'result')
  } finally {
    await exited(child)
  }
}

/**
 * Samples a process's resident set (VmRSS) every `intervalMs` from /proc, so a process
 * whose event loop is busy is measured anyway. Linux only; elsewhere peak stays 0.
 */
export function sampleRss (pid: number, intervalMs = 50): { stop (): number } {
  let peak = 0
  const read = (): void => {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
      if (match?.[1] !== undefined) peak = Math.max(peak, Number(match[1]) * 1024)
    } catch {
      // The process has exited.
    }
  }
  const timer = setInterval(read, intervalMs)
  return { stop () { clearInterval(timer); return peak } }
}

/** Reports a child's failure to the parent instead of dying silently. */
export function reportFailure (error: unknown): void {
  process.send?.({ type: 'error', error: error instanceof Error ? error.stack ?? error.message : String(error) })
  process.exitCode = 1
}
