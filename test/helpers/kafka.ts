// A real Apache Kafka broker for a test file (scripts/kafka/broker.ts: KRaft, one node, on a
// free loopback port, in a temp dir), stopped and removed in teardown; and what the Kafka
// tests ask of it: topics, everything a topic holds, a group's committed offsets.
import type { Test } from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Kafka, logLevel, type IHeaders } from 'kafkajs'
import { pino, type Logger } from 'pino'
import { startBroker, type Broker } from '../../scripts/kafka/broker.ts'
import type { Service } from '../../src/service.ts'
import type { KafkaConfig } from '../../src/config.ts'
import type { StorageChoice } from '../../src/storage.ts'
import { harness, type Harness } from './harness.ts'

export async function startTestBroker (t: Test): Promise<Broker> {
  const dir = await mkdtemp(join(tmpdir(), 'mastery-sync-kafka-'))
  let broker: Broker
  try {
    broker = await startBroker({ dir })
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  t.teardown(async () => {
    await broker.stop()
    await rm(dir, { recursive: true, force: true })
  })
  return broker
}

/** A client for the test's own reading and writing; kafkajs's retry chatter stays out of the TAP output. */
export function testKafka (broker: Broker): Kafka {
  return new Kafka({ clientId: 'test', brokers: [...broker.brokers], logLevel: logLevel.NOTHING })
}

export const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`

/** The Kafka settings of a service under test: fresh topics and group unless given. */
export function kafkaSettings (broker: Broker, given: Partial<KafkaConfig> = {}): KafkaConfig {
  return {
    brokers: broker.brokers,
    clientId: 'mastery-sync-test',
    exportTopic: uniqueName('events'),
    ingestTopic: uniqueName('activity'),
    dlqTopic: uniqueName('activity-dlq'),
    groupId: uniqueName('ingest'),
    ...given
  }
}

export async function createTopic (kafka: Kafka, topic: string, numPartitions: number): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true })
  } finally {
    await admin.disconnect()
  }
}

export interface TopicRecord {
  readonly partition: number
  readonly offset: number
  readonly key: string | null
  readonly value: string | null
  readonly headers: Record<string, string>
  readonly timestamp: string
}

const headerText = (headers: IHeaders | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.map(String).join(',') : String(v)]))

/** Every record the topic holds now, in each partition's order (partitions one after the other). */
export async function readTopic (kafka: Kafka, topic: string): Promise<TopicRecord[]> {
  const admin = kafka.admin()
  await admin.connect()
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect())
  const wanted = new Map(ends.filter(p => Number(p.high) > Number(p.low)).map(p => [p.partition, Number(p.high)]))
  const records: TopicRecord[] = []
  if (wanted.size === 0) return records
  const consumer = kafka.consumer({ groupId: uniqueName('reader') })
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    const reached = new Set<number>()
    await new Promise<void>((resolve, reject) => {
      consumer.run({
        eachMessage: async ({ partition, message }) => {
          const offset = Number(message.offset)
          const end = wanted.get(partition)
          if (end === undefined || offset >= end) return
          records.push({ partition, offset, key: message.key?.toString('utf8') ?? null, value: message.value?.toString('utf8') ?? null, headers: headerText(message.headers), timestamp: message.timestamp })
          if (offset === end - 1) reached.add(partition)
          if (reached.size === wanted.size) resolve()
        }
      }).catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset)
}

/** The group's committed offset per partition (-1: nothing committed yet). */
export async function committedOffsets (kafka: Kafka, groupId: string, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
    return new Map((offsets?.partitions ?? []).map(p => [p.partition, Number(p.offset)]))
  } finally {
    await admin.disconnect()
  }
}

/** The offset after the last record of each partition. */
export async function endOffsets (kafka: Kafka, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map(p => [p.partition, Number(p.high)]))
  } finally {
    await admin.disconnect()
  }
}

/** Until the group has committed every record the topic holds now. */
export async function waitUntilConsumed (kafka: Kafka, groupId: string, topic: string, timeoutMs = 60_000): Promise<void> {
  const ends = await endOffsets(kafka, topic)
  await waitFor(async () => {
    const committed = await committedOffsets(kafka, groupId, topic)
    return [...ends].every(([partition, end]) => end === 0 || (committed.get(partition) ?? -1) >= end)
  }, `group ${groupId} to commit everything in ${topic}`, timeoutMs)
}

/** Polls a condition until it holds; fails with what was awaited when it does not in time. */
export async function waitFor (condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

/** Log lines of a service under test, for waiting on what it reports. */
export interface CapturedLog {
  readonly logger: Logger
  readonly lines: Record<string, unknown>[]
}

export function capturedLog (): CapturedLog {
  const lines: Record<string, unknown>[] = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>) } })
  return { logger, lines }
}

/** A real service with Kafka on: the harness of test/helpers/harness.ts with these settings. */
export async function kafkaService (t: Test, options: { dir: string, kafka: KafkaConfig, log?: Logger, storage?: StorageChoice }): Promise<{ h: Harness, service: Service }> {
  const h = await harness(t, options)
  return { h, service: h.service }
}
