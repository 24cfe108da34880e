import t, { type Test } from 'tap'
import { isAbsolute, resolve } from 'node:path'
import { ConfigError, loadConfig, type Config } from '../src/config.ts'

type Env = Record<string, string | undefined>

/** Asserts the settings are refused with a ConfigError and returns its problems. */
function problemsOf (t: Test, env: Env): readonly string[] {
  try {
    loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    t.fail(`expected a ConfigError, got ${String(error)}`)
    return []
  }
  t.fail(`expected ${JSON.stringify(env)} to be refused`)
  return []
}

/** Loads the settings, or records a failure naming the problems instead of crashing the test. */
function configOf (t: Test, env: Env, extra: { todo?: string } = {}): Config | undefined {
  try {
    return loadConfig(env)
  } catch (error) {
    t.fail(`expected ${JSON.stringify(env)} to load, got ${error instanceof Error ? error.message : String(error)}`, extra)
    return undefined
  }
}

const defaults: Config = {
  port: 3000,
  host: '127.0.0.1',
  dataDir: resolve('./data'),
  publicUrl: 'http://127.0.0.1:3000',
  store: 'sqlite',
  databaseUrl: undefined,
  eventstoreUrl: undefined,
  sqliteSynchronous: 'full',
  outboundAddresses: 'public',
  operatorToken: undefined,
  tokenSecret: undefined,
  seedDemo: true,
  logLevel: 'info',
  kafka: undefined,
  rateLimits: { loginPerMinute: 60, loginPerEmailPerMinute: 10, launchPerMinute: 600 },
  trustProxy: false
}

t.test('with nothing set, the service runs locally on port 3000 with a demo', async t => {
  const config = loadConfig({})
  t.strictSame(config, defaults)
  t.ok(isAbsolute(config.dataDir), 'DATA_DIR is resolved to an absolute path')
  t.equal(config.dataDir, resolve(process.cwd(), 'data'), 'DATA_DIR defaults to ./data under the working directory')
})

t.test('a blank setting counts as unset, and values are trimmed', async t => {
  t.strictSame(loadConfig({ PORT: '', HOST: '   ', PUBLIC_URL: '', SEED_DEMO: ' ', OPERATOR_TOKEN: '' }), defaults, 'blank settings')
  t.equal(loadConfig({ PORT: ' 8080 ' }).port, 8080, 'surrounding spaces are ignored')
})

t.test('each setting is read', async t => {
  const config = loadConfig({
    PORT: '8080',
    HOST: 'learn.internal',
    DATA_DIR: '/var/lib/mastery-sync',
    PUBLIC_URL: 'https://mastery.example.com',
    STORE: 'postgres',
    DATABASE_URL: 'postgres://mastery@db.internal:5432/mastery',
    EVENTSTORE_URL: 'esdb://es.internal:2113?tls=false',
    SQLITE_SYNCHRONOUS: 'normal',
    OPERATOR_TOKEN: 'o'.repeat(16),
    TOKEN_SECRET: 's'.repeat(32),
    SEED_DEMO: 'false',
    LOG_LEVEL: 'warn',
    OUTBOUND_ADDRESSES: 'any',
    RATE_LIMIT_LOGIN_PER_MINUTE: '100',
    RATE_LIMIT_LOGIN_PER_EMAIL_PER_MINUTE: '5',
    RATE_LIMIT_LAUNCH_PER_MINUTE: '5000',
    TRUST_PROXY: '10.0.0.0/8, 127.0.0.1'
  })
  t.strictSame(config, {
    port: 8080,
    host: 'learn.internal',
    dataDir: '/var/lib/mastery-sync',
    publicUrl: 'https://mastery.example.com',
    store: 'postgres',
    databaseUrl: 'postgres://mastery@db.internal:5432/mastery',
    eventstoreUrl: 'esdb://es.internal:2113?tls=false',
    sqliteSynchronous: 'normal',
    outboundAddresses: 'any',
    operatorToken: 'o'.repeat(16),
    tokenSecret: 's'.repeat(32),
    seedDemo: false,
    logLevel: 'warn',
    kafka: undefined,
    rateLimits: { loginPerMinute: 100, loginPerEmailPerMinute: 5, launchPerMinute: 5000 },
    trustProxy: ['10.0.0.0/8', '127.0.0.1']
  }, 'secrets of exactly the minimum length are accepted')
  t.equal(loadConfig({ TRUST_PROXY: '1' }).trustProxy, 1, 'TRUST_PROXY as a number of hops')
  t.equal(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, false)
  for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
    t.equal(loadConfig({ LOG_LEVEL: level }).logLevel, level, `LOG_LEVEL ${level}`)
  }
})

t.test('a relative DATA_DIR is resolved against the working directory', async t => {
  t.equal(loadConfig({ DATA_DIR: 'var/store' }).dataDir, resolve(process.cwd(), 'var/store'))
})

t.test('Kafka is off until KAFKA_BROKERS names brokers; then every topic has a default', async t => {
  t.equal(loadConfig({}).kafka, undefined, 'off by default')
  t.strictSame(loadConfig({ KAFKA_BROKERS: '127.0.0.1:9092, kafka-2.internal:19092' }).kafka, {
    brokers: ['127.0.0.1:9092', 'kafka-2.internal:19092'],
    clientId: 'mastery-sync',
    exportTopic: 'mastery-sync.events',
    ingestTopic: 'mastery-sync.activity',
    dlqTopic: 'mastery-sync.activity.dlq',
    groupId: 'mastery-sync.activity-ingest'
  }, 'defaults')
  t.strictSame(loadConfig({
    KAFKA_BROKERS: '[::1]:9092',
    KAFKA_CLIENT_ID: 'ms-eu-1',
    KAFKA_EXPORT_TOPIC: 'analytics.events-v2',
    KAFKA_INGEST_TOPIC: 'apps.activity',
    KAFKA_DLQ_TOPIC: 'apps.activity.refused',
    KAFKA_GROUP_ID: 'ms_ingest'
  }).kafka, {
    brokers: ['[::1]:9092'],
    clientId: 'ms-eu-1',
    exportTopic: 'analytics.events-v2',
    ingestTopic: 'apps.activity',
    dlqTopic: 'apps.activity.refused',
    groupId: 'ms_ingest'
  }, 'each setting is read')
})

t.test('PUBLIC_URL', async t => {
  t.test('is derived from HOST and PORT when unset', async t => {
    t.equal(loadConfig({ HOST: 'learn.internal', PORT: '8080' }).publicUrl, 'http://learn.internal:8080', 'a named host')
  })

  t.test('points at 127.0.0.1 when the service listens on every interface', async t => {
    t.equal(loadConfig({ HOST: '0.0.0.0', PORT: '8080' }).publicUrl, 'http://127.0.0.1:8080', 'HOST 0.0.0.0')
    t.equal(loadConfig({ HOST: '::', PORT: '8080' }).publicUrl, 'http://127.0.0.1:8080', 'HOST ::')
  })

  t.test('is a valid URL when HOST is an IPv6 address', async t => {
    t.equal(configOf(t, { HOST: '::1' })?.publicUrl, 'http://[::1]:3000', 'HOST ::1')
  })

  t.test('loses its trailing slashes, so links can be appended to it', async t => {
    t.equal(loadConfig({ PUBLIC_URL: 'https://mastery.example.com/' }).publicUrl, 'https://mastery.example.com', 'one slash')
    t.equal(loadConfig({ PUBLIC_URL: 'https://mastery.example.com///' }).publicUrl, 'https://mastery.example.com', 'several slashes')
    t.equal(loadConfig({ PUBLIC_URL: 'https://example.com/mastery/' }).publicUrl, 'https://example.com/mastery', 'under a path')
  })
})

t.test('each invalid setting is refused with a message naming it and saying what to fix', async t => {
  const cases: readonly [Env, RegExp][] = [
    [{ PORT: 'web' }, /^PORT must be an integer from 0 to 65535 \(got "web"\)$/],
    [{ PORT: '65536' }, /^PORT must be an integer from 0 to 65535 \(got "65536"\)$/],
    [{ PORT: '-1' }, /^PORT must be an integer from 0 to 65535 \(got "-1"\)$/],
    [{ PORT: '80.5' }, /^PORT must be an integer from 0 to 65535 \(got "80.5"\)$/],
    [{ STORE: 'mysql' }, /^STORE must be "sqlite", "postgres" or "eventstoredb" \(got "mysql"\)$/],
    [{ STORE: 'postgres' }, /^STORE=postgres needs DATABASE_URL \(postgres:\/\/user@host:5432\/db\)$/],
    [{ STORE: 'eventstoredb' }, /^STORE=eventstoredb needs EVENTSTORE_URL \(esdb:\/\/host:2113\?tls=false\)$/],
    [{ DATABASE_URL: 'mysql://root:hunter2@db/x' }, /^DATABASE_URL must be a PostgreSQL connection string such as postgres:\/\/user@host:5432\/db$/],
    [{ EVENTSTORE_URL: 'http://127.0.0.1:2113' }, /^EVENTSTORE_URL must be an EventStoreDB connection string such as esdb:\/\/host:2113\?tls=false$/],
    [{ SQLITE_SYNCHRONOUS: 'off' }, /^SQLITE_SYNCHRONOUS must be "full" or "normal" \(got "off"\)$/],
    [{ PUBLIC_URL: 'mastery.example.com' }, /^PUBLIC_URL must be an absolute URL such as https:\/\/mastery\.example\.com \(got "mastery\.example\.com"\)$/],
    [{ PUBLIC_URL: 'ftp://files.example.com' }, /^PUBLIC_URL must be an http\(s\) URL \(got "ftp:\/\/files\.example\.com"\)$/],
    [{ OPERATOR_TOKEN: 'o'.repeat(15) }, /^OPERATOR_TOKEN must be at least 16 characters long$/],
    [{ TOKEN_SECRET: 's'.repeat(31) }, /^TOKEN_SECRET must be at least 32 characters long$/],
    [{ SEED_DEMO: 'yes' }, /^SEED_DEMO must be "true" or "false" \(got "yes"\)$/],
    [{ LOG_LEVEL: 'verbose' }, /^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got "verbose"\)$/],
    [{ OUTBOUND_ADDRESSES: 'private' }, /^OUTBOUND_ADDRESSES must be "public" \(LMS and LRS calls reach public addresses only\) or "any" \(also private and loopback ones\) \(got "private"\)$/],
    [{ TRUST_PROXY: 'the load balancer' }, /^TRUST_PROXY must be a number of proxy hops \(e\.g\. 1\) or a comma-separated list of proxy addresses or networks/],
    [{ TRUST_PROXY: '10.0.0.0/8/9' }, /^TRUST_PROXY must be/],
    [{ RATE_LIMIT_LOGIN_PER_MINUTE: '0' }, /^RATE_LIMIT_LOGIN_PER_MINUTE must be a whole number of attempts per minute, 1 or more \(got "0"\)$/],
    [{ RATE_LIMIT_LAUNCH_PER_MINUTE: 'lots' }, /^RATE_LIMIT_LAUNCH_PER_MINUTE must be a whole number of attempts per minute, 1 or more \(got "lots"\)$/],
    [{ KAFKA_BROKERS: 'kafka.internal' }, /^KAFKA_BROKERS must be a comma-separated list of host:port such as 127\.0\.0\.1:9092 \(got "kafka\.internal"\)$/],
    [{ KAFKA_BROKERS: '127.0.0.1:9092,127.0.0.1:0' }, /^KAFKA_BROKERS must be a comma-separated list of host:port such as 127\.0\.0\.1:9092 \(got "127\.0\.0\.1:9092,127\.0\.0\.1:0"\)$/],
    [{ KAFKA_BROKERS: ',' }, /^KAFKA_BROKERS must be a comma-separated list of host:port/],
    [{ KAFKA_EXPORT_TOPIC: 'events' }, /^KAFKA_EXPORT_TOPIC is set but KAFKA_BROKERS is not: set KAFKA_BROKERS \(host:port,\.\.\.\) to turn Kafka on$/],
    [{ KAFKA_INGEST_TOPIC: 'activity in', KAFKA_BROKERS: '127.0.0.1:9092' }, /^KAFKA_INGEST_TOPIC must be 1 to 249 characters of A-Z, a-z, 0-9, "\.", "_" and "-" \(got "activity in"\)$/],
    [{ KAFKA_EXPORT_TOPIC: 'x'.repeat(250), KAFKA_BROKERS: '127.0.0.1:9092' }, /^KAFKA_EXPORT_TOPIC must be 1 to 249 characters/],
    [{ KAFKA_DLQ_TOPIC: '..', KAFKA_BROKERS: '127.0.0.1:9092' }, /^KAFKA_DLQ_TOPIC must be 1 to 249 characters/],
    [{ KAFKA_DLQ_TOPIC: 'mastery-sync.activity', KAFKA_BROKERS: '127.0.0.1:9092' }, /^KAFKA_DLQ_TOPIC must differ from KAFKA_INGEST_TOPIC \(both "mastery-sync\.activity"\): refused records would be read again$/],
    [{ KAFKA_EXPORT_TOPIC: 'mastery-sync.activity', KAFKA_BROKERS: '127.0.0.1:9092' }, /^KAFKA_EXPORT_TOPIC must differ from KAFKA_INGEST_TOPIC and KAFKA_DLQ_TOPIC \(got "mastery-sync\.activity"\)$/],
    [{ KAFKA_GROUP_ID: 'ingest/1', KAFKA_BROKERS: '127.0.0.1:9092' }, /^KAFKA_GROUP_ID must be 1 to 249 characters/],
    [{ KAFKA_CLIENT_ID: 'ms 1', KAFKA_BROKERS: '127.0.0.1:9092' }, /^KAFKA_CLIENT_ID must be 1 to 249 characters/]
  ]
  for (const [env, expected] of cases) {
    const [name, value] = Object.entries(env)[0] ?? []
    t.test(`${name}=${value}`, async t => {
      const problems = problemsOf(t, env)
      t.ok(problems.some(p => expected.test(p)), `the problems include ${expected}: ${JSON.stringify(problems)}`)
      t.throws(() => loadConfig(env), { name: 'ConfigError', message: new RegExp(`^Invalid configuration:\\n  - [^]*${name}`) }, 'the error message lists it')
    })
  }
})

t.test('an invalid PORT is reported once, as a PORT problem, not also blamed on the PUBLIC_URL derived from it', async t => {
  t.strictSame(problemsOf(t, { PORT: 'web' }), ['PORT must be an integer from 0 to 65535 (got "web")'], 'PORT=web')
  t.strictSame(problemsOf(t, { PORT: '70000' }), ['PORT must be an integer from 0 to 65535 (got "70000")'], 'PORT=70000')
})

t.test('secrets that are too short are not echoed in the message', async t => {
  const operatorToken = 'tooShortToken'
  const tokenSecret = 'not-quite-long-enough-secret'
  const problems = problemsOf(t, { OPERATOR_TOKEN: operatorToken, TOKEN_SECRET: tokenSecret })
  t.equal(problems.length, 2, 'both are refused')
  t.notOk(problems.some(p => p.includes(operatorToken) || p.includes(tokenSecret)), 'neither secret appears in the problems')
})

t.test('every problem is reported together, so one restart fixes them all', async t => {
  const env = { PORT: 'web', PUBLIC_URL: 'https://mastery.example.com', STORE: 'mysql', SEED_DEMO: 'yes', LOG_LEVEL: 'loud', TOKEN_SECRET: 'short' }
  const problems = problemsOf(t, env)
  t.strictSame(problems.map(p => p.split(' ')[0]), ['PORT', 'STORE', 'TOKEN_SECRET', 'SEED_DEMO', 'LOG_LEVEL'], 'one problem per invalid setting')
  t.throws(() => loadConfig(env), { message: `Invalid configuration:\n  - ${problems.join('\n  - ')}` }, 'the message lists each problem on its own line')
})

t.test('the configuration cannot be changed once loaded', async t => {
  const config = loadConfig({})
  t.ok(Object.isFrozen(config), 'it is frozen')
  t.throws(() => { (config as { port: number }).port = 80 }, TypeError, 'assigning a setting throws')
  t.equal(config.port, 3000, 'and leaves it unchanged')
})
