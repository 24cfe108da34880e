// JSON Schemas of the LMS-link routes (R2): bodies, parameters and replies, each with a $id.
import { Type, type TSchema, type TObject, type TProperties, type ObjectOptions } from '@sinclair/typebox'
import { Id, IsoTime } from './common.ts'

const base = 'https://mastery-sync.dev/schemas/http/'
const object = <T extends TProperties>(name: string, properties: T, options: ObjectOptions = {}): TObject<T> =>
  Type.Object(properties, { $id: `${base}${name}.json`, title: name, additionalProperties: false, ...options })
const named = <T extends TSchema>(name: string, schema: T): T => ({ ...schema, $id: `${base}${name}.json`, title: name })

const Position = Type.Integer({ minimum: 0, description: 'Log position of the write; pass it as X-Min-Position to read your own write elsewhere' })
const LmsUserId = Type.String({ minLength: 1, maxLength: 255, description: 'The student id the LMS sends at launch (SCORM cmi.core.student_id / cmi.learner_id, AICC student_id, cmi5 actor). Opaque and case-sensitive; surrounding whitespace is dropped.' })
const Source = Type.Union([Type.Literal('admin'), Type.Literal('import'), Type.Literal('provisioned')], { description: 'How the link was made: by an admin, by a CSV import, or by provisioning an unknown LMS user at launch' })

export const LmsLinkLearnerParams = object('LmsLinkLearnerParams', { learnerId: Id })
export const LmsLinkParams = object('LmsLinkParams', { learnerId: Id, lmsUserId: LmsUserId })
export const LmsLinksQuery = object('LmsLinksQuery', { learnerId: Type.Optional(Id) })

export const LmsLinkBody = object('LmsLinkBody', { lmsUserId: LmsUserId })
export const LmsLinkReply = object('LmsLinkReply', { learnerId: Id, lmsUserId: Type.String(), position: Position })
export const LmsUnlinkReply = object('LmsUnlinkReply', { position: Position })

export const LearnerLmsLinksReply = object('LearnerLmsLinksReply', {
  learnerId: Id,
  links: Type.Array(Type.Object({ lmsUserId: Type.String(), source: Source, linkedAt: IsoTime }, { additionalProperties: false }))
})
export const AccountLmsLinksReply = object('AccountLmsLinksReply', {
  links: Type.Array(Type.Object({ lmsUserId: Type.String(), learnerId: Id, source: Source, linkedAt: IsoTime }, { additionalProperties: false }))
})

export const LmsLinksCsv = named('LmsLinksCsv', Type.String({
  maxLength: 1024 * 1024,
  description: 'CSV (text/csv or text/plain, UTF-8, BOM allowed) with the columns learner (email or learner id) and lmsUserId; a header row is optional; "," or ";" delimited; at most 10,000 rows'
}))
export const LmsLinksImportReply = object('LmsLinksImportReply', {
  linked: Type.Integer({ minimum: 0 }),
  unchanged: Type.Integer({ minimum: 0 }),
  failed: Type.Integer({ minimum: 0 }),
  rows: Type.Array(Type.Object({
    row: Type.Integer({ minimum: 1, description: 'Line of the file the row starts on (1-based)' }),
    learner: Type.String({ description: 'The learner column as given' }),
    lmsUserId: Type.String(),
    learnerId: Type.Optional(Id),
    status: Type.Union([Type.Literal('linked'), Type.Literal('unchanged'), Type.Literal('failed')]),
    code: Type.Optional(Type.String({ description: 'Stable code from docs/errors.md, for failed rows' })),
    message: Type.Optional(Type.String({ description: 'What is wrong with the row and what to do' }))
  }, { additionalProperties: false }))
})

export const lmsLinkHttpSchemas: readonly TSchema[] = [
  LmsLinkLearnerParams, LmsLinkParams, LmsLinksQuery, LmsLinkBody, LmsLinkReply, LmsUnlinkReply,
  LearnerLmsLinksReply, AccountLmsLinksReply, LmsLinksCsv, LmsLinksImportReply
]
