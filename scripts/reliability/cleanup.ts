// Everything a run starts (service processes, temp dirs, PostgreSQL databases) is registered
// here, so that an error, Ctrl-C or a plain exit never leaves a service or a database behind.
import type { ChildProcess } from 'node:child_process'

type Task = () => Promise<void>

const children = new Set<ChildProcess>()
const tasks: Task[] = []
let installed = false

/** A child killed with SIGKILL when this process exits, whatever the reason. */
export function trackChild (child: ChildProcess): void {
  install()
  children.add(child)
  child.once('exit', () => children.delete(child))
}

/** An async clean-up (drop a database, remove a dir) run by runCleanup, last registered first. */
export function onCleanup (task: Task): () => void {
  install()
  tasks.push(task)
  return () => { const i = tasks.indexOf(task); if (i >= 0) tasks.splice(i, 1) }
}

export async function runCleanup (): Promise<void> {
  killChildren()
  while (tasks.length > 0) {
    const task = tasks.pop() as Task
    try {
      await task()
    } catch (error) {
      process.stderr.write(`clean-up step failed: ${error instanceof Error ? error.message : String(error)}\n`)
    }
  }
}

function killChildren (): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
}

function install (): void {
  if (installed) return
  installed = true
  // 'exit' handlers run synchronously: only the children can be dealt with there. Signals
  // get the full async clean-up first (databases dropped, temp dirs removed).
  process.on('exit', killChildren)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping the service and cleaning up…\n`)
      const force = setTimeout(() => process.exit(130), 15_000)
      force.unref()
      runCleanup().finally(() => process.exit(130))
    })
  }
}
