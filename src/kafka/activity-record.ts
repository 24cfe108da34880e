// The record format of the Kafka activity topic (docs/kafka.md), and its check.
//
// A record's value is one item of POST /v1/activity's `events`, plus the account it belongs
// to. Over HTTP the credentials say which account (an admin key) or which learner (a session)
// is writing; a Kafka record carries no credentials (the topic's ACLs decide who may write),
// so it names the account, and the learner is required, as with an admin key. The service
// then checks, as for an admin key, that the learner and the activity belong to that account.
//
// The schema is built from the HTTP one (schemas/http.ts), so the two cannot drift, and is
// checked by ajv with the options the HTTP app uses.
import { Ajv, type ErrorObject } from 'ajv'
import formatsPlugin from 'ajv-formats'
import { Type, type TObject, type TProperties } from '@sinclair/typebox'
import { ActivityBatchBody } from '../../schemas/http.ts'
import { Id } from '../../schemas/common.ts'
import type { ActivityItem } from '../app/activity-ingest.ts'
import type { ErrorCode } from '../errors.ts'

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = formatsPlugin as unknown as typeof formatsPlugin.default

const httpItems = (ActivityBatchBody.properties.events.items as unknown as { anyOf: readonly TObject<TProperties>[] }).anyOf

/** An activity record's value: an item of POST /v1/activity with `accountId`, and `learnerId` required. */
export const KafkaActivityRecord = Type.Union(
  httpItems.map(item => Type.Object({ accountId: Id, ...item.properties, learnerId: Id }, { additionalProperties: false })),
  { $id: 'https://mastery-sync.dev/schemas/kafka/KafkaActivityRecord.json', title: 'KafkaActivityRecord' }
)

export type ActivityRecord = ActivityItem & { readonly accountId: string, readonly learnerId: string }

// The HTTP app's options (src/http/app.ts): the same record is accepted or refused either way.
const ajv = new Ajv({ allErrors: false, coerceTypes: 'array', useDefaults: true, removeAdditional: false, strict: false })
addFormats(ajv, ['date-time'])
// One validator per type, chosen by `type`: a refusal names the field that is wrong, not "must match a schema in anyOf".
const byType = new Map(httpItems.map((item, i) => {
  const type = (item.properties.type as unknown as { const: string }).const
  return [type, ajv.compile(KafkaActivityRecord.anyOf[i] as TObject)] as const
}))

export type ParsedRecord =
  | { readonly ok: true, readonly record: ActivityRecord }
  | { readonly ok: false, readonly code: ErrorCode, readonly message: string }

/** Reads and checks a record's value: the record, or why it is refused (a stable code and a message). */
export function parseActivityRecord (value: Buffer | null): ParsedRecord {
  if (value === null || value.length === 0) return { ok: false, code: 'MS_ERR_BAD_JSON', message: 'The record has no value; send one activity item as a JSON object.' }
  let json: unknown
  try {
    json = JSON.parse(value.toString('utf8'))
  } catch {
    return { ok: false, code: 'MS_ERR_BAD_JSON', message: 'The record value is not valid JSON.' }
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return { ok: false, code: 'MS_ERR_VALIDATION', message: 'record must be an object (one activity item).' }
  const type = (json as { type?: unknown }).type
  const validate = typeof type === 'string' ? byType.get(type) : undefined
  if (validate === undefined) return { ok: false, code: 'MS_ERR_VALIDATION', message: `record.type must be one of ${[...byType.keys()].join(', ')}.` }
  if (!validate(json)) return { ok: false, code: 'MS_ERR_VALIDATION', message: describe(validate.errors?.[0]) }
  return { ok: true, record: json as ActivityRecord }
}

// Worded as the HTTP error handler words a body that fails its schema (src/http/error-handler.ts).
function describe (first: ErrorObject | undefined): string {
  const path = first === undefined || first.instancePath === '' ? 'record' : `record${first.instancePath.replace(/\//g, '.')}`
  const extra = first?.keyword === 'additionalProperties' ? ` (unknown property "${String((first.params as { additionalProperty?: string }).additionalProperty)}")` : ''
  return `${path} ${first?.message ?? 'is not valid'}${extra}.`
}
