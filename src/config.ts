// The only module that reads process.env. It validates every setting, fills
// defaults, freezes the result and fails fast with a message that says what to fix.
import { resolve } from 'node:path'
import { isIP } from 'node:net'

export interface Config {
  readonly port: number
  readonly host: string
  /** Where the embedded store and local secrets live. */
  readonly dataDir: string
  /** The address packages, links and the docs point at (no trailing slash). */
  readonly publicUrl: string
  /** Where the event log lives: the embedded SQLite file (default), PostgreSQL or EventStoreDB. */
  readonly store: 'sqlite' | 'postgres' | 'eventstoredb'
  /** PostgreSQL: the log (STORE=postgres) or the read models (STORE=eventstoredb, optional). */
  readonly databaseUrl: string | undefined
  /** EventStoreDB connection string (STORE=eventstoredb). */
  readonly eventstoreUrl: string | undefined
  /** 'full' survives power loss; 'normal' survives a killed process only. */
  readonly sqliteSynchronous: 'full' | 'normal'
  /** Which addresses calls to LMSs and LRSs may reach (OUTBOUND_ADDRESSES): public ones only, or any. */
  readonly outboundAddresses: 'public' | 'any'
  /** Bearer token for operator routes (creating accounts); unset disables them. */
  readonly operatorToken: string | undefined
  /** Signs learner session tokens; generated into DATA_DIR when unset. */
  readonly tokenSecret: string | undefined
  readonly seedDemo: boolean
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** Sign-in and launch attempts per minute per client address (RATE_LIMIT_*). */
  readonly rateLimits: { readonly loginPerMinute: number, readonly loginPerEmailPerMinute: number, readonly launchPerMinute: number }
  /**
   * Which proxies in front of the service to believe about the client's address
   * (X-Forwarded-For), for rate limits and logs (TRUST_PROXY): none, a number of hops, or a list
   * of proxy addresses and networks.
   */
  readonly trustProxy: false | number | readonly string[]
  /** Kafka export and ingest (KAFKA_*); undefined when KAFKA_BROKERS is unset: Kafka is off. */
  readonly kafka: KafkaConfig | undefined
}

/** Where the event log is exported to and app-client activity is read from (docs/kafka.md). */
export interface KafkaConfig {
  /** host:port of the bootstrap brokers. */
  readonly brokers: readonly string[]
  readonly clientId: string
  /** Every event of the log, in log order, keyed by stream. */
  readonly exportTopic: string
  /** App-client activity to append. */
  readonly ingestTopic: string
  /** Activity records that were refused, with the reason. */
  readonly dlqTopic: string
  /** The consumer group the instances share the ingest topic's partitions in. */
  readonly groupId: string
}

export class ConfigError extends Error {
  constructor (readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ConfigError'
  }
}

type Env = Readonly<Record<string, string | undefined>>

export function loadConfig (env: Env = process.env): Config {
  const problems: string[] = []
  const read = (name: string): string | undefined => {
    const value = env[name]
    return value === undefined || value.trim() === '' ? undefined : value.trim()
  }

  const portText = read('PORT') ?? '3000'
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT must be an integer from 0 to 65535 (got "${read('PORT')}")`)

  const host = read('HOST') ?? '127.0.0.1'
  const dataDir = resolve(read('DATA_DIR') ?? './data')

  const store = read('STORE') ?? 'sqlite'
  if (store !== 'sqlite' && store !== 'postgres' && store !== 'eventstoredb') problems.push(`STORE must be "sqlite", "postgres" or "eventstoredb" (got "${store}")`)
  const databaseUrl = read('DATABASE_URL')
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL must be a PostgreSQL connection string such as postgres://user@host:5432/db')
  if (store === 'postgres' && databaseUrl === undefined) problems.push('STORE=postgres needs DATABASE_URL (postgres://user@host:5432/db)')
  const eventstoreUrl = read('EVENTSTORE_URL')
  if (eventstoreUrl !== undefined && !/^(esdb|esdb\+discover):\/\//.test(eventstoreUrl)) problems.push('EVENTSTORE_URL must be an EventStoreDB connection string such as esdb://host:2113?tls=false')
  if (store === 'eventstoredb' && eventstoreUrl === undefined) problems.push('STORE=eventstoredb needs EVENTSTORE_URL (esdb://host:2113?tls=false)')

  const synchronous = read('SQLITE_SYNCHRONOUS') ?? 'full'
  if (synchronous !== 'full' && synchronous !== 'normal') problems.push(`SQLITE_SYNCHRONOUS must be "full" or "normal" (got "${synchronous}")`)
  const outbound = read('OUTBOUND_ADDRESSES') ?? 'public'
  if (outbound !== 'public' && outbound !== 'any') problems.push(`OUTBOUND_ADDRESSES must be "public" (LMS and LRS calls reach public addresses only) or "any" (also private and loopback ones) (got "${outbound}")`)

  // Without PUBLIC_URL, links point at where we listen: wildcard addresses mean
  // loopback, and IPv6 literals need brackets in a URL.
  const listenHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  const defaultUrl = `http://${listenHost.includes(':') ? `[${listenHost}]` : listenHost}:${port}`
  const givenUrl = read('PUBLIC_URL')
  const publicUrl = (givenUrl ?? defaultUrl).replace(/\/+$/, '')
  if (givenUrl !== undefined) {
    try {
      const url = new URL(publicUrl)
      if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push(`PUBLIC_URL must be an http(s) URL (got "${publicUrl}")`)
    } catch {
      problems.push(`PUBLIC_URL must be an absolute URL such as https://mastery.example.com (got "${publicUrl}")`)
    }
  }

  const operatorToken = read('OPERATOR_TOKEN')
  if (operatorToken !== undefined && operatorToken.length < 16) problems.push('OPERATOR_TOKEN must be at least 16 characters long')

  const tokenSecret = read('TOKEN_SECRET')
  if (tokenSecret !== undefined && tokenSecret.length < 32) problems.push('TOKEN_SECRET must be at least 32 characters long')

  const seedDemo = read('SEED_DEMO') ?? 'true'
  if (seedDemo !== 'true' && seedDemo !== 'false') problems.push(`SEED_DEMO must be "true" or "false" (got "${seedDemo}")`)

  const logLevel = read('LOG_LEVEL') ?? 'info'
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
  if (!levels.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${levels.join(', ')} (got "${logLevel}")`)

  const perMinute = (name: string, fallback: number): number => {
    const text = read(name)
    if (text === undefined) return fallback
    const value = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN
    if (!(value >= 1)) problems.push(`${name} must be a whole number of attempts per minute, 1 or more (got "${text}")`)
    return value
  }
  const trustProxyText = read('TRUST_PROXY')
  let trustProxy: Config['trustProxy'] = false
  if (trustProxyText !== undefined && trustProxyText !== 'false') {
    if (/^\d{1,2}$/.test(trustProxyText)) {
      trustProxy = Number(trustProxyText)
    } else {
      const list = trustProxyText.split(',').map(item => item.trim()).filter(item => item !== '')
      const bad = list.find(item => { const [address, bits, extra] = item.split('/'); return extra !== undefined || isIP(address ?? '') === 0 || (bits !== undefined && !/^\d{1,3}$/.test(bits)) })
      if (list.length === 0 || bad !== undefined) problems.push(`TRUST_PROXY must be a number of proxy hops (e.g. 1) or a comma-separated list of proxy addresses or networks (e.g. 10.0.0.0/8,127.0.0.1) (got "${trustProxyText}")`)
      trustProxy = Object.freeze(list)
    }
  }
  const rateLimits = {
    loginPerMinute: perMinute('RATE_LIMIT_LOGIN_PER_MINUTE', 60),
    loginPerEmailPerMinute: perMinute('RATE_LIMIT_LOGIN_PER_EMAIL_PER_MINUTE', 10),
    launchPerMinute: perMinute('RATE_LIMIT_LAUNCH_PER_MINUTE', 600)
  }

  const kafka = readKafka(read, problems)

  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze({
    port,
    host,
    dataDir,
    publicUrl,
    store: store as Config['store'],
    databaseUrl,
    eventstoreUrl,
    sqliteSynchronous: synchronous as Config['sqliteSynchronous'],
    outboundAddresses: outbound as Config['outboundAddresses'],
    operatorToken,
    tokenSecret,
    seedDemo: seedDemo === 'true',
    logLevel: logLevel as Config['logLevel'],
    rateLimits: Object.freeze(rateLimits),
    trustProxy,
    kafka
  })
}

// Kafka's own rules for names: a topic is 1 to 249 of these characters (and not . or ..).
const kafkaName = /^[A-Za-z0-9._-]{1,249}$/
const kafkaBroker = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/

function readKafka (read: (name: string) => string | undefined, problems: string[]): KafkaConfig | undefined {
  const others = ['KAFKA_CLIENT_ID', 'KAFKA_EXPORT_TOPIC', 'KAFKA_INGEST_TOPIC', 'KAFKA_DLQ_TOPIC', 'KAFKA_GROUP_ID']
  const brokersText = read('KAFKA_BROKERS')
  if (brokersText === undefined) {
    // A topic set without brokers is a setting that would silently do nothing.
    const set = others.filter(name => read(name) !== undefined)
    if (set.length > 0) problems.push(`${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set but KAFKA_BROKERS is not: set KAFKA_BROKERS (host:port,...) to turn Kafka on`)
    return undefined
  }
  const brokers = brokersText.split(',').map(b => b.trim()).filter(b => b !== '')
  const badBroker = brokers.find(b => {
    const port = Number(kafkaBroker.exec(b)?.[2] ?? Number.NaN)
    return !(port >= 1 && port <= 65535)
  })
  if (brokers.length === 0 || badBroker !== undefined) problems.push(`KAFKA_BROKERS must be a comma-separated list of host:port such as 127.0.0.1:9092 (got "${brokersText}")`)
  const name = (variable: string, fallback: string): string => {
    const value = read(variable) ?? fallback
    if (!kafkaName.test(value) || value === '.' || value === '..') problems.push(`${variable} must be 1 to 249 characters of A-Z, a-z, 0-9, ".", "_" and "-" (got "${value}")`)
    return value
  }
  const config: KafkaConfig = {
    brokers,
    clientId: name('KAFKA_CLIENT_ID', 'mastery-sync'),
    exportTopic: name('KAFKA_EXPORT_TOPIC', 'mastery-sync.events'),
    ingestTopic: name('KAFKA_INGEST_TOPIC', 'mastery-sync.activity'),
    dlqTopic: name('KAFKA_DLQ_TOPIC', 'mastery-sync.activity.dlq'),
    groupId: name('KAFKA_GROUP_ID', 'mastery-sync.activity-ingest')
  }
  // Refused records sent back to the ingest topic would be read again for ever; exported
  // events read as activity would be refused one by one.
  if (config.dlqTopic === config.ingestTopic) problems.push(`KAFKA_DLQ_TOPIC must differ from KAFKA_INGEST_TOPIC (both "${config.ingestTopic}"): refused records would be read again`)
  if (config.exportTopic === config.ingestTopic || config.exportTopic === config.dlqTopic) problems.push(`KAFKA_EXPORT_TOPIC must differ from KAFKA_INGEST_TOPIC and KAFKA_DLQ_TOPIC (got "${config.exportTopic}")`)
  return Object.freeze({ ...config, brokers: Object.freeze(brokers) })
}
