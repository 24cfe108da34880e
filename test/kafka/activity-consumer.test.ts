// App-client activity read from Kafka by a real service against a real broker: valid records
// are appended as POST /v1/activity would append them, refused ones reach the dead-letter
// topic with the reason and the record, and offsets are committed only after the append.
import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { AssignerProtocol, Partitioners, type Kafka } from 'kafkajs'
import { pino } from 'pino'
import { kafkaService, kafkaSettings, startTestBroker, testKafka, createTopic, readTopic, waitUntilConsumed, committedOffsets, waitFor, capturedLog } from '../helpers/kafka.ts'
import { buildProfile, newLearner } from '../helpers/harness.ts'
import type { Broker } from '../../scripts/kafka/broker.ts'
import type { KafkaConfig } from '../../src/config.ts'
import { createKafka } from '../../src/kafka/client.ts'
import { KafkaActivityConsumer } from '../../src/kafka/activity-consumer.ts'

let broker: Broker
let kafka: Kafka
t.before(async () => {
  broker = await startTestBroker(t)
  kafka = testKafka(broker)
})

const minute = 60_000
const day = 24 * 60 * minute

async function produce (topic: string, records: readonly { key: string | null, value: string, partition?: number }[]): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  try {
    await producer.send({ topic, messages: records.map(r => ({ key: r.key, value: r.value, ...(r.partition === undefined ? {} : { partition: r.partition }) })), acks: -1 })
  } finally {
    await producer.disconnect()
  }
}

/** A service with Kafka on, an account with content and learners, and records to send for them. */
async function setup (t: Test, options: { partitions?: number, learners?: number, log?: ReturnType<typeof capturedLog>, dir?: string, settings?: KafkaConfig } = {}) {
  const settings = options.settings ?? kafkaSettings(broker)
  await createTopic(kafka, settings.ingestTopic, options.partitions ?? 1)
  const dir = options.dir ?? t.testdir()
  const { h, service } = await kafkaService(t, { dir, kafka: settings, ...(options.log === undefined ? {} : { log: options.log.logger }) })
  const { accountId, adminKey } = await h.newAccount()
  const profile = await buildProfile(h, adminKey, { concepts: 1 })
  const learners = []
  for (let i = 0; i < (options.learners ?? 2); i++) learners.push((await newLearner(h, adminKey, profile.profileId)).learnerId)
  const concept = profile.concepts[0] as { activities: { activityId: string }[] }
  const activityId = concept.activities[0]?.activityId as string
  const cards = await h.request('GET', `/v1/me/profiles/${profile.profileId}/cards`, { token: (await newLearner(h, adminKey, profile.profileId)).token })
  const cardId = cards.body?.cards?.[0]?.cardId as string | undefined
  const answer = (eventId: string, learnerId: string, extra: Record<string, unknown> = {}) => ({
    key: learnerId,
    value: JSON.stringify({ accountId, learnerId, eventId, type: 'ActivityAnswered', activityId, selected: ['right'], responseMs: 1500, occurredAt: new Date(Date.now() - minute).toISOString(), ...extra })
  })
  return { h, service, settings, accountId, adminKey, profile, learners, activityId, cardId, answer }
}

const activityEvents = async (service: Awaited<ReturnType<typeof setup>>['service']) =>
  (await service.ctx.store.readAll({ maxCount: 1_000_000 })).filter(e => e.streamId.startsWith('activity-'))

t.test('valid records are appended as POST /v1/activity appends them; refused ones go to the dead-letter topic with the reason and the record', async t => {
  const { h, service, settings, accountId, learners, cardId, answer } = await setup(t)
  const [a, b] = learners as [string, string]
  const other = await h.newAccount()
  const otherProfile = await buildProfile(h, other.adminKey, { concepts: 1 })
  const stranger = (await newLearner(h, other.adminKey, otherProfile.profileId)).learnerId

  const valid = [
    answer('kafka-a-000001', a),
    answer('kafka-a-000002', a, { selected: ['wrong'] }),
    answer('kafka-b-000001', b),
    ...(cardId === undefined ? [] : [{ key: b, value: JSON.stringify({ accountId, learnerId: b, eventId: 'kafka-b-000002', type: 'CardViewed', cardId, occurredAt: new Date(Date.now() - minute).toISOString() }) }]),
    answer('kafka-a-000003', a)
  ]
  t.ok(cardId !== undefined, 'the profile has a knowledge card to view')
  const refused = [
    { record: { key: a, value: '{"accountId": "' }, code: 'MS_ERR_BAD_JSON', message: /not valid JSON/ },
    { record: { key: a, value: JSON.stringify({ ...JSON.parse(answer('kafka-a-000009', a).value), learnerId: undefined }) }, code: 'MS_ERR_VALIDATION', message: /learnerId/ },
    { record: answer('kafka-a-000010', a, { selected: ['no-such-option'] }), code: 'MS_ERR_UNKNOWN_OPTION', message: /option/ },
    { record: answer('kafka-a-000011', a, { occurredAt: new Date(Date.now() - 31 * day).toISOString() }), code: 'MS_ERR_OCCURRED_AT_OUT_OF_RANGE', message: /./ },
    { record: answer('kafka-x-000001', stranger), code: 'MS_ERR_NOT_FOUND', message: new RegExp(stranger) }
  ]
  // Interleaved: a refused record of a learner does not hold back that learner's good ones.
  const [v0, v1, v2, v3, v4] = valid
  const records = [v0, refused[0]?.record, v1, refused[1]?.record, v2, refused[2]?.record, v3, refused[3]?.record, refused[4]?.record, v4, v0].filter(r => r !== undefined)
  await produce(settings.ingestTopic, records)
  await waitUntilConsumed(kafka, settings.groupId, settings.ingestTopic)

  const appended = await activityEvents(service)
  const validIds = valid.map(r => JSON.parse(r.value).eventId as string)
  t.same(appended.map(e => e.id).sort(), [...validIds].sort(), 'each valid record is appended once (the repeated one too), nothing else')
  t.same(appended.filter(e => e.streamId === `activity-${a}`).map(e => e.id), ['kafka-a-000001', 'kafka-a-000002', 'kafka-a-000003'], 'in the order of the topic, in the learner\'s stream')
  t.match(appended[0]?.metadata, { accountId, actor: { kind: 'app', id: `kafka:${settings.ingestTopic}` } }, 'recorded for the account, by the Kafka topic')
  t.match(appended.find(e => e.id === 'kafka-a-000002')?.data, { correct: false, selected: ['wrong'], source: 'app' }, 'decided like an HTTP answer')

  const dead = await readTopic(kafka, settings.dlqTopic)
  t.equal(dead.length, refused.length, 'each refused record is dead-lettered once')
  for (const expected of refused) {
    const letter = dead.find(d => JSON.parse(d.value as string).record.value === expected.record.value)
    if (letter === undefined) { t.fail(`no dead letter for ${expected.record.value}`); continue }
    const body = JSON.parse(letter.value as string)
    t.equal(body.error.code, expected.code, `${expected.code}: the reason's code`)
    t.match(body.error.message, expected.message, `${expected.code}: a message saying what is wrong`)
    t.equal(letter.headers['error-code'], expected.code, `${expected.code}: the code in a header too`)
    t.equal(letter.key, expected.record.key, `${expected.code}: the original key`)
    t.match(body.record, { topic: settings.ingestTopic, partition: 0, key: expected.record.key, value: expected.record.value }, `${expected.code}: the original record`)
    t.equal(body.record.offset, String(records.indexOf(expected.record)), `${expected.code}: and where it was read`)
  }
})

t.test('a failed append commits nothing: after a restart the record is read again and appended', async t => {
  const dir = t.testdir()
  const log = capturedLog()
  const first = await setup(t, { dir, log })
  const { settings, learners, answer } = first
  const learner = learners[0] as string
  await produce(settings.ingestTopic, [answer('kafka-ok-000001', learner)])
  await waitUntilConsumed(kafka, settings.groupId, settings.ingestTopic)
  t.equal((await activityEvents(first.service)).length, 1, 'the first record is appended')

  // The store refuses every append from now on, as a full disk or a broken database would.
  const db = new Database(join(dir, 'mastery-sync.sqlite'))
  db.exec("CREATE TRIGGER kafka_test_refuse BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'appends refused by the test'); END")
  await produce(settings.ingestTopic, [answer('kafka-late-000001', learner)])
  await waitFor(() => log.lines.some(l => l.component === 'kafka-activity' && l.msg === 'appending activity from Kafka failed; its offsets stay uncommitted' && JSON.stringify(l.err).includes('appends refused by the test')), 'the append to fail')
  t.same([...await committedOffsets(kafka, settings.groupId, settings.ingestTopic)], [[0, 1]], 'the offset stays after the first record')
  t.equal((await activityEvents(first.service)).length, 1, 'the second record is not in the log')

  await first.service.close()
  db.exec('DROP TRIGGER kafka_test_refuse')
  db.close()
  const again = await kafkaService(t, { dir, kafka: settings })
  await waitUntilConsumed(kafka, settings.groupId, settings.ingestTopic)
  t.same((await activityEvents(again.service)).map(e => e.id), ['kafka-ok-000001', 'kafka-late-000001'], 'after the restart the record is read again and appended, once')
  t.same([...await committedOffsets(kafka, settings.groupId, settings.ingestTopic)], [[0, 2]], 'and only then committed')
})

t.test('two instances share the partitions: every record is appended exactly once, also when one leaves', async t => {
  const { service, settings, learners, answer } = await setup(t, { partitions: 4, learners: 8 })
  // A second instance's consumer: same group, its own connection.
  const second = new KafkaActivityConsumer(service.ctx, createKafka(settings, pino({ level: 'silent' })), pino({ level: 'silent' }), { topic: settings.ingestTopic, dlqTopic: settings.dlqTopic, groupId: settings.groupId })
  t.teardown(() => second.stop())
  await second.start()
  const admin = kafka.admin()
  await admin.connect()
  t.teardown(() => admin.disconnect())
  await waitFor(async () => {
    const { groups } = await admin.describeGroups([settings.groupId])
    const group = groups[0]
    return group?.state === 'Stable' && group.members.length === 2
  }, 'both consumers to join the group')
  const { groups } = await admin.describeGroups([settings.groupId])
  const shares = (groups[0]?.members ?? []).map(member => AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[settings.ingestTopic] ?? [])
  t.same(shares.map(share => share.length), [2, 2], 'two members in the group, two partitions each')

  // Learner i's records on partition i % 4 (the key alone might leave a partition empty).
  const batch = (from: number, count: number) => Array.from({ length: count }, (_, i) => {
    const learner = (from + i) % learners.length
    return { ...answer(`kafka-shared-${String(from + i).padStart(6, '0')}`, learners[learner] as string), partition: learner % 4 }
  })
  await produce(settings.ingestTopic, batch(0, 2000))
  await waitUntilConsumed(kafka, settings.groupId, settings.ingestTopic)
  const partitions = await committedOffsets(kafka, settings.groupId, settings.ingestTopic)
  t.same([...partitions.values()], [500, 500, 500, 500], 'both members read their partitions to the end and committed')
  let ids = (await activityEvents(service)).map(e => e.id)
  t.equal(ids.length, 2000, 'every record is appended')
  t.equal(new Set(ids).size, 2000, 'none twice')

  // One instance leaves while records arrive: the other takes its partitions over.
  await produce(settings.ingestTopic, batch(2000, 1000))
  await second.stop()
  await waitUntilConsumed(kafka, settings.groupId, settings.ingestTopic)
  ids = (await activityEvents(service)).map(e => e.id)
  t.equal(ids.length, 3000, 'every record is appended after the other instance left')
  t.equal(new Set(ids).size, 3000, 'none twice')
})
