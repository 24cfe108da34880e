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
    this.worker.once('exit', () => { this.exited = true })
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
const checkpoint = () => { try { db.pragma('wal_checkpoint(PASSIVE)') } catch {} }
const timer = setInterval(checkpoint, workerData.intervalMs)
parentPort.on('message', (message) => {
  if (message !== 'close') return
  clearInterval(timer)
  db.close()
  parentPort.close()
})
`
