// Exports the event log to a Kafka topic for analysts: every event, in log order, keyed by
// its stream (one stream stays on one partition, in order), from its own checkpoint.
//
// No loss on a crash: the checkpoint (in the read-model store, like every reactor's) moves
// only after the broker acknowledged the events up to it, so a restart sends again what was
// in flight. Resent events are duplicates a reader can recognise: the same event id, position
// and bytes. The producer is idempotent and sends one request at a time, so a retry inside
// kafkajs neither doubles nor reorders a partition.
import type { Kafka, Message, Producer } from 'kafkajs'
import { Partitioners } from 'kafkajs'
import type { Logger } from 'pino'
import type { EventStore, RecordedEvent } from '../store/event-store.ts'
import type { ReadModelStore } from '../projections/projection.ts'
import { Signal } from '../store/signal.ts'
import { ensureTopics } from './topics.ts'
import { historyRecord } from '../app/history.ts'

/** Requests stay under the broker's default limit of 1 MiB (message.max.bytes), with room to spare. */
export const defaultRequestBytes = 768 * 1024

export interface EventExportOptions {
  readonly topic: string
  /** Events read from the log at a time; each read is sent, acknowledged and checkpointed together. */
  readonly batchEvents?: number
  /** Upper bound of one produce request, in bytes of values (brokers refuse a batch over message.max.bytes, 1 MB by default). */
  readonly requestBytes?: number
  /** Tests only: called after the broker acknowledged a batch and before its checkpoint is stored. */
  readonly afterAcknowledged?: (lastPosition: number) => Promise<void>
}

/** The checkpoint of the export to this topic: a new topic starts from position 0. */
export const exportCheckpointName = (topic: string): string => `kafka-export:${topic}`

export class KafkaEventExporter {
  private abort = new AbortController()
  private loop: Promise<void> | undefined
  private producer: Producer | undefined
  private position = 0
  private readonly progressed = new Signal()
  private readonly checkpoint: string
  private readonly batchEvents: number
  private readonly requestBytes: number

  constructor (
    private readonly store: EventStore,
    private readonly readModels: ReadModelStore,
    private readonly kafka: Kafka,
    private readonly log: Logger,
    private readonly options: EventExportOptions
  ) {
    this.checkpoint = exportCheckpointName(options.topic)
    this.batchEvents = options.batchEvents ?? 5000
    this.requestBytes = options.requestBytes ?? defaultRequestBytes
  }

  /** The log position up to which every event is acknowledged by the broker and checkpointed. */
  get exportedPosition (): number {
    return this.position
  }

  async start (): Promise<void> {
    this.position = (await this.readModels.checkpoint(this.checkpoint))?.position ?? 0
    this.abort = new AbortController()
    this.loop = this.run(this.abort.signal)
  }

  async stop (): Promise<void> {
    this.abort.abort()
    await this.loop
    await this.producer?.disconnect().catch(() => {})
    this.producer = undefined
  }

  /** Resolves once every event up to `position` is exported (tests, the benchmark). */
  async waitFor (position: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.position < position) {
      if (Date.now() > deadline) throw new Error(`the Kafka export did not reach position ${position} (at ${this.position})`)
      await this.progressed.wait(100)
    }
  }

  private async run (signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      // One subscription per attempt, ended with it: a failed attempt leaves none behind.
      const attempt = new AbortController()
      const stop = (): void => attempt.abort()
      signal.addEventListener('abort', stop, { once: true })
      let next: Promise<IteratorResult<RecordedEvent[]>> | undefined
      try {
        const producer = await this.connect()
        const batches = this.store.subscribe({ after: this.position, maxCount: this.batchEvents, signal: attempt.signal, lingerMs: 2 })[Symbol.asyncIterator]()
        next = batches.next()
        for (;;) {
          const result: IteratorResult<RecordedEvent[]> = await next
          if (result.done === true) break
          // The next batch is read from the store while this one waits for the broker.
          next = batches.next()
          const batch = result.value
          const last = batch[batch.length - 1]
          if (last === undefined) continue
          await this.send(producer, batch)
          await this.options.afterAcknowledged?.(last.position)
          await this.readModels.commit(this.checkpoint, { position: last.position, version: 1 }, new Map())
          this.position = last.position
          this.progressed.notify()
        }
        return
      } catch (error) {
        if (signal.aborted) return
        // The broker or the store is away: start again from the checkpoint, which resends
        // what was not acknowledged (a producer that failed may be broken: make a new one).
        this.log.error({ err: error, topic: this.options.topic, position: this.position }, 'Kafka export failed; retrying from the checkpoint')
        await this.producer?.disconnect().catch(() => {})
        this.producer = undefined
        await this.progressed.wait(1000, signal)
      } finally {
        attempt.abort()
        signal.removeEventListener('abort', stop)
        // A read under way when the attempt ended settles unseen.
        next?.catch(() => {})
      }
    }
  }

  private async connect (): Promise<Producer> {
    if (this.producer !== undefined) return this.producer
    await ensureTopics(this.kafka, [this.options.topic], this.log)
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // Java's partitioner (murmur2 of the key): Java and kafkajs consumers agree on where a stream lives.
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false
    })
    await producer.connect()
    this.producer = producer
    this.log.info({ topic: this.options.topic, after: this.position }, 'exporting the event log to Kafka')
    return producer
  }

  /** Sends the batch in order, in requests the broker accepts, each acknowledged before the next. */
  private async send (producer: Producer, batch: readonly RecordedEvent[]): Promise<void> {
    let messages: Message[] = []
    let bytes = 0
    for (const event of batch) {
      const message = exportMessage(event)
      const size = messageBytes(message)
      if (bytes + size > this.requestBytes && messages.length > 0) {
        await producer.sendBatch({ topicMessages: [{ topic: this.options.topic, messages }], acks: -1 })
        messages = []
        bytes = 0
      }
      messages.push(message)
      bytes += size
    }
    if (messages.length > 0) await producer.sendBatch({ topicMessages: [{ topic: this.options.topic, messages }], acks: -1 })
  }
}

/**
 * One event as a Kafka record. The value is the event as GET /v1/events shows it; the headers
 * repeat what a consumer filters or deduplicates on without parsing the value.
 */
export function exportMessage (event: RecordedEvent): Message {
  const data = event.data as Record<string, unknown> | null
  const recordedAt = new Date(event.recordedAt).toISOString()
  const headers: Record<string, string> = {
    'event-id': event.id,
    'event-type': event.type,
    'stream-id': event.streamId,
    'stream-revision': String(event.revision),
    position: String(event.position),
    'recorded-at': recordedAt
  }
  const occurredAt = data?.occurredAt
  if (typeof occurredAt === 'string') headers['occurred-at'] = occurredAt
  const accountId = event.metadata.accountId
  if (typeof accountId === 'string') headers['account-id'] = accountId
  return {
    key: event.streamId,
    // The event as GET /v1/events and replay show it, secrets redacted.
    value: JSON.stringify(historyRecord(event)),
    headers
  }
}

/** A record's size on the wire, near enough: its value and key in bytes (not characters), headers, framing. */
export function messageBytes (message: Message): number {
  let bytes = Buffer.byteLength(message.value as string) + Buffer.byteLength(String(message.key ?? '')) + 64
  for (const [name, value] of Object.entries(message.headers ?? {})) bytes += name.length + Buffer.byteLength(String(value)) + 8
  return bytes
}
