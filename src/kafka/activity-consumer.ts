// Reads app-client activity from a Kafka topic and appends it to the log through the same
// code path as POST /v1/activity (src/app/activity-ingest.ts): the same schema, the same
// checks (learner and activity of the account, occurredAt range), the same events. Every
// instance runs one; they share the topic's partitions as one consumer group.
//
// At least once, appended once: a partition's offset is committed only after every record
// up to it was appended (or sent to the dead-letter topic), so a crash or a failed append
// re-reads them, and appending a record again is a no-op (its eventId is the event id).
// Records that can never be appended go to the dead-letter topic with the reason (a stable
// error code and a message) and the original record, and are not read again.
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Message, Producer } from 'kafkajs'
import { Partitioners } from 'kafkajs'
import type { Logger } from 'pino'
import type { AppContext } from '../app/context.ts'
import { ingestActivity } from '../app/activity-ingest.ts'
import { AppError, type ErrorCode } from '../errors.ts'
import { parseActivityRecord, type ActivityRecord } from './activity-record.ts'
import { ensureTopics } from './topics.ts'
import { Signal } from '../store/signal.ts'

export interface ActivityConsumerOptions {
  readonly topic: string
  readonly dlqTopic: string
  readonly groupId: string
  /** How long to wait for the read models the checks use to catch up with the log, before a second try of records naming what they do not know yet. */
  readonly catchUpMs?: number
  /** Partitions whose batches are processed at the same time (default 4). */
  readonly partitionsConcurrently?: number
}

/** Why a record was refused, as the dead-letter topic carries it. */
export interface Refusal { readonly code: ErrorCode | string, readonly message: string }

interface Entry { readonly message: KafkaMessage, readonly record: ActivityRecord }
interface Refused { readonly message: KafkaMessage, readonly refusal: Refusal, readonly entry?: Entry }

export class KafkaActivityConsumer {
  private consumer: Consumer | undefined
  private producer: Producer | undefined
  private starting: Promise<void> | undefined
  private stopped = false
  private readonly retry = new Signal()
  private readonly actorId: string

  constructor (
    private readonly ctx: AppContext,
    private readonly kafka: Kafka,
    private readonly log: Logger,
    private readonly options: ActivityConsumerOptions
  ) {
    // Shown as the actor of the events (metadata.actor), as an admin key's id is over HTTP.
    this.actorId = `kafka:${options.topic}`
  }

  /**
   * Joins the group in the background, trying again until the brokers answer: the service
   * serves HTTP (activity included) whether Kafka is up or not. Resolves once it consumes,
   * or once stop() is called.
   */
  start (): Promise<void> {
    this.stopped = false
    this.starting ??= this.connect().finally(() => { this.starting = undefined })
    return this.starting
  }

  private async connect (): Promise<void> {
    while (!this.stopped) {
      try {
        await ensureTopics(this.kafka, [this.options.topic, this.options.dlqTopic], this.log)
        const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false })
        this.producer = producer
        await producer.connect()
        // A fetch waits at most this long for records; leaving the group (stop) waits for the
        // fetch under way, so the default of 5 s would hold every shutdown that long.
        const consumer = this.kafka.consumer({ groupId: this.options.groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 })
        this.consumer = consumer
        consumer.on(consumer.events.CRASH, event => {
          this.log.error({ err: event.payload.error, restart: event.payload.restart }, 'Kafka activity consumer crashed')
        })
        await consumer.connect()
        await consumer.subscribe({ topics: [this.options.topic], fromBeginning: true })
        await consumer.run({
          // Batches of several partitions at once: their appends go into the same store
          // commits, and one partition's round trips do not hold up the others. A learner's
          // records (keyed by learner) stay on one partition, so their order is kept.
          partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 4,
          autoCommit: false,
          // Offsets are ours to resolve: only what is appended (or dead-lettered) counts as done.
          eachBatchAutoResolve: false,
          eachBatch: async payload => this.batch(payload)
        })
        this.log.info({ topic: this.options.topic, groupId: this.options.groupId }, 'ingesting activity from Kafka')
        return
      } catch (error) {
        this.log.error({ err: error, topic: this.options.topic }, 'could not start consuming activity from Kafka; trying again')
        await this.disconnect()
        await this.retry.wait(5000)
      }
    }
  }

  /** Leaves the group after the batch under way is appended and committed. */
  async stop (): Promise<void> {
    this.stopped = true
    this.retry.notify()
    await this.starting
    await this.disconnect()
  }

  private async disconnect (): Promise<void> {
    await this.consumer?.disconnect().catch(error => this.log.warn({ err: error }, 'Kafka activity consumer did not leave cleanly'))
    await this.producer?.disconnect().catch(() => {})
    this.consumer = undefined
    this.producer = undefined
  }

  private async batch ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const last = batch.messages[batch.messages.length - 1]
    if (last === undefined || !isRunning() || isStale()) return
    const refused: Refused[] = []
    const valid: Entry[] = []
    for (const message of batch.messages) {
      const parsed = parseActivityRecord(message.value)
      if (parsed.ok) valid.push({ message, record: parsed.record })
      else refused.push({ message, refusal: { code: parsed.code, message: parsed.message } })
    }
    try {
      const first = await this.appendAll(valid)
      // A learner or an activity made a moment ago (through HTTP, or another instance) may
      // not be in the read models the checks use yet: those records get a second chance
      // once the read models have caught up with the log. Waiting on every batch instead
      // would wait for the projection of our own appends.
      const unknown = first.filter(r => r.refusal.code === 'MS_ERR_NOT_FOUND')
      refused.push(...first.filter(r => r.refusal.code !== 'MS_ERR_NOT_FOUND'))
      if (unknown.length > 0) {
        await this.ctx.runner.waitFor(await this.ctx.store.headPosition(), { projections: ['learners', 'catalog'], timeoutMs: this.options.catchUpMs ?? 10_000 })
        refused.push(...await this.appendAll(unknown.map(r => r.entry as Entry)))
      }
      if (refused.length > 0) await this.deadLetter(batch.topic, batch.partition, refused)
    } catch (error) {
      // kafkajs reads the batch again (and, past its retries, restarts the consumer from the
      // committed offsets): records appended already are no-ops then.
      this.log.error({ err: error, topic: batch.topic, partition: batch.partition, firstOffset: batch.firstOffset(), lastOffset: last.offset }, 'appending activity from Kafka failed; its offsets stay uncommitted')
      throw error
    }
    // Only now is every record of the batch appended or dead-lettered: a failed append threw
    // above, and the offsets stay where they were.
    resolveOffset(last.offset)
    await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }] }] })
    await heartbeat()
  }

  /**
   * One learner's records in order, in one append; learners side by side, so the store
   * commits their appends together. Returns the records refused.
   */
  private async appendAll (entries: readonly Entry[]): Promise<Refused[]> {
    const groups = new Map<string, Entry[]>()
    for (const entry of entries) {
      const key = `${entry.record.accountId}/${entry.record.learnerId}`
      const group = groups.get(key)
      if (group === undefined) groups.set(key, [entry])
      else group.push(entry)
    }
    return (await Promise.all([...groups.values()].map(async group => this.append(group)))).flat()
  }

  /**
   * Appends one learner's records. POST /v1/activity refuses a whole batch for one bad item
   * and lists every bad item: those are refused here, and the rest is appended. Anything but
   * a refusal (the store failing) is thrown, and nothing of the Kafka batch is committed.
   */
  private async append (group: readonly Entry[]): Promise<Refused[]> {
    const refused: Refused[] = []
    let left = group
    while (left.length > 0) {
      const first = left[0] as Entry
      const submitter = { kind: 'admin' as const, accountId: first.record.accountId, keyId: this.actorId }
      try {
        await ingestActivity(this.ctx, submitter, left.map(entry => entry.record))
        return refused
      } catch (error) {
        if (!(error instanceof AppError)) throw error
        const items = (error.details as { items?: { index: number, code: string, message: string }[] } | undefined)?.items
        if (items === undefined || items.length === 0) {
          // Refused at the append (an event id used in another stream), after some of the
          // learner's records may be in: one by one, the ones appended already are no-ops.
          if (left.length === 1) return [...refused, { message: first.message, entry: first, refusal: { code: error.code, message: error.message } }]
          for (const entry of left) refused.push(...await this.append([entry]))
          return refused
        }
        const bad = new Set(items.map(item => item.index))
        for (const item of items) {
          const entry = left[item.index]
          if (entry !== undefined) refused.push({ message: entry.message, entry, refusal: { code: item.code, message: item.message } })
        }
        left = left.filter((_, index) => !bad.has(index))
      }
    }
    return refused
  }

  private async deadLetter (topic: string, partition: number, refused: readonly Refused[]): Promise<void> {
    const producer = this.producer
    if (producer === undefined) throw new Error('the Kafka activity consumer is stopped')
    const at = new Date(this.ctx.now()).toISOString()
    const messages: Message[] = refused.map(({ message, refusal }) => ({
      key: message.key,
      value: JSON.stringify({ error: refusal, record: original(topic, partition, message), refusedAt: at }),
      headers: { 'error-code': refusal.code, 'original-topic': topic, 'original-partition': String(partition), 'original-offset': message.offset }
    }))
    await producer.sendBatch({ topicMessages: [{ topic: this.options.dlqTopic, messages }], acks: -1 })
    for (const { message, refusal } of refused) this.log.warn({ topic, partition, offset: message.offset, code: refusal.code }, `activity record refused: ${refusal.message}`)
  }
}

/** The record as it was read: text where it is UTF-8, base64 where it is not. */
function original (topic: string, partition: number, message: KafkaMessage): Record<string, unknown> {
  const bytes = (buffer: Buffer | null | undefined, name: string): Record<string, string | null> => {
    if (buffer === null || buffer === undefined) return { [name]: null }
    const text = buffer.toString('utf8')
    return Buffer.from(text, 'utf8').equals(buffer) ? { [name]: text } : { [`${name}Base64`]: buffer.toString('base64') }
  }
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.map(String).join(',') : String(value)
  }
  return { topic, partition, offset: message.offset, timestamp: message.timestamp, ...bytes(message.key, 'key'), ...bytes(message.value, 'value'), headers }
}
