// kill -9 of the exporter mid-export, then a restart: nothing is missing from the topic, and
// what was sent twice carries the same event id (and the same bytes).
import t, { type Test } from 'tap'
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import type { Kafka } from 'kafkajs'
import { startTestBroker, testKafka, createTopic, readTopic, uniqueName, type TopicRecord } from '../helpers/kafka.ts'
import { killProcess } from '../helpers/service-process.ts'
import type { Broker } from '../../scripts/kafka/broker.ts'
import { openStorage } from '../../src/storage.ts'
import { projectionsModule } from '../../src/service.ts'
import { createKafka } from '../../src/kafka/client.ts'
import { KafkaEventExporter, exportCheckpointName } from '../../src/kafka/event-export.ts'
import type { RecordedEvent } from '../../src/store/event-store.ts'

let broker: Broker
let kafka: Kafka
t.before(async () => {
  broker = await startTestBroker(t)
  kafka = testKafka(broker)
})

const log = pino({ level: 'silent' })
const open = async (dataDir: string) => openStorage({ kind: 'sqlite', synchronous: 'full' }, { dataDir, now: Date.now, tokenSecret: 'x'.repeat(40), projectionsModule, log })

/** A log of `events` events over 50 streams. */
async function makeLog (dataDir: string, events: number): Promise<RecordedEvent[]> {
  const storage = await open(dataDir)
  for (let i = 0; i < events; i += 100) {
    const stream = `crash-test-${(i / 100) % 50}`
    await storage.store.append(stream, Array.from({ length: 100 }, (_, j) => ({ id: `crash-${i + j}`, type: 'CrashTestHappened', data: { n: i + j, padding: 'x'.repeat(200) }, metadata: {} })))
  }
  const all = await storage.store.readAll({ maxCount: events + 1 })
  await storage.store.close()
  await storage.close()
  return all
}

function startChild (dataDir: string, topic: string, batchEvents: number, pauseAt: number): ChildProcess {
  return fork(fileURLToPath(new URL('./fixtures/export-child.ts', import.meta.url)), [dataDir, broker.brokers.join(','), topic, String(batchEvents), String(pauseAt)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
}

function nextMessage (child: ChildProcess, accept: (message: { type: string, position: number, count: number }) => boolean): Promise<{ type: string, position: number, count: number }> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      const m = message as { type: string, position: number, count: number }
      if (accept(m)) { cleanup(); resolve(m) }
    }
    const onExit = (code: number | null): void => { cleanup(); reject(new Error(`the exporter exited (${code}) too early`)) }
    const cleanup = (): void => { child.off('message', onMessage); child.off('exit', onExit) }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

/** A log of `events` events in a new data dir and a new topic, and an exporter child exporting it. */
async function exportUnderWay (t: Test, name: string, events: number, batchEvents: number, pauseAt: number) {
  const dataDir = t.testdir()
  const topic = uniqueName(name)
  await createTopic(kafka, topic, 3)
  const log = await makeLog(dataDir, events)
  const head = log[log.length - 1]?.position as number
  const child = startChild(dataDir, topic, batchEvents, pauseAt)
  t.teardown(() => killProcess(child))
  return { dataDir, topic, log, head, child }
}

/** After the kill: the checkpoint it left, then a fresh exporter (in this process) takes over and finishes. */
async function restartAndFinish (t: Test, dataDir: string, topic: string, head: number): Promise<number> {
  const storage = await open(dataDir)
  const left = (await storage.readModels.checkpoint(exportCheckpointName(topic)))?.position ?? 0
  const exporter = new KafkaEventExporter(storage.store, storage.readModels, createKafka({ brokers: broker.brokers, clientId: 'export-restart' }, log), log, { topic, batchEvents: 1000 })
  await exporter.start()
  await exporter.waitFor(head, 60_000)
  await exporter.stop()
  t.equal((await storage.readModels.checkpoint(exportCheckpointName(topic)))?.position, head, 'the restarted export reached the end of the log')
  await storage.store.close()
  await storage.close()
  return left
}

/** Every event is in the topic; a repeat has the same id, key and bytes; per stream, first sightings are in log order. */
function checkNothingLost (t: Test, records: readonly TopicRecord[], log: readonly RecordedEvent[]): number {
  const first = new Map<string, TopicRecord>()
  let mismatched = 0
  for (const record of records) {
    const id = record.headers['event-id'] as string
    const seen = first.get(id)
    if (seen === undefined) first.set(id, record)
    else if (seen.value !== record.value || seen.key !== record.key || seen.headers.position !== record.headers.position) mismatched++
  }
  t.same(log.filter(e => !first.has(e.id)).map(e => e.id), [], 'no event of the log is missing from the topic')
  t.equal(first.size, log.length, 'and the topic holds nothing else')
  t.equal(mismatched, 0, 'an event sent twice is the same record twice (same event id, key, position and value)')
  const last = new Map<string, number>()
  let disorder = 0
  for (const record of records) {
    if (first.get(record.headers['event-id'] as string) !== record) continue
    const position = Number(record.headers.position)
    if (position <= (last.get(record.key as string) ?? 0)) disorder++
    last.set(record.key as string, position)
  }
  t.equal(disorder, 0, 'per stream, events first arrive in log order')
  return records.length - first.size
}

t.test('killed between the broker\'s acknowledgement and the checkpoint: the batch is sent again, nothing is lost', async t => {
  const { dataDir, topic, log, head, child } = await exportUnderWay(t, 'crash-paused', 5_000, 500, 3)
  const paused = await nextMessage(child, m => m.type === 'paused')
  await killProcess(child)
  t.ok(paused.position < head, `killed mid-export (at position ${paused.position} of ${head})`)
  const left = await restartAndFinish(t, dataDir, topic, head)
  t.ok(left < paused.position, `the checkpoint (${left}) had not moved to the acknowledged batch (${paused.position})`)
  const duplicates = checkNothingLost(t, await readTopic(kafka, topic), log)
  t.ok(duplicates > 0 && duplicates <= 500, `the acknowledged but uncheckpointed batch was sent again (${duplicates} repeats)`)
})

t.test('killed at an arbitrary moment of a busy export: nothing is lost', async t => {
  const { dataDir, topic, log, head, child } = await exportUnderWay(t, 'crash-busy', 20_000, 100, 0)
  // The export goes on while this message travels: the kill lands wherever it is by then.
  await nextMessage(child, m => m.type === 'acked' && m.count === 5)
  await killProcess(child)
  const left = await restartAndFinish(t, dataDir, topic, head)
  t.ok(left < head, `killed before the end of the log (its checkpoint was ${left} of ${head})`)
  checkNothingLost(t, await readTopic(kafka, topic), log)
})
