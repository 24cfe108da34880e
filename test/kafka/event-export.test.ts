// The event log exported to Kafka by a real service against a real broker: every event, in
// log order per stream, with its identity in headers, and a new topic gets the whole history.
import t, { type Test } from 'tap'
import type { Kafka } from 'kafkajs'
import { kafkaService, kafkaSettings, startTestBroker, testKafka, createTopic, readTopic, uniqueName, type TopicRecord } from '../helpers/kafka.ts'
import { messageBytes } from '../../src/kafka/event-export.ts'
import { buildProfile, newLearner } from '../helpers/harness.ts'
import type { Broker } from '../../scripts/kafka/broker.ts'
import type { RecordedEvent } from '../../src/store/event-store.ts'
import type { Service } from '../../src/service.ts'
import { freshDatabase } from '../helpers/pg.ts'
import { waitFor } from '../helpers/kafka.ts'

let broker: Broker
let kafka: Kafka
t.before(async () => {
  broker = await startTestBroker(t)
  kafka = testKafka(broker)
})

/** A real history (an account, content, learners, answers) and 2,000 events over 40 streams, interleaved. */
async function makeHistory (service: Service, h: Parameters<typeof buildProfile>[0]): Promise<void> {
  const { adminKey } = await h.newAccount()
  const profile = await buildProfile(h, adminKey, { concepts: 2 })
  for (let i = 0; i < 3; i++) {
    const learner = await newLearner(h, adminKey, profile.profileId)
    const activityId = profile.concepts[0]?.activities[0]?.activityId as string
    const res = await h.request('POST', '/v1/activity', { token: adminKey, body: { events: [{ eventId: `evt-export-${i}-0001`, type: 'ActivityAnswered', learnerId: learner.learnerId, activityId, selected: ['right'], responseMs: 1200, occurredAt: new Date(h.clock.now - 60_000).toISOString() }] } })
    if (res.status !== 202) throw new Error(res.text)
  }
  for (let round = 0; round < 50; round++) {
    await Promise.all(Array.from({ length: 40 }, async (_, s) =>
      service.ctx.store.append(`export-test-${s}`, [{ id: `exp-${s}-${round}`, type: 'ExportTestHappened', data: { round, stream: s }, metadata: { accountId: 'acc_exportTest' } }])))
  }
}

/** Asserts the topic holds each event of the log once (or again with the same bytes), per stream in log order. */
function checkExport (t: Test, records: readonly TopicRecord[], log: readonly RecordedEvent[], partitions = 1): void {
  const byId = new Map(log.map(e => [e.id, e]))
  const firstSeen = new Map<string, TopicRecord>()
  for (const record of records) {
    const id = record.headers['event-id'] as string
    const before = firstSeen.get(id)
    if (before === undefined) firstSeen.set(id, record)
    else if (before.value !== record.value) t.fail(`event ${id} was exported twice with different contents`)
  }
  t.equal(firstSeen.size, log.length, 'every event of the log is in the topic')
  t.same([...firstSeen.keys()].filter(id => !byId.has(id)), [], 'and nothing else')
  const partitionOf = new Map<string, Set<number>>()
  const lastPosition = new Map<string, number>()
  let outOfOrder = 0
  for (const record of records) {
    const key = record.key as string
    partitionOf.set(key, (partitionOf.get(key) ?? new Set()).add(record.partition))
    const position = Number(record.headers.position)
    if (position > (lastPosition.get(key) ?? 0)) lastPosition.set(key, position)
    else if (firstSeen.get(record.headers['event-id'] as string) === record) outOfOrder++
  }
  t.equal(outOfOrder, 0, 'each stream\'s events reach its partition in log order')
  t.ok([...partitionOf.values()].every(partitions => partitions.size === 1), 'a stream lives on one partition')
  if (partitions > 1) t.equal(new Set(records.map(r => r.partition)).size, partitions, 'the streams are spread over the partitions')
}

t.test('requests are sized in bytes, not characters: text outside ASCII cannot push one past the broker\'s limit', async t => {
  const ascii = messageBytes({ key: 'k', value: 'e'.repeat(1000) })
  const accented = messageBytes({ key: 'k', value: 'é'.repeat(1000) })
  const emoji = messageBytes({ key: 'k', value: '🙂'.repeat(1000) })
  t.ok(accented >= ascii + 1000, `2 bytes a character (${accented} vs ${ascii})`)
  t.ok(emoji >= ascii + 3000, `4 bytes a character (${emoji})`)
  t.ok(messageBytes({ key: 'k', value: 'x', headers: { 'event-id': 'a'.repeat(500) } }) > 500, 'headers count')
})

t.test('every event is exported in log order per stream, keyed by stream, its identity in headers', async t => {
  const settings = kafkaSettings(broker)
  await createTopic(kafka, settings.exportTopic, 4)
  const { h, service } = await kafkaService(t, { dir: t.testdir(), kafka: settings })
  await makeHistory(service, h)
  const log = await service.ctx.store.readAll({ maxCount: 100_000 })
  await service.kafka?.exporter.waitFor(log[log.length - 1]?.position ?? 0)
  const records = await readTopic(kafka, settings.exportTopic)
  t.equal(records.length, log.length, 'no event twice in a run without crashes')
  checkExport(t, records, log, 4)

  const byId = new Map(records.map(r => [r.headers['event-id'], r]))
  for (const event of log) {
    const record = byId.get(event.id)
    if (record === undefined) continue
    const value = JSON.parse(record.value as string)
    if (record.key !== event.streamId || record.headers['event-type'] !== event.type || record.headers['stream-id'] !== event.streamId ||
      record.headers.position !== String(event.position) || record.headers['stream-revision'] !== String(event.revision) ||
      record.headers['recorded-at'] !== new Date(event.recordedAt).toISOString() ||
      value.id !== event.id || value.position !== event.position || value.streamId !== event.streamId) {
      t.fail(`event ${event.id} (${event.type}) is not exported as it is in the log: ${JSON.stringify(record)}`)
    }
  }
  const answered = records.find(r => r.headers['event-type'] === 'ActivityAnswered')
  t.match(answered?.headers, { 'occurred-at': /^\d{4}-\d\d-\d\dT/, 'account-id': /^acc_/ }, 'activity carries when it happened and its account')
  t.same(JSON.parse(answered?.value as string).data, log.find(e => e.id === answered?.headers['event-id'])?.data, 'the value holds the event\'s data')
  const registered = records.find(r => r.headers['event-type'] === 'LearnerRegistered')
  t.equal(JSON.parse(registered?.value as string).data.passwordHash, '[redacted]', 'password hashes are not exported')
  const keyIssued = records.find(r => r.headers['event-type'] === 'AdminKeyIssued')
  t.equal(JSON.parse(keyIssued?.value as string).data.keyHash, '[redacted]', 'admin key hashes are not exported')
})

t.test('an export into a new topic starts from position 0 and republishes the whole history; the old topic resumes where it was', async t => {
  const dir = t.testdir()
  const first = kafkaSettings(broker)
  const second = { ...first, exportTopic: uniqueName('events-again') }

  const one = await kafkaService(t, { dir, kafka: first })
  await makeHistory(one.service, one.h)
  const head = await one.service.ctx.store.headPosition()
  await one.service.kafka?.exporter.waitFor(head)
  await one.service.close()

  // The same log, a new topic (the service makes it, with the broker's default of one partition): everything again, from the start.
  const two = await kafkaService(t, { dir, kafka: second })
  await two.service.kafka?.exporter.waitFor(head)
  const log = await two.service.ctx.store.readAll({ maxCount: 100_000 })
  const again = await readTopic(kafka, second.exportTopic)
  t.equal(again.length, log.length, 'the new topic holds the whole history')
  checkExport(t, again, log)
  await two.service.ctx.store.append('export-test-late', [{ id: 'exp-late-1', type: 'ExportTestHappened', data: {}, metadata: {} }])
  await two.service.close()

  // Back to the first topic: only what it has not had yet.
  const three = await kafkaService(t, { dir, kafka: first })
  const newHead = await three.service.ctx.store.headPosition()
  await three.service.kafka?.exporter.waitFor(newHead)
  const firstTopic = await readTopic(kafka, first.exportTopic)
  t.equal(firstTopic.length, log.length + 1, 'the first topic got the one event it lacked, and nothing twice')
  t.equal(firstTopic.filter(r => r.headers['event-id'] === 'exp-late-1').length, 1)
})

t.test('instances sharing PostgreSQL: only the lease holder exports; the next one resumes from its checkpoint', async t => {
  const database = await freshDatabase(t)
  const storage = { kind: 'postgres', url: database.url } as const
  const settings = kafkaSettings(broker)
  await createTopic(kafka, settings.exportTopic, 2)
  const first = await kafkaService(t, { dir: t.testdir(), kafka: settings, storage })
  const second = await kafkaService(t, { dir: t.testdir(), kafka: settings, storage })
  const append = async (service: Service, from: number, count: number) => {
    for (let i = from; i < from + count; i += 50) {
      await service.ctx.store.append(`shared-${i % 7}`, Array.from({ length: 50 }, (_, j) => ({ id: `shared-${i + j}`, type: 'ExportTestHappened', data: { n: i + j }, metadata: {} })))
    }
  }
  await append(second.service, 0, 500)
  await first.service.kafka?.exporter.waitFor(await first.service.ctx.store.headPosition())
  let log = await first.service.ctx.store.readAll({ maxCount: 100_000 })
  let records = await readTopic(kafka, settings.exportTopic)
  t.equal(records.length, log.length, 'the lease holder exported every event, and no other instance did (nothing twice)')
  t.equal(second.service.kafka?.exporter.exportedPosition, 0, 'the other instance does not export')

  // The holder stops; the other takes the lease and goes on from the stored checkpoint.
  await first.service.close()
  await append(second.service, 500, 300)
  const head = await second.service.ctx.store.headPosition()
  await waitFor(() => (second.service.kafka?.exporter.exportedPosition ?? 0) >= head, 'the next lease holder to export the new events')
  log = await second.service.ctx.store.readAll({ maxCount: 100_000 })
  records = await readTopic(kafka, settings.exportTopic)
  t.equal(records.length, log.length, 'it exported only what had not been exported, from the checkpoint')
  checkExport(t, records, log, 2)
})
