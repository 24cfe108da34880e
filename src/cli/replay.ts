// `mastery-sync replay`: the event log, or a filtered slice of it, as NDJSON on stdout or in a
// file. Read-only: safe while services run on the same store (it reads up to the head as it
// was at the start). The lines are those of GET /v1/events (src/app/history.ts).
import { loadConfig } from '../config.ts'
import { historyFilter, historyLines, readHistory, type HistoryQuery } from '../app/history.ts'
import { openConfiguredStorage } from './store-access.ts'
import { outputTo } from './output.ts'
import { progressBar } from './progress-bar.ts'

export interface ReplayOptions extends HistoryQuery {
  readonly out?: string
  /** Events read from the store per step. */
  readonly batch: number
}

export interface ReplayResult {
  readonly events: number
  /** The head the replay read up to. */
  readonly head: number
  /** The reader went away before the end (`| head`). */
  readonly cut: boolean
}

export async function replay (options: ReplayOptions): Promise<ReplayResult> {
  // A bad filter is refused before anything is opened.
  const filter = historyFilter(options)
  const config = loadConfig()
  const storage = await openConfiguredStorage(config)
  const output = outputTo(options.out)
  // A bar only where a person watches it, and not over the lines themselves.
  const bar = progressBar(process.stderr, { label: 'replaying the log', quietOffTerminal: true })
  const showBar = options.out !== undefined || process.stdout.isTTY !== true
  let events = 0
  let head = 0
  const abort = new AbortController()
  try {
    const pages = readHistory(storage.store, filter, {
      pageSize: options.batch,
      signal: abort.signal,
      onProgress: progress => {
        head = progress.head
        if (showBar) bar.update(progress.position, progress.head, `position ${progress.position} of ${progress.head}, ${progress.matched} events`)
      }
    })
    for await (const page of pages) {
      if (!await output.write(historyLines(page))) {
        abort.abort()
        break
      }
      events += page.length
    }
    const complete = await output.end()
    if (showBar) bar.done()
    return { events, head, cut: !complete }
  } finally {
    await storage.store.close()
    await storage.close()
  }
}
