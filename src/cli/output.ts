// Where a command writes a long output (stdout or a file), with back-pressure: a write the
// stream cannot take yet waits for 'drain', so memory holds at most what is in flight. A reader
// that goes away (`| head` closing the pipe: EPIPE) is not an error: the output just ends.
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'

export interface Output {
  /** Resolves once the stream can take more; false when the reader has gone away. */
  write (text: string): Promise<boolean>
  /** Flushes and closes a file (stdout stays open); false when the reader has gone away. */
  end (): Promise<boolean>
  /** The reader went away (EPIPE): stop producing. */
  readonly gone: boolean
}

const readerGone = (error: unknown): boolean => (error as { code?: string }).code === 'EPIPE'

export function outputTo (file: string | undefined): Output {
  // A large buffer lets the next page be read while the last one is written.
  const stream: NodeJS.WritableStream & { writableNeedDrain?: boolean } = file === undefined ? process.stdout : createWriteStream(file, { highWaterMark: 1 << 20 })
  let failure: unknown
  let gone = false
  // Without a listener a broken pipe would crash the process with an unhandled 'error'.
  stream.on('error', (error: unknown) => {
    if (readerGone(error)) gone = true
    else failure ??= error
  })
  const check = (): boolean => {
    if (failure !== undefined) throw failure
    return !gone
  }
  const drained = async (): Promise<void> => {
    // 'error' ends the wait too (once() rejects on it); the listener above has recorded it.
    await once(stream, 'drain').catch(() => {})
  }
  return {
    async write (text) {
      if (!check()) return false
      if (!stream.write(text)) await drained()
      return check()
    },
    async end () {
      if (!check()) return false
      if (file !== undefined) {
        const finished = once(stream, 'finish').catch(() => {})
        stream.end()
        await finished
      } else if (stream.writableNeedDrain === true) {
        await drained()
      }
      return check()
    },
    get gone () { return gone }
  }
}
