// The command-line options load.ts and faults.ts share, with the defaults run.ts uses.
import { parseArgs } from 'node:util'
import type { ScenarioOptions } from './scenario.ts'
import type { StoreKind } from './stores.ts'

export const usage = `options:
  --store sqlite|postgres   the store (default sqlite; postgres makes a fresh database on PG_TEST_URL's server)
  --duration <s>            seconds of load (default 45)
  --lms-users <n>           LMS virtual users: launch, moment, answers, exit (default 10)
  --app-clients <n>         app clients posting activity batches (default 6)
  --kill-every <s>          faults: kill -9 the service this often (default 6)
  --pg-restarts <n>         faults on postgres: restarts of the PostgreSQL server (default 1, at most 2)
  --drop-connections-at <s>  postgres: end the service's pooled connections (not its lease) this many seconds in
  --json <file>             also write the result as JSON`

export function scenarioFromArgs (args: readonly string[], faults: boolean): { options: Omit<ScenarioOptions, 'log'>, json: string | undefined } {
  const { values } = parseArgs({
    args: [...args],
    options: {
      store: { type: 'string', default: 'sqlite' },
      duration: { type: 'string', default: '45' },
      'lms-users': { type: 'string', default: '10' },
      'app-clients': { type: 'string', default: '6' },
      'kill-every': { type: 'string', default: '6' },
      'pg-restarts': { type: 'string', default: '1' },
      'drop-connections-at': { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', default: false }
    }
  })
  if (values.help) {
    process.stdout.write(`${usage}\n`)
    process.exit(0)
  }
  const store = values.store as StoreKind
  if (store !== 'sqlite' && store !== 'postgres') throw new Error(`--store must be sqlite or postgres (got ${values.store})`)
  const number = (name: string, text: string, min: number, max: number): number => {
    const n = Number(text)
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${min} to ${max} (got ${text})`)
    return n
  }
  // Bounded on purpose: this is a check to run on a shared machine, not a soak test.
  return {
    options: {
      store,
      faults,
      durationMs: number('duration', values.duration, 1, 600) * 1000,
      lmsUsers: number('lms-users', values['lms-users'], 0, 200),
      appClients: number('app-clients', values['app-clients'], 0, 100),
      killEveryMs: number('kill-every', values['kill-every'], 1, 600) * 1000,
      pgRestarts: number('pg-restarts', values['pg-restarts'], 0, 2),
      eventsPerBatch: 10,
      drainMs: 30_000,
      ...(values['drop-connections-at'] === undefined ? {} : { dropConnectionsAtMs: number('drop-connections-at', values['drop-connections-at'], 0, 600) * 1000 })
    },
    json: values.json
  }
}
