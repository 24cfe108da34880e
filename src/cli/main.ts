// The operator's command line: `npm run cli -- <command>` (or `npx mastery-sync <command>`).
// It works on the same DATA_DIR as the service; a running service picks up what it writes.
import { Argument, Command, InvalidArgumentError } from 'commander'
import { pino } from 'pino'
import { resolve } from 'node:path'
import { loadConfig, ConfigError } from '../config.ts'
import type { Service } from '../service.ts'
import type { StorageChoice } from '../storage.ts'
import type { Plan } from '../app/accounts.ts'
import { isoInstant } from '../app/history.ts'
import { projections } from '../../projections/index.ts'
import { progressBar } from './progress-bar.ts'

// Each command loads what it needs when it runs: the whole service (packaging, every store
// adapter) takes longer to load than a replay of a hundred thousand events takes to run.
const plans: readonly Plan[] = ['starter', 'growth', 'enterprise']

function parsePlan (value: string): Plan {
  if (!(plans as readonly string[]).includes(value)) throw new InvalidArgumentError(`choose one of ${plans.join(', ')}`)
  return value as Plan
}

async function withService<T> (fn: (service: Service) => Promise<T>): Promise<T> {
  const config = loadConfig()
  const { openService } = await import('../service.ts')
  const { storageFromConfig } = await import('../storage.ts')
  const service = await openService({ dataDir: config.dataDir, storage: storageFromConfig(config), publicUrl: config.publicUrl, log: pino({ level: 'silent' }), ...(config.tokenSecret === undefined ? {} : { tokenSecret: config.tokenSecret }) })
  try {
    return await fn(service)
  } finally {
    await service.close()
  }
}

const program = new Command()
  .name('mastery-sync')
  .description('Operate a mastery-sync store (uses DATA_DIR and the other settings of the service).')

const accounts = program.command('accounts').description('Manage accounts')
accounts.command('create')
  .description('Create an account and print its first admin key (shown once)')
  .requiredOption('--name <name>', 'account name')
  .option('--plan <plan>', `plan: ${plans.join(', ')}`, parsePlan, 'growth' as Plan)
  .option('--json', 'print JSON instead of text')
  .action(async (options: { name: string, plan: Plan, json?: boolean }) => {
    const { createAccount } = await import('../app/accounts.ts')
    const created = await withService(s => createAccount(s.ctx, { name: options.name, plan: options.plan }, 'cli'))
    if (options.json === true) process.stdout.write(JSON.stringify({ accountId: created.accountId, adminKey: created.adminKey }) + '\n')
    else process.stdout.write(`account:   ${created.accountId}\nadmin key: ${created.adminKey}\n(store the key safely: it is not shown again)\n`)
  })

program.command('copy-log')
  .description('Copy the whole event log of this store (STORE, DATA_DIR, DATABASE_URL, EVENTSTORE_URL) into another one, keeping order, ids and recorded times. Run it again to resume a copy that stopped.')
  .requiredOption('--to <store>', 'the target: sqlite:<data dir>, postgres://user@host:5432/db or esdb://host:2113?tls=false')
  .option('--batch <events>', 'events read per step', value => Number.parseInt(value, 10), 2000)
  .action(async (options: { to: string, batch: number }) => {
    const config = loadConfig()
    const target = parseTarget(options.to)
    const { projectionsModule } = await import('../../projections/index.ts')
    const { openStorage, storageFromConfig } = await import('../storage.ts')
    const { copyLog } = await import('../store/copy-log.ts')
    const context = { now: Date.now, tokenSecret: 'copy-log', projectionsModule, log: pino({ level: 'silent' }) }
    const from = await openStorage(storageFromConfig(config), { ...context, dataDir: config.dataDir })
    const to = await openStorage(target.choice, { ...context, dataDir: target.dataDir ?? config.dataDir })
    const bar = progressBar(process.stderr, { label: 'copying the log' })
    try {
      const result = await copyLog(from.store, to.store, {
        batchSize: options.batch,
        onProgress: ({ position, head, copied }) => bar.update(position, head, `position ${position} of ${head}, ${copied} copied`)
      })
      bar.done()
      process.stdout.write(`copied ${result.copied} events; the target now holds the log up to source position ${result.position}\n`)
    } finally {
      await from.store.close()
      await to.store.close()
      await from.close()
      await to.close()
    }
  })

const integer = (name: string) => (value: string): number => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be an integer ≥ 0`)
  return Number(value)
}

function parseInstant (value: string): number {
  const at = isoInstant(value)
  if (at === undefined) throw new InvalidArgumentError('give an ISO 8601 time such as 2026-03-01T08:00:00Z')
  return at
}

program.command('replay')
  .description('Write the event log, or a slice of it, as NDJSON to stdout or a file: one event per line, in log order, exactly as GET /v1/events writes them (password hashes redacted). Every account unless --account. Read-only: safe while services run on the same store; it reads up to the last event at its start.')
  .option('--out <file>', 'write to this file (default: stdout)')
  .option('--type <types>', 'only these event types, comma-separated (names in schemas/events.ts)')
  .option('--stream <streams>', 'only these streams, comma-separated: exact ids, or prefixes ending in * (quote them: "module-*")')
  .option('--from <time>', 'only events recorded at or after this instant (ISO 8601, e.g. 2026-03-01T08:00:00Z)')
  .option('--to <time>', 'only events recorded before this instant (ISO 8601)')
  .option('--account <accountId>', 'only this account\'s events')
  .option('--after <position>', 'start after this log position', integer('--after'))
  .option('--limit <events>', 'stop after this many events', integer('--limit'))
  .option('--batch <events>', 'events read from the store per step', integer('--batch'), 1000)
  .addHelpText('after', `
Examples:
  mastery-sync replay --out log.ndjson
  mastery-sync replay --type ActivityAnswered --from 2026-03-01T00:00:00Z --to 2026-04-01T00:00:00Z | head
  mastery-sync replay --stream "profile-*,module-*" --account acc_123

On a terminal a progress bar shows on stderr (not while the lines themselves go to the terminal).
`)
  .action(async (options: { out?: string, type?: string, stream?: string, from?: string, to?: string, account?: string, after?: number, limit?: number, batch: number }) => {
    const { replay } = await import('./replay.ts')
    const result = await replay(options)
    // The reader went away (| head): that is how such output ends, not a failure.
    if (result.cut) return
    if (options.out !== undefined) process.stdout.write(`wrote ${result.events} events (the log up to position ${result.head}) to ${options.out}\n`)
  })

program.command('rebuild')
  .description('Drop a projection\'s read model and rebuild it from the whole log, with a progress bar on stderr.')
  .addArgument(new Argument('<projection>', 'the projection to rebuild').choices(projections.map(p => p.name)))
  .addHelpText('after', `
It must be the only process writing read models of the store while it runs:
  - SQLite (STORE=sqlite): it refuses to start while another process has DATA_DIR's
    database open (a running service, or another command). Stop the service first, and
    start it again once the rebuild is done.
  - PostgreSQL (STORE=postgres, or STORE=eventstoredb with DATABASE_URL): it takes the lease
    service instances take turns on, and refuses while a running instance holds it. Service
    instances started during the rebuild serve reads from the read models as far as the
    rebuild has got, and one takes the lease once the rebuild has released it.
A rebuild that stops part-way (killed) leaves a read model the service completes when it
starts: from the rebuild's last checkpoint, or from zero for a projection replayed stream by
stream (mastery).
`)
  .action(async (name: string) => {
    const { rebuild } = await import('./rebuild.ts')
    const result = await rebuild(name)
    process.stdout.write(`rebuilt ${result.projection} up to log position ${result.position} in ${result.seconds.toFixed(1)} s\n`)
  })

program.command('mastery')
  .description('A learner\'s mastery per assigned profile at any instant, computed as GET /v1/learners/{id}/mastery?asOf= does: a pure fold of the events up to that instant.')
  .requiredOption('--learner <learnerId>', 'the learner')
  .option('--as-of <time>', 'the instant, ISO 8601 (default: now)', parseInstant)
  .option('--json', 'print JSON (the shape of the API\'s reply) instead of a table')
  .addHelpText('after', `
Read models: alone on the store, it first brings them up to the last event (as a service
does when it starts); while a service runs on the store, it reads what the service has
stored, waiting up to 10 s for it to reach the last event (and says so when it has not).
`)
  .action(async (options: { learner: string, asOf?: number, json?: boolean }) => {
    const { mastery, masteryTable } = await import('./mastery.ts')
    const report = await mastery(options.learner, options.asOf, message => process.stderr.write(`warning: ${message}\n`))
    process.stdout.write(options.json === true ? JSON.stringify(report) + '\n' : masteryTable(report))
  })

function parseTarget (spec: string): { choice: StorageChoice, dataDir?: string } {
  if (spec.startsWith('sqlite:')) return { choice: { kind: 'sqlite' }, dataDir: resolve(spec.slice('sqlite:'.length)) }
  if (/^postgres(ql)?:\/\//.test(spec)) return { choice: { kind: 'postgres', url: spec } }
  if (/^esdb(\+discover)?:\/\//.test(spec)) return { choice: { kind: 'eventstoredb', url: spec } }
  throw new InvalidArgumentError('--to must be sqlite:<data dir>, a postgres:// URL or an esdb:// URL')
}

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
