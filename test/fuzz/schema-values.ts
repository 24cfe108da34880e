// Values for fuzzing HTTP routes from their own JSON Schemas (the OpenAPI document the service
// serves): values that fit the schema but sit at its edges, and values that break it in one
// place. Seeded, so a failing case can be replayed.

// The benchmarks' seeded generator (mulberry32): the same sequence for the same seed everywhere.
export { seededRng as seeded, pick, type Rng } from '../../bench/support/rng.ts'
import { pick, type Rng } from '../../bench/support/rng.ts'

const int = (rng: Rng, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1))

/** Text that has broken parsers, templates, spreadsheets and terminals before. */
export const hostileText: readonly string[] = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  ']]><!--',
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
  '=HYPERLINK("http://127.0.0.1/x","click")',
  '+SUM(1,2)', '-2+3', '@cmd', '\t=1+1',
  "'; DROP TABLE events; --",
  '{{7*7}}${7*7}',
  '../../../../etc/passwd',
  '%00%2e%2e%2f',
  'a\u0000b',
  '\u202eevil\u202c',
  '\u200b\u200d\ufeff',
  'Z̷̢̛͓a̸͔̓l̵̡̈g̵̱̈́o̴̪̍',
  '🇩🇪👩🏽‍💻🏳️‍🌈',
  '\ud800',
  'line\r\nInjected: header',
  '\\',
  '   ',
  ''
]

const plainChars = 'abcXYZ019_-'
const wideChars = ['é', 'ß', '中', '🙂', '\u0301', ' ', '<', '&', '"', "'", '=', '\n', '\t']

function plainString (rng: Rng, length: number): string {
  let s = ''
  for (let i = 0; i < length; i++) s += plainChars[Math.floor(rng() * plainChars.length)]
  return s
}

function unicodeString (rng: Rng, length: number): string {
  let s = ''
  while ([...s].length < length) s += rng() < 0.5 ? pick(rng, wideChars) : plainChars[Math.floor(rng() * plainChars.length)]
  return s
}

type Schema = Record<string, any>

/** A value the schema accepts, chosen near its edges (longest, shortest, biggest, oddest). */
export function edgeValue (schema: Schema, rng: Rng, depth = 0): unknown {
  if (schema.const !== undefined) return schema.const
  if (Array.isArray(schema.enum)) return pick(rng, schema.enum)
  const alternatives = schema.anyOf ?? schema.oneOf
  if (Array.isArray(alternatives)) return edgeValue(pick(rng, alternatives), rng, depth)
  const type = Array.isArray(schema.type) ? pick(rng, schema.type) : schema.type
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {}
      const required = new Set<string>(schema.required ?? [])
      for (const [key, sub] of Object.entries<Schema>(schema.properties ?? {})) {
        if (required.has(key) || rng() < 0.6) out[key] = edgeValue(sub, rng, depth + 1)
      }
      return out
    }
    case 'array': {
      const min = schema.minItems ?? 0
      const max = Math.min(schema.maxItems ?? 5, depth > 2 ? 2 : 25)
      const n = pick(rng, [min, max, int(rng, min, Math.max(min, max))])
      return Array.from({ length: n }, () => edgeValue(schema.items ?? {}, rng, depth + 1))
    }
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1e9)
      const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 1e9)
      const n = pick(rng, [min, max, int(rng, Math.ceil(min), Math.floor(max))])
      return type === 'integer' ? Math.round(n) : n
    }
    case 'boolean': return rng() < 0.5
    case 'null': return null
    case 'string': return edgeString(schema, rng)
    default: return pick(rng, ['x', 1, true, null, {}])
  }
}

function edgeString (schema: Schema, rng: Rng): string {
  const min = schema.minLength ?? 0
  const max = Math.min(schema.maxLength ?? 300, 20_000)
  switch (schema.format) {
    case 'date-time': return pick(rng, [new Date().toISOString(), '2026-11-27T00:00:00.000Z', '2026-11-27T12:00:00+14:00', '1970-01-01T00:00:00Z'])
    case 'email': return pick(rng, ['a@b.co', `${plainString(rng, 40)}@example.org`, 'Ünï@exämple.org', '"quoted"@example.org'])
    case 'uri': return pick(rng, ['http://127.0.0.1/x', 'https://lms.example/path?x=1', 'javascript:alert(1)'])
  }
  const length = pick(rng, [min, max, int(rng, min, max)])
  // A pattern we cannot satisfy in general: stay with the characters ids allow.
  if (typeof schema.pattern === 'string') return plainString(rng, Math.max(length, 1))
  if (rng() < 0.3) {
    const text = pick(rng, hostileText)
    if ([...text].length >= min && text.length <= max) return text
  }
  return unicodeString(rng, length)
}

/** A value the schema refuses, broken in one place (or sometimes wholesale). */
export function brokenValue (schema: Schema, rng: Rng): unknown {
  const value = edgeValue(schema, rng)
  const wholesale = [null, 'text', 42, [], true, -1, 1e308, '9'.repeat(400), JSON.parse('{"__proto__":{"admin":true}}') as unknown, { constructor: { prototype: { x: 1 } } }]
  if (rng() < 0.2 || value === null || typeof value !== 'object' || Array.isArray(value)) return pick(rng, wholesale)
  const object = { ...(value as Record<string, unknown>) }
  const keys = Object.keys(schema.properties ?? {})
  const key = keys.length === 0 ? 'unexpected' : pick(rng, keys)
  switch (int(rng, 0, 5)) {
    case 0: delete object[key]; break
    case 1: object[key] = pick(rng, [null, 123, 'x', [], {}, true, -1, 1.5, '']); break
    case 2: object[`extra_${plainString(rng, 4)}`] = 'surprise'; break
    case 3: object[key] = 'x'.repeat(int(rng, 1000, 100_000)); break
    case 4: object[key] = nested(int(rng, 50, 2000)); break
    default: object[key] = pick(rng, hostileText)
  }
  return object
}

function nested (depth: number): unknown {
  let value: unknown = 'bottom'
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { v: value }
  return value
}

/** A path parameter: usually a real id of the fixture, sometimes anything at all. */
export function paramValue (real: readonly string[], rng: Rng): string {
  if (real.length > 0 && rng() < 0.6) return pick(rng, real)
  return pick(rng, [
    plainString(rng, int(rng, 1, 64)), 'x'.repeat(5000), '..', '%2e%2e', 'null', '0', '-1', '1e9',
    '🙂', 'a%00b', '%E2%80%AE', '<b>', "'", 'undefined', '__proto__', 'constructor'
  ])
}
