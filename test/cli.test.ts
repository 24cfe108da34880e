import t from 'tap'
import { spawnSync } from 'node:child_process'
import { harness } from './helpers/harness.ts'

const root = new URL('..', import.meta.url).pathname
const cli = (args: string[], dataDir: string) => spawnSync(process.execPath, [`${root}bin/mastery-sync.js`, ...args], { env: { ...process.env, DATA_DIR: dataDir }, encoding: 'utf8' })

t.test('operators create accounts from the command line; the key works in the API', async t => {
  const dir = t.testdir()
  const res = cli(['accounts', 'create', '--name', 'Acme Learning', '--plan', 'enterprise', '--json'], dir)
  t.equal(res.status, 0, res.stderr)
  const created = JSON.parse(res.stdout)
  t.match(created, { accountId: /^acc_/, adminKey: /^msk_/ })
  const h = await harness(t, { dir })
  t.equal((await h.request('GET', '/v1/profiles', { token: created.adminKey })).status, 200)
})

t.test('the command line explains bad input and has help', async t => {
  const dir = t.testdir()
  const bad = cli(['accounts', 'create', '--name', 'X', '--plan', 'gold'], dir)
  t.not(bad.status, 0)
  t.match(bad.stderr, /choose one of starter, growth, enterprise/)
  const help = cli(['accounts', 'create', '--help'], dir)
  t.equal(help.status, 0)
  t.match(help.stdout, /--plan <plan>/)
})

t.test('every command has --help that names its options', async t => {
  const dir = t.testdir()
  const expected: [string[], RegExp[]][] = [
    [[], [/accounts/, /copy-log/, /replay/, /rebuild/, /mastery/]],
    [['accounts', 'create'], [/--name <name>/, /--plan <plan>/, /--json/]],
    [['copy-log'], [/--to <store>/, /--batch <events>/]],
    [['replay'], [/--out <file>/, /--type <types>/, /--stream <streams>/, /--from <time>/, /--to <time>/, /--account <accountId>/, /--after <position>/, /--limit <events>/, /password\s+hashes\s+redacted/]],
    [['rebuild'], [/<projection>/, /"mastery"/, /refuses to start while another process/, /takes the lease/]],
    [['mastery'], [/--learner <learnerId>/, /--as-of <time>/, /--json/]]
  ]
  for (const [command, patterns] of expected) {
    const help = cli([...command, '--help'], dir)
    t.equal(help.status, 0, `${command.join(' ')} --help`)
    for (const pattern of patterns) t.match(help.stdout, pattern, `${command.join(' ') || 'mastery-sync'} --help: ${pattern}`)
  }
})
