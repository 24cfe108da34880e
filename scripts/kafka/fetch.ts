// The Apache Kafka broker's jars, from Maven Central, cached in .cache/kafka/<version>/libs:
// `mvn dependency:copy-dependencies` on scripts/kafka/pom.xml (kafka_2.13, everything it needs
// at run time, and a logging binding). A second run finds the cache and downloads nothing.
//
// Several test files may start at once, each wanting the jars: one fetches under a lock (a
// directory made atomically), the others wait for it. The jars land in a scratch directory
// renamed into place when complete, so a fetch killed half-way leaves no half cache behind.
//
// Run: npx tsx scripts/kafka/fetch.ts   (prints the directory of the jars)
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'

/** 3.9.x: Kafka 4.0 removed the old protocol versions kafkajs 2.2.4 speaks (KIP-896). */
export const kafkaVersion = '3.9.1'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const pom = fileURLToPath(new URL('./pom.xml', import.meta.url))
export const kafkaCacheRoot = join(repoRoot, '.cache', 'kafka')

export interface FetchOptions {
  readonly version?: string
  /** Progress for a person watching (the CLI); silent by default. */
  readonly log?: (line: string) => void
  /** How long to wait for another process's fetch before giving up (default 10 minutes). */
  readonly waitMs?: number
}

/** The directory holding every jar of the broker, fetched first if the cache lacks it. */
export async function ensureKafkaJars (options: FetchOptions = {}): Promise<string> {
  const version = options.version ?? kafkaVersion
  const home = join(kafkaCacheRoot, version)
  const libs = join(home, 'libs')
  if (await complete(libs)) return libs
  await mkdir(home, { recursive: true })
  const lock = join(home, 'fetch.lock')
  const deadline = Date.now() + (options.waitMs ?? 600_000)
  for (;;) {
    if (await takeLock(lock)) break
    if (await complete(libs)) return libs
    if (Date.now() > deadline) throw new Error(`gave up waiting for another process fetching the Kafka jars (lock ${lock})`)
    await sleep(250)
  }
  try {
    if (await complete(libs)) return libs
    const scratch = join(home, `libs.partial-${process.pid}`)
    await rm(scratch, { recursive: true, force: true })
    options.log?.(`fetching Apache Kafka ${version} (org.apache.kafka:kafka_2.13) from Maven Central into ${libs}`)
    await mvn(['-B', '-q', '-f', pom, 'dependency:copy-dependencies', `-Dkafka.version=${version}`, '-DincludeScope=runtime', `-DoutputDirectory=${scratch}`])
    const jars = (await readdir(scratch)).filter(name => name.endsWith('.jar'))
    if (!jars.includes(`kafka_2.13-${version}.jar`)) throw new Error(`Maven did not fetch kafka_2.13-${version}.jar into ${scratch}`)
    await writeFile(join(scratch, 'COMPLETE'), `${jars.length} jars of Apache Kafka ${version}\n`)
    await rm(libs, { recursive: true, force: true })
    await rename(scratch, libs)
    options.log?.(`${jars.length} jars in ${libs}`)
    return libs
  } finally {
    await rm(lock, { recursive: true, force: true })
  }
}

async function complete (libs: string): Promise<boolean> {
  return existsSync(join(libs, 'COMPLETE'))
}

/** Makes the lock directory, or clears one left by a process that no longer runs. */
async function takeLock (lock: string): Promise<boolean> {
  try {
    await mkdir(lock)
    await writeFile(join(lock, 'pid'), String(process.pid))
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  const holder = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => ''))
  // A lock just made may not have its pid yet: only a named, dead holder is stale.
  if (Number.isInteger(holder) && holder > 0 && !alive(holder)) await rm(lock, { recursive: true, force: true })
  return false
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function mvn (args: readonly string[]): Promise<void> {
  const child = spawn('mvn', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', chunk => { output += String(chunk) })
  child.stderr.on('data', chunk => { output += String(chunk) })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', error => reject(new Error(`could not run mvn (is Maven installed?): ${error.message}`)))
    child.once('exit', resolve)
  })
  if (code !== 0) throw new Error(`mvn ${args.join(' ')} failed (exit ${code}):\n${output.slice(-4000)}`)
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const libs = await ensureKafkaJars({ log: line => process.stderr.write(`${line}\n`) })
  process.stdout.write(`${libs}\n`)
}
