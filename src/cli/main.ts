// The operator's command line: `npm run cli -- <command>` (or `npx mastery-sync <command>`).
// It works on the same DATA_DIR as the service; a running service picks up what it writes.
import { Command, InvalidArgumentError } from 'commander'
import { pino } from 'pino'
import { resolve } from 'node:path'
import { loadConfig, ConfigError } from '../config.ts'
import { openService, projectionsModule } from '../service.ts'
import { openStorage, storageFromConfig, type StorageChoice } from '../storage.ts'
import { copyLog, type CopyProgress } from '../store/copy-log.ts'
import { createAccount, type Plan } from '../app/accounts.ts'

const plans: readonly Plan[] = ['starter', 'growth', 'enterprise']

function parsePlan (value: string): Plan {
  if (!(plans as readonly string[]).includes(value)) throw new InvalidArgumentError(`choose one of ${plans.join(', ')}`)
  return value as Plan
}

async function withService<T> (fn: (service: Awaited<ReturnType<typeof openService>>) => Promise<T>): Promise<T> {
  const config = loadConfig()
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
    const context = { now: Date.now, tokenSecret: 'copy-log', projectionsModule, log: pino({ level: 'silent' }) }
    const from = await openStorage(storageFromConfig(config), { ...context, dataDir: config.dataDir })
    const to = await openStorage(target.choice, { ...context, dataDir: target.dataDir ?? config.dataDir })
    const bar = progressBar(process.stderr)
    try {
      const result = await copyLog(from.store, to.store, { batchSize: options.batch, onProgress: bar.update })
      bar.done()
      process.stdout.write(`copied ${result.copied} events; the target now holds the log up to source position ${result.position}\n`)
    } finally {
      await from.store.close()
      await to.store.close()
      await from.close()
      await to.close()
    }
  })

function parseTarget (spec: string): { choice: StorageChoice, dataDir?: string } {
  if (spec.startsWith('sqlite:')) return { choice: { kind: 'sqlite' }, dataDir: resolve(spec.slice('sqlite:'.length)) }
  if (/^postgres(ql)?:\/\//.test(spec)) return { choice: { kind: 'postgres', url: spec } }
  if (/^esdb(\+discover)?:\/\//.test(spec)) return { choice: { kind: 'eventstoredb', url: spec } }
  throw new InvalidArgumentError('--to must be sqlite:<data dir>, a postgres:// URL or an esdb:// URL')
}

/** A bar on a terminal; on anything else, a line every tenth. */
function progressBar (out: NodeJS.WriteStream) {
  let lastTenth = -1
  const started = Date.now()
  return {
    update ({ position, head, copied }: CopyProgress): void {
      const share = head === 0 ? 1 : Math.min(1, position / head)
      const rate = Math.round(copied / Math.max(0.001, (Date.now() - started) / 1000))
      if (out.isTTY) {
        const width = 30
        const filled = Math.round(share * width)
        out.write(`\rcopying the log [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(share * 100)}%  position ${position} of ${head}  ${rate} events/s `)
      } else if (Math.floor(share * 10) > lastTenth) {
        lastTenth = Math.floor(share * 10)
        out.write(`copying the log: ${Math.floor(share * 100)}% (position ${position} of ${head}, ${copied} copied)\n`)
      }
    },
    done (): void {
      if (out.isTTY) out.write('\n')
    }
  }
}

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
