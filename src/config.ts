// The only module that reads process.env. It validates every setting, fills
// defaults, freezes the result and fails fast with a message that says what to fix.
import { resolve } from 'node:path'

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
  /** Bearer token for operator routes (creating accounts); unset disables them. */
  readonly operatorToken: string | undefined
  /** Signs learner session tokens; generated into DATA_DIR when unset. */
  readonly tokenSecret: string | undefined
  readonly seedDemo: boolean
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
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
    operatorToken,
    tokenSecret,
    seedDemo: seedDemo === 'true',
    logLevel: logLevel as Config['logLevel']
  })
}
