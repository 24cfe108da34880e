// The progress of a long command, on stderr so that stdout stays the command's output.
// On a terminal a bar redrawn in place (at most ten times a second); elsewhere (a log file,
// CI) a line every tenth, or nothing when the command asks for quiet.

export interface ProgressBar {
  /** `done` of `total` (same unit: log positions); `detail` is shown after the bar. */
  update (done: number, total: number, detail?: string): void
  /** Work whose size is unknown: a count, no share. */
  count (detail: string): void
  /** Ends the bar's line. */
  done (): void
}

export interface ProgressBarOptions {
  /** What is going on: "copying the log". */
  readonly label: string
  /** Off a terminal, print nothing (default: a line every tenth). */
  readonly quietOffTerminal?: boolean
}

const width = 30
const redrawMs = 100

export function progressBar (out: NodeJS.WriteStream, options: ProgressBarOptions): ProgressBar {
  const { label } = options
  const tty = out.isTTY === true
  let lastTenth = -1
  let drawnAt = 0
  let drawn = false
  // Redraws are throttled, but the last state is always drawn when the bar ends.
  let pending: string | undefined
  const draw = (line: string, force = false): void => {
    const now = Date.now()
    if (!force && now - drawnAt < redrawMs) {
      pending = line
      return
    }
    drawnAt = now
    pending = undefined
    drawn = true
    out.write(`\r${line}\x1b[K`)
  }
  return {
    update (done, total, detail = '') {
      const share = total <= 0 ? 1 : Math.min(1, done / total)
      const percent = Math.floor(share * 100)
      if (tty) {
        const filled = Math.round(share * width)
        draw(`${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}%  ${detail}`, share === 1)
      } else if (options.quietOffTerminal !== true && Math.floor(share * 10) > lastTenth) {
        lastTenth = Math.floor(share * 10)
        out.write(`${label}: ${percent}%${detail === '' ? '' : ` (${detail})`}\n`)
      }
    },
    count (detail) {
      if (tty) draw(`${label}: ${detail}`)
    },
    done () {
      if (!tty || !drawn) return
      if (pending !== undefined) draw(pending, true)
      out.write('\n')
    }
  }
}
