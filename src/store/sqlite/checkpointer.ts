import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { SqliteDatabase } from './database.ts'

/**
 * Checkpoints the write-ahead log from a worker thread, on a connection of its own.
 *
 * Left to itself, SQLite checkpoints inside whichever commit finds the WAL past 1,000 pages:
 * that commit then copies megabytes into the database file and fsyncs it, on the thread
 * that serves requests, and every request waiting on it pays. A PASSIVE checkpoint in a
 * worker never blocks a writer, so the request thread only ever appends to the WAL.
 * SQLite's own checkpoint stays on as a backstop, at a much larger size, in case the
 * worker falls behind or stops.
 */
export class WalCheckpointer {
  private readonly worker: Worker
  private closed = false
  private exited = false
  private readonly waiting: Array<() => void> = []

  constructor (db: SqliteDatabase, options: { intervalMs?: number, backstopPages?: number } = {}) {
    db.pragma(`wal_autocheckpoint = ${options.backstopPages ?? 20_000}`)
    const driver = createRequire(import.meta.url).resolve('better-sqlite3')
    this.worker = new Worker(workerSource, {
      eval: true,
      workerData: { filename: db.name, driver, intervalMs: options.intervalMs ?? 250 },
      // Not an ESM/TypeScript module: keep the parent's loader flags out of it.
      execArgv: []
    })
    this.worker.unref()
    this.worker.on('error', () => { /* the backstop checkpoint takes over */ })
    this.worker.once('exit', () => { this.exited = true; this.release() })
    this.worker.on('message', () => { this.release() })
  }

  /**
   * Resolves once a checkpoint the worker runs on its own timer, after this call, has copied
   * the whole WAL into the database, so the next commit starts the WAL over (or once the
   * worker has stopped). For tests and tools that need to know a checkpoint happened rather
   * than guess from the clock.
   */
  async nextCheckpoint (): Promise<void> {
    if (this.exited || this.closed) return
    const done = new Promise<void>(resolve => this.waiting.push(resolve))
    // Keep the process alive for the answer.
    this.worker.ref()
    this.worker.postMessage('tell')
    await done
  }

  private release (): void {
    if (!this.closed && !this.exited) this.worker.unref()
    for (const resolve of this.waiting.splice(0)) resolve()
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.exited) return
    const exited = new Promise(resolve => this.worker.once('exit', resolve))
    // Unreferenced, the worker would not keep this process alive long enough to say it is done.
    this.worker.ref()
    this.worker.postMessage('close')
    await exited
  }
}

// CommonJS, run with eval: it needs nothing but the driver, resolved by the parent.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.filename)
db.pragma('busy_timeout = 5000')
// Asked to, it says when its next checkpoint (on its own timer) has copied the whole WAL.
let asked = false
const checkpoint = () => {
  try {
    const [{ log, checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)')
    if (asked && checkpointed === log) {
      asked = false
      parentPort.postMessage('checkpointed')
    }
  } catch {}
}
const timer = setInterval(checkpoint, workerData.intervalMs)
parentPort.on('message', (message) => {
  if (message === 'tell') asked = true
  if (message !== 'close') return
  clearInterval(timer)
  db.close()
  parentPort.close()
})
`
