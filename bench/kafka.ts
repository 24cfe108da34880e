// Kafka, against a broker of its own on loopback (scripts/kafka/broker.ts), measured against
// kafkajs on the same broker in the same run:
//
// 1. export: the exporter (src/kafka/event-export.ts) reading the log from position 0 and
//    sending it, each batch acknowledged and checkpointed, ÷ a kafkajs producer sending the
//    same records (built beforehand) with the same settings (idempotent, one request in
//    flight, acks from all replicas, the same request size). Target ≥ 0.6.
// 2. ingest: app clients' ActivityAnswered records for the demo account's learners wait in
//    the topic; the service's consumer (src/kafka/activity-consumer.ts) reads, checks and
//    appends them through the POST /v1/activity code path and commits, with the projections
//    running. From the consumer's start (joining the group included) to the last offset
//    committed. Target ≥ 20,000 events/s. Then the same live, for context: from the first
//    record produced to the last committed (kafkajs producing them is then part of it).
//
// Run alone: npx tsx bench/kafka.ts [--quick]
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { Kafka, Partitioners, logLevel, type Message } from 'kafkajs'
import { pino } from 'pino'
import { startBroker, type Broker } from '../scripts/kafka/broker.ts'
import { openService } from '../src/service.ts'
import { openStorage } from '../src/storage.ts'
import { projectionsModule } from '../src/service.ts'
import { createKafka } from '../src/kafka/client.ts'
import { KafkaEventExporter, defaultRequestBytes, exportMessage, messageBytes } from '../src/kafka/event-export.ts'
import { KafkaActivityConsumer } from '../src/kafka/activity-consumer.ts'
import { seedDemo } from '../src/seed-demo.ts'
import { authenticateAdmin } from '../src/app/accounts.ts'
import { registerLearner } from '../src/app/learners.ts'
import type { ActivityDoc } from '../projections/catalog.ts'
import { answeredEvent, benchLearnerId } from './support/activity-answered.ts'
import { seededRng, pick } from './support/rng.ts'
import { withTempDir } from './support/temp-dir.ts'
import { consoleTable, perSecond, ratioRow, type ResultRow } from './support/report.ts'

export interface KafkaBenchOptions {
  /** Events in the log the export sends. */
  readonly exportEvents: number
  /** Records the ingest reads and appends. */
  readonly ingestRecords: number
  /** Learners the ingest records are spread over. */
  readonly learners: number
  /** Partitions of the benchmark's topics. */
  readonly partitions: number
  /** Interleaved rounds of the export and its baseline; the best of each is kept. */
  readonly rounds: number
}

export const kafkaBenchDefaults: KafkaBenchOptions = { exportEvents: 200_000, ingestRecords: 200_000, learners: 100, partitions: 4, rounds: 2 }
export const kafkaBenchQuick: KafkaBenchOptions = { exportEvents: 20_000, ingestRecords: 20_000, learners: 20, partitions: 4, rounds: 1 }

export interface KafkaBenchResult {
  readonly exportRate: number
  readonly producerRate: number
  readonly ingestRate: number
  readonly liveIngestRate: number
  readonly options: KafkaBenchOptions
}

const silent = pino({ level: 'silent' })
const progress = (line: string): void => { process.stderr.write(`[kafka bench] ${line}\n`) }
/** As the exporter sends them (src/kafka/event-export.ts). */
const requestBytes = defaultRequestBytes

/** Measures, and returns the rows for the report (bench/support/report.ts). */
export async function benchKafka (options: KafkaBenchOptions = kafkaBenchDefaults): Promise<ResultRow[]> {
  return kafkaRows(await measureKafka(options))
}

export function kafkaRows (r: KafkaBenchResult): ResultRow[] {
  return [
    ratioRow(`8. Kafka export of the log (${r.options.exportEvents.toLocaleString('en-US')} events, ${r.options.partitions} partitions)`,
      perSecond(r.exportRate, 'events'), r.exportRate,
      `kafkajs sending the same records, same settings: ${perSecond(r.producerRate, 'records')}`, r.producerRate, 0.6),
    {
      benchmark: `   Kafka ingest (${r.options.ingestRecords.toLocaleString('en-US')} records waiting in the topic, ${r.options.learners} learners): consumer start → checked, appended, committed`,
      value: perSecond(r.ingestRate, 'events'),
      baseline: '—',
      ratio: '—',
      target: '≥ 20,000 events/s',
      pass: r.ingestRate >= 20_000
    },
    {
      benchmark: '   same, live: first record produced → last committed (includes kafkajs producing them)',
      value: perSecond(r.liveIngestRate, 'events'),
      baseline: '—',
      ratio: '—',
      target: '(context)',
      pass: undefined
    }
  ]
}

export async function measureKafka (options: KafkaBenchOptions): Promise<KafkaBenchResult> {
  return withTempDir('kafka', async dir => {
    const broker = await startBroker({ dir: `${dir}/broker`, heapMb: 1024 })
    try {
      const kafka = new Kafka({ clientId: 'bench', brokers: [...broker.brokers], logLevel: logLevel.NOTHING })
      progress(`broker on ${broker.brokers.join(',')}`)
      const { exportRate, producerRate } = await measureExport(kafka, broker, `${dir}/export`, options)
      const ingest = await measureIngest(kafka, broker, `${dir}/ingest`, options)
      return { exportRate, producerRate, ingestRate: ingest.backlog, liveIngestRate: ingest.live, options }
    } finally {
      await broker.stop()
    }
  })
}

async function createTopics (kafka: Kafka, topics: readonly string[], numPartitions: number): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createTopics({ topics: topics.map(topic => ({ topic, numPartitions })), waitForLeaders: true })
  } finally {
    await admin.disconnect()
  }
}

async function measureExport (kafka: Kafka, broker: Broker, dataDir: string, options: KafkaBenchOptions): Promise<{ exportRate: number, producerRate: number }> {
  const storage = await openStorage({ kind: 'sqlite', synchronous: 'normal' }, { dataDir, now: Date.now, tokenSecret: 'x'.repeat(40), projectionsModule, log: silent })
  try {
    // The log: realistic answers of 1,000 learners, appended 100 at a time.
    const rng = seededRng(11)
    const start = Date.parse('2026-03-01T08:00:00Z')
    for (let i = 0; i < options.exportEvents; i += 100) {
      const learnerId = benchLearnerId((i / 100) % 1000)
      await storage.store.append(`activity-${learnerId}`, Array.from({ length: Math.min(100, options.exportEvents - i) }, (_, j) => answeredEvent(rng, learnerId, start + (i + j) * 1000)), { expectedRevision: 'any' })
    }
    const head = await storage.store.headPosition()
    progress(`log of ${options.exportEvents} events written`)
    // The baseline's records: what the exporter sends, built before the clock starts.
    const records = (await storage.store.readAll({ maxCount: options.exportEvents + 1 })).map(exportMessage)
    let exportRate = 0
    let producerRate = 0
    for (let round = 0; round < options.rounds; round++) {
      const rawTopic = `bench-raw-${round}-${randomUUID()}`
      const exportTopic = `bench-export-${round}-${randomUUID()}`
      await createTopics(kafka, [rawTopic, exportTopic], options.partitions)
      producerRate = Math.max(producerRate, await produceDirectly(kafka, rawTopic, records))

      const exporter = new KafkaEventExporter(storage.store, storage.readModels, createKafka({ brokers: broker.brokers, clientId: 'bench-export' }, silent), silent, { topic: exportTopic })
      const started = performance.now()
      await exporter.start()
      await exporter.waitFor(head, 600_000)
      exportRate = Math.max(exportRate, options.exportEvents / ((performance.now() - started) / 1000))
      await exporter.stop()
      progress(`export round ${round + 1}: kafkajs ${Math.round(producerRate)} records/s, exporter ${Math.round(exportRate)} events/s (best so far)`)
    }
    return { exportRate, producerRate }
  } finally {
    await storage.store.close()
    await storage.close()
  }
}

/** kafkajs at its best with the exporter's guarantees: sendBatch of ≤ 768 KiB requests, one at a time, idempotent. */
async function produceDirectly (kafka: Kafka, topic: string, records: readonly Message[]): Promise<number> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false })
  await producer.connect()
  try {
    const started = performance.now()
    let messages: Message[] = []
    let bytes = 0
    for (const record of records) {
      const size = messageBytes(record)
      if (bytes + size > requestBytes && messages.length > 0) {
        await producer.sendBatch({ topicMessages: [{ topic, messages }], acks: -1 })
        messages = []
        bytes = 0
      }
      messages.push(record)
      bytes += size
    }
    if (messages.length > 0) await producer.sendBatch({ topicMessages: [{ topic, messages }], acks: -1 })
    return records.length / ((performance.now() - started) / 1000)
  } finally {
    await producer.disconnect()
  }
}

interface IngestRates {
  /** Records waiting in the topic, drained by the consumer: from its start to the last commit. */
  readonly backlog: number
  /** Records produced while the consumer runs: from the first produced to the last committed. */
  readonly live: number
}

export async function measureIngest (kafka: Kafka, broker: Broker, dataDir: string, options: KafkaBenchOptions): Promise<IngestRates> {
  // The service as it runs (projections live, full fsync); its consumer is made here, on the
  // service's context, so that it starts when the records are waiting.
  const service = await openService({ dataDir, log: silent, tokenSecret: 'x'.repeat(40) })
  try {
    const { ctx } = service
    const { credentials } = await seedDemo(ctx, dataDir)
    const admin = await authenticateAdmin(ctx, credentials.adminKey)
    const extra = []
    for (let i = 0; i < options.learners - 1; i++) extra.push(await registerLearner(ctx, admin, { name: `Bench Learner ${i}`, email: `bench-${i}@demo.mastery-sync.dev`, password: `bench-password-${i}` }))
    const learnerIds = [credentials.learner.id, ...extra.map(l => l.learnerId)]
    const activities = (await ctx.runner.list<ActivityDoc>('catalog', 'activity:', 1000)).map(a => a.doc).filter(a => !a.removed && a.accountId === credentials.accountId)
    progress(`${learnerIds.length} learners registered`)
    const rng = seededRng(5)
    const now = Date.now()
    const records = (): Message[] => Array.from({ length: options.ingestRecords }, (_, i) => {
      const learnerId = learnerIds[i % learnerIds.length] as string
      const activity = pick(rng, activities)
      return {
        key: learnerId,
        value: JSON.stringify({ accountId: credentials.accountId, learnerId, eventId: randomUUID(), type: 'ActivityAnswered', activityId: activity.activityId, selected: [pick(rng, activity.options).id], responseMs: 1500 + Math.floor(rng() * 20_000), occurredAt: new Date(now - 3_600_000 + i).toISOString() })
      }
    })
    const run = async (mode: 'backlog' | 'live'): Promise<number> => {
      const topic = `bench-activity-${mode}-${randomUUID()}`
      const groupId = `bench-ingest-${randomUUID()}`
      await createTopics(kafka, [topic], options.partitions)
      const consumer = new KafkaActivityConsumer(ctx, createKafka({ brokers: broker.brokers, clientId: 'bench-service' }, silent), silent, { topic, dlqTopic: `${topic}-dlq`, groupId })
      const batch = records()
      const before = await ctx.store.headPosition()
      let started = performance.now()
      if (mode === 'live') {
        await consumer.start()
        await waitFor(async () => (await groupMembers(kafka, groupId)) > 0)
        started = performance.now()
      }
      // App clients: many of them, each sending what it has, a few thousand records at a time.
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
      await producer.connect()
      for (let i = 0; i < batch.length; i += 2000) await producer.send({ topic, messages: batch.slice(i, i + 2000), acks: -1 })
      await producer.disconnect()
      progress(`${mode}: ${batch.length} records produced in ${Math.round(performance.now() - started)} ms`)
      if (mode === 'backlog') {
        started = performance.now()
        await consumer.start()
      }
      await waitFor(async () => consumedAll(kafka, groupId, topic))
      const seconds = (performance.now() - started) / 1000
      await consumer.stop()
      const appended = (await ctx.store.readAll({ after: before, maxCount: options.ingestRecords + 1000 })).filter(e => e.type === 'ActivityAnswered').length
      if (appended !== options.ingestRecords) throw new Error(`the ingest appended ${appended} of ${options.ingestRecords} records`)
      progress(`${mode}: ${Math.round(options.ingestRecords / seconds)} events/s`)
      return options.ingestRecords / seconds
    }
    return { backlog: await run('backlog'), live: await run('live') }
  } finally {
    await service.close()
  }
}

async function groupMembers (kafka: Kafka, groupId: string): Promise<number> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const { groups } = await admin.describeGroups([groupId])
    return groups[0]?.state === 'Stable' ? groups[0].members.length : 0
  } finally {
    await admin.disconnect()
  }
}

async function consumedAll (kafka: Kafka, groupId: string, topic: string): Promise<boolean> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const ends = await admin.fetchTopicOffsets(topic)
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] })
    const at = new Map((committed?.partitions ?? []).map(p => [p.partition, Number(p.offset)]))
    return ends.every(p => Number(p.high) === 0 || (at.get(p.partition) ?? -1) >= Number(p.high))
  } finally {
    await admin.disconnect()
  }
}

async function waitFor (condition: () => Promise<boolean>, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('the Kafka benchmark timed out')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes('--quick')
  const rows = await benchKafka(quick ? kafkaBenchQuick : kafkaBenchDefaults)
  process.stdout.write(`${consoleTable(rows)}\n`)
}
