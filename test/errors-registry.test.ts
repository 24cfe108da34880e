import t from 'tap'
import { readFileSync } from 'node:fs'
import { errorCodes } from '../src/errors.ts'

t.test('docs/errors.md documents exactly the codes of the registry, with their statuses', async t => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8')
  const documented = new Map([...doc.matchAll(/^\| `(MS_ERR_[A-Z_]+)` \| (\d{3}) \|/gm)].map(m => [String(m[1]), Number(m[2])]))
  for (const [code, { status }] of Object.entries(errorCodes)) {
    t.equal(documented.get(code), status, `${code} is documented with status ${status}`)
  }
  t.same([...documented.keys()].filter(code => !(code in errorCodes)), [], 'no documented code is missing from the registry')
})

t.test('every code is a client error or a documented server condition', async t => {
  for (const [code, { status, description }] of Object.entries(errorCodes)) {
    t.ok(status >= 400 && status < 600, `${code} maps to an error status`)
    t.ok(description.length > 20, `${code} has a description a person can act on`)
  }
})
