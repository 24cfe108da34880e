// The service's Kafka parts, made from the configuration: the export of the log (run by the
// instance holding the lease, like the other work that must happen once) and the activity
// consumer (run by every instance: they share the partitions).
import type { Logger } from 'pino'
import type { KafkaConfig } from '../config.ts'
import type { AppContext } from '../app/context.ts'
import type { ReadModelStore } from '../projections/projection.ts'
import { createKafka } from './client.ts'
import { KafkaEventExporter } from './event-export.ts'
import { KafkaActivityConsumer } from './activity-consumer.ts'

export interface KafkaComponents {
  readonly exporter: KafkaEventExporter
  readonly activity: KafkaActivityConsumer
}

export function kafkaComponents (ctx: AppContext, readModels: ReadModelStore, config: KafkaConfig, log: Logger): KafkaComponents {
  const exportLog = log.child({ component: 'kafka-export' })
  const activityLog = log.child({ component: 'kafka-activity' })
  return {
    exporter: new KafkaEventExporter(ctx.store, readModels, createKafka(config, exportLog), exportLog, { topic: config.exportTopic }),
    activity: new KafkaActivityConsumer(ctx, createKafka(config, activityLog), activityLog, { topic: config.ingestTopic, dlqTopic: config.dlqTopic, groupId: config.groupId })
  }
}
