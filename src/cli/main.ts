// The operator's command line: `npm run cli -- <command>` (or `npx mastery-sync <command>`).
// It works on the same DATA_DIR as the service; a running service picks up what it writes.
import { Command, InvalidArgumentError } from 'commander'
import { pino } from 'pino'
import { loadConfig, ConfigError } from '../config.ts'
import { openService } from '../service.ts'
import { createAccount, type Plan } from '../app/accounts.ts'

const plans: readonly Plan[] = ['starter', 'growth', 'enterprise']

function parsePlan (value: string): Plan {
  if (!(plans as readonly string[]).includes(value)) throw new InvalidArgumentError(`choose one of ${plans.join(', ')}`)
  return value as Plan
}

async function withService<T> (fn: (service: Awaited<ReturnType<typeof openService>>) => Promise<T>): Promise<T> {
  const config = loadConfig()
  const service = await openService({ dataDir: config.dataDir, sqliteSynchronous: config.sqliteSynchronous, publicUrl: config.publicUrl, log: pino({ level: 'silent' }), ...(config.tokenSecret === undefined ? {} : { tokenSecret: config.tokenSecret }) })
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

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
