// Regenerates the table of docs/errors.md from the registry in src/errors.ts.
// Run: npx tsx scripts/generate-errors-doc.ts
import { readFileSync, writeFileSync } from 'node:fs'
import { errorCodes } from '../src/errors.ts'

const file = new URL('../docs/errors.md', import.meta.url)
const doc = readFileSync(file, 'utf8')
const header = '| code | HTTP status | meaning |\n|---|---|---|\n'
const start = doc.indexOf(header)
if (start < 0) throw new Error('docs/errors.md has no error table header')
const rows = Object.entries(errorCodes).map(([code, { status, description }]) => `| \`${code}\` | ${status} | ${description} |`).join('\n')
writeFileSync(file, doc.slice(0, start) + header + rows + '\n')
