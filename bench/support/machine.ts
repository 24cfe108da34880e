// The facts a reader needs to compare runs: cores, CPU, memory, Node, disk, date.
import { execFileSync } from 'node:child_process'
import { availableParallelism, cpus, platform, release, tmpdir, totalmem } from 'node:os'

export interface MachineFacts {
  readonly nproc: number
  readonly cpu: string
  readonly memoryGiB: number
  readonly node: string
  readonly os: string
  readonly tempFilesystem: string
  readonly date: string
  /** The code measured: the last commit to src/, projections/ and schemas/, and uncommitted changes there. */
  readonly code: string
}

function tempFilesystem (): string {
  try {
    // e.g. "ext4": fsync cost (synchronous = FULL) depends on it.
    return execFileSync('df', ['--output=fstype', tmpdir()], { encoding: 'utf8' }).trim().split('\n').pop() ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

const codePaths = ['src', 'projections', 'schemas']

/** The last commit that changed the code under test, plus any uncommitted changes to it. */
function codeUnderTest (repo: string): string {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trimEnd()
    const commit = git('log', '-1', '--format=%h', '--', ...codePaths)
    const dirty = git('status', '--porcelain', '--', ...codePaths).split('\n').filter(line => line !== '').map(line => line.slice(3))
    return dirty.length === 0 ? commit : `${commit} + uncommitted changes in ${dirty.join(', ')}`
  } catch {
    return 'unknown (not a git checkout)'
  }
}

export function machineFacts (repo: string): MachineFacts {
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
    tempFilesystem: tempFilesystem(),
    date: new Date().toISOString(),
    code: codeUnderTest(repo)
  }
}
