// A single-node Apache Kafka broker (KRaft: broker and controller in one JVM) on loopback,
// run with `java -cp` from the jars scripts/kafka/fetch.ts caches. The tests and the Kafka
// benchmark start one each in a temp dir; developers start one from the command line:
//
//   npx tsx scripts/kafka/broker.ts [--port 9092] [--dir .cache/kafka/dev-9092]
//   KAFKA_BROKERS=127.0.0.1:9092 npm start
//
// The broker never outlives whoever started it: a small shell wrapper holds the starter's end
// of a pipe and stops the broker when it closes, which it does on stop() and, because the
// kernel closes it, when the starter dies however it dies (kill -9, a test timeout).
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, openSync, closeSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { Kafka, logLevel } from 'kafkajs'
import { ensureKafkaJars, kafkaCacheRoot, kafkaVersion } from './fetch.ts'

export interface BrokerOptions {
  /** Where the configuration, the data and broker.log go; kept across starts (a restart finds its data). */
  readonly dir: string
  /** Client port on 127.0.0.1 (default: a free one). */
  readonly port?: number
  readonly version?: string
  /** JVM heap ceiling (default 512 MB: enough for tests and the benchmark). */
  readonly heapMb?: number
  /** How long to wait until the broker serves (default 90 s: a JVM on two busy cores starts slowly). */
  readonly readyTimeoutMs?: number
  readonly log?: (line: string) => void
}

export interface Broker {
  /** For kafkajs `brokers` and KAFKA_BROKERS. */
  readonly brokers: readonly string[]
  readonly port: number
  readonly dir: string
  /** Stops the broker (controlled shutdown; killed if it takes longer than 30 s) and waits until it is gone. */
  stop (): Promise<void>
}

// `"$@"` is the java command line. fd 3 keeps the starter's pipe: a non-interactive shell gives
// background jobs /dev/null as stdin, so the watcher reads the pipe through fd 3 instead.
const wrapper = `
exec 3<&0
"$@" </dev/null &
broker=$!
{ cat <&3 >/dev/null; kill -TERM "$broker" 2>/dev/null; } &
exec 3<&-
wait "$broker"
`

export async function startBroker (options: BrokerOptions): Promise<Broker> {
  const libs = await ensureKafkaJars({ ...(options.version === undefined ? {} : { version: options.version }), ...(options.log === undefined ? {} : { log: options.log }) })
  const dir = resolve(options.dir)
  await mkdir(dir, { recursive: true })
  // A port found free can be taken by someone else before the broker binds it: try again with others.
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? await freePort()
    const controllerPort = options.port === undefined ? await freePort() : options.port + 1
    try {
      return await launch(libs, dir, port, controllerPort, options)
    } catch (error) {
      if (!(error instanceof BindError) || options.port !== undefined || attempt >= 3) throw error
    }
  }
}

class BindError extends Error {}

async function launch (libs: string, dir: string, port: number, controllerPort: number, options: BrokerOptions): Promise<Broker> {
  const dataDir = join(dir, 'data')
  const properties = join(dir, 'server.properties')
  await writeFile(properties, serverProperties(port, controllerPort, dataDir))
  const log4j = join(dir, 'log4j.properties')
  await writeFile(log4j, log4jProperties)
  const classpath = `${libs}/*`
  const jvm = ['-Xms128m', `-Xmx${options.heapMb ?? 512}m`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true', `-Dlog4j.configuration=file:${log4j}`, '-cp', classpath]
  const logFile = join(dir, 'broker.log')
  if (!existsSync(join(dataDir, 'meta.properties'))) {
    const clusterId = randomBytes(16).toString('base64url')
    await run('java', [...jvm, 'kafka.tools.StorageTool', 'format', '--ignore-formatted', '-t', clusterId, '-c', properties], logFile)
  }
  const out = openSync(logFile, 'a')
  let child: ChildProcess
  try {
    child = spawn('sh', ['-c', wrapper, 'kafka-broker', 'java', ...jvm, 'kafka.Kafka', properties], { detached: true, stdio: ['pipe', out, out] })
  } finally {
    closeSync(out)
  }
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  // Our end of the pipe only matters to the wrapper: it must not keep this process alive.
  child.stdin?.on('error', () => {})
  ;(child.stdin as unknown as { unref?: () => void } | null)?.unref?.()
  child.unref()
  const brokers = [`127.0.0.1:${port}`]
  let stopping: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.stdin?.end()
      // A broker that does not stop within 30 s is killed, with its wrapper (one process group).
      const timer = setTimeout(() => { killGroup(child.pid) }, 30_000)
      await exited
      clearTimeout(timer)
    })()
    await stopping
  }
  try {
    await waitUntilServing(brokers, exited, options.readyTimeoutMs ?? 90_000)
  } catch (error) {
    await stop()
    const tail = (await readFile(logFile, 'utf8').catch(() => '')).slice(-3000)
    if (/Address already in use|BindException/.test(tail)) throw new BindError(`port ${port} or ${controllerPort} is taken`)
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- ${logFile} ---\n${tail}`)
  }
  options.log?.(`Apache Kafka ${options.version ?? kafkaVersion} serving on ${brokers.join(',')} (data in ${dataDir})`)
  return { brokers, port, dir, stop }
}

/** Until the broker answers a metadata request, or its process ends, or the time is up. */
async function waitUntilServing (brokers: readonly string[], exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  let exitCode: number | null | undefined
  void exited.then(code => { exitCode = code ?? -1 })
  const deadline = Date.now() + timeoutMs
  const kafka = new Kafka({ clientId: 'broker-check', brokers: [...brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000 })
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`the Kafka broker exited (${exitCode}) before serving`)
    const admin = kafka.admin()
    try {
      await admin.connect()
      const cluster = await admin.describeCluster()
      if (cluster.brokers.length > 0 && cluster.controller !== null) return
    } catch {
      // Not listening yet, or not registered yet: ask again shortly.
    } finally {
      await admin.disconnect().catch(() => {})
    }
    await sleep(250)
  }
  throw new Error(`the Kafka broker on ${brokers.join(',')} did not serve within ${timeoutMs} ms`)
}

function serverProperties (port: number, controllerPort: number, dataDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${dataDir}`,
    // One node: every internal topic has one replica. Few offset partitions keep the first
    // consumer group quick to set up (the default of 50 takes seconds on a small machine).
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=4',
    'num.partitions=1',
    // A group starts consuming as soon as it forms, not after 3 s of waiting for more members.
    'group.initial.rebalance.delay.ms=0',
    ''
  ].join('\n')
}

const log4jProperties = [
  'log4j.rootLogger=WARN, out',
  'log4j.appender.out=org.apache.log4j.ConsoleAppender',
  'log4j.appender.out.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n',
  'log4j.logger.kafka.server.KafkaRaftServer=INFO',
  ''
].join('\n')

async function run (command: string, args: readonly string[], logFile: string): Promise<void> {
  const out = openSync(logFile, 'a')
  try {
    const child = spawn(command, args, { stdio: ['ignore', out, out] })
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', error => reject(new Error(`could not run ${command} (is a JDK installed?): ${error.message}`)))
      child.once('exit', resolve)
    })
    if (code !== 0) throw new Error(`${command} ${args.slice(-6).join(' ')} failed (exit ${code}); see ${logFile}:\n${(await readFile(logFile, 'utf8')).slice(-3000)}`)
  } finally {
    closeSync(out)
  }
}

function killGroup (pid: number | undefined): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // Gone already.
  }
}

/** A loopback port free right now. */
export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')))
    })
  })
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name)
    return i < 0 ? undefined : process.argv[i + 1]
  }
  const port = Number(arg('--port') ?? 9092)
  if (!Number.isInteger(port) || port < 1 || port > 65534) throw new Error(`--port must be a port number (got ${arg('--port')})`)
  const dir = arg('--dir') ?? join(kafkaCacheRoot, `dev-${port}`)
  const broker = await startBroker({ dir, port, log: line => process.stderr.write(`${line}\n`) })
  process.stdout.write(`KAFKA_BROKERS=${broker.brokers.join(',')}\n(broker log: ${join(dir, 'broker.log')}; Ctrl-C stops it)\n`)
  const stop = (): void => { void broker.stop().then(() => process.exit(0)) }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  // Stay up until told to stop.
  setInterval(() => {}, 1 << 30)
}
