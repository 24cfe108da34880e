// One kafkajs client per component, logging through the service's pino logger.
import { Kafka, logLevel, type LogEntry } from 'kafkajs'
import type { Logger } from 'pino'
import type { KafkaConfig } from '../config.ts'

/** The part of the configuration a client needs (tests and the benchmark pass only this). */
export type KafkaConnection = Pick<KafkaConfig, 'brokers' | 'clientId'>

export function createKafka (connection: KafkaConnection, log: Logger): Kafka {
  return new Kafka({
    clientId: connection.clientId,
    brokers: [...connection.brokers],
    logLevel: logLevel.INFO,
    // kafkajs reports every retried request as an error (a coordinator still loading, a
    // broker restarting) and joins and leaves as info: those go to debug and warn, and what
    // it gives up on reaches us as a thrown error, which the components log themselves.
    logCreator: () => ({ namespace, level, log: entry }: { namespace: string, level: logLevel, log: LogEntry['log'] }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...details } = entry as LogEntry['log'] & { logger?: string }
      const fields = { kafkajs: namespace, ...details }
      if (level === logLevel.ERROR || level === logLevel.WARN) log.warn(fields, message)
      else log.debug(fields, message)
    }
  })
}
