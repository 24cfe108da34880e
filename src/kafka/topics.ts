// Creates the topics the service uses when they do not exist yet, with the broker's defaults
// (partitions, replication). In production they are usually made beforehand, and the service
// may not be allowed to create topics: it says so and goes on, and producing or consuming
// then reports what is really missing.
import type { Kafka } from 'kafkajs'
import type { Logger } from 'pino'

export async function ensureTopics (kafka: Kafka, topics: readonly string[], log: Logger): Promise<void> {
  const admin = kafka.admin()
  try {
    await admin.connect()
    const existing = new Set(await admin.listTopics())
    const missing = topics.filter(topic => !existing.has(topic))
    if (missing.length === 0) return
    await admin.createTopics({ topics: missing.map(topic => ({ topic })), waitForLeaders: true })
    log.info({ topics: missing }, 'created Kafka topics')
  } catch (error) {
    // Another instance created it a moment ago, or we may not create topics: not fatal here.
    log.warn({ err: error, topics }, 'could not make sure the Kafka topics exist')
  } finally {
    await admin.disconnect().catch(() => {})
  }
}
