// JSON Schemas of the admin's progress routes: the account's learners, a profile's learners with
// their progress, and a learner's LMS commit history. Each with a $id, like the other HTTP schemas.
import { Type, type TSchema, type TObject, type TProperties, type ObjectOptions } from '@sinclair/typebox'
import { Id, IsoTime } from './common.ts'
import { PackageFormat } from './events.ts'

const base = 'https://mastery-sync.dev/schemas/http/'
const object = <T extends TProperties>(name: string, properties: T, options: ObjectOptions = {}): TObject<T> =>
  Type.Object(properties, { $id: `${base}${name}.json`, title: name, additionalProperties: false, ...options })

const Progress = Type.Number({ minimum: 0, maximum: 1, description: 'Mean over the profile\'s concepts of min(level, goal) ÷ goal (docs/mastery.md)' })

export const LearnerListReply = object('LearnerListReply', {
  learners: Type.Array(Type.Object({
    learnerId: Id,
    name: Type.String(),
    email: Type.String(),
    assignedProfileIds: Type.Array(Id),
    registeredAt: IsoTime
  }, { additionalProperties: false }))
})

export const ProfileProgressReply = object('ProfileProgressReply', {
  profileId: Id,
  asOf: IsoTime,
  learners: Type.Array(Type.Object({
    learnerId: Id,
    name: Type.String(),
    email: Type.String(),
    assignedAt: IsoTime,
    progress: Progress,
    mastered: Type.Boolean({ description: 'Every concept of the profile at or above its goal' })
  }, { additionalProperties: false }))
})

export const LmsCommitsQuery = object('LmsCommitsQuery', { profileId: Type.Optional(Id) })

export const LmsCommitsReply = object('LmsCommitsReply', {
  learnerId: Id,
  commits: Type.Array(Type.Object({
    sessionId: Id,
    packageId: Id,
    profileId: Id,
    format: PackageFormat,
    registration: Type.String({ description: 'One LMS user in one package, as the LMS names it' }),
    committedAt: IsoTime,
    mastered: Type.Boolean(),
    completionStatus: Type.Union([Type.Literal('completed'), Type.Literal('incomplete')]),
    successStatus: Type.Union([Type.Literal('passed'), Type.Literal('unknown')]),
    scoreRaw: Type.Integer({ minimum: 0, maximum: 100 }),
    progressMeasure: Type.Number({ minimum: 0, maximum: 1 }),
    sessionMs: Type.Integer({ minimum: 0, description: 'Time of this LMS session' }),
    totalLmsMs: Type.Integer({ minimum: 0, description: 'Time of every LMS session of the registration so far' })
  }, { additionalProperties: false }), { description: 'Oldest first; a commit happens only when a session launched from an LMS exits' })
})

export const progressHttpSchemas: readonly TSchema[] = [LearnerListReply, ProfileProgressReply, LmsCommitsQuery, LmsCommitsReply]
