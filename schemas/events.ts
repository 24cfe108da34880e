// JSON Schemas of every event's data, one per event type, each with a stable $id.
// They are the contract of the log: analysts, the Kafka export and every adapter
// read these shapes. TypeScript types are derived from them (Static<>), never re-typed.
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Id, Plan, Goal, Email, IsoTime, OptionSchema, Attributes, Title, LongText, FrameOrigin } from './common.ts'

const event = <K extends string, T extends TSchema>(type: K, data: T) => Type.Object({
  type: Type.Literal(type),
  data
}, { $id: `https://mastery-sync.dev/schemas/events/${type}.json`, title: type })

// account-{accountId}
export const AccountCreated = event('AccountCreated', Type.Object({ accountId: Id, name: Title, plan: Plan }))
export const AccountPlanChanged = event('AccountPlanChanged', Type.Object({ plan: Plan }))
export const AdminKeyIssued = event('AdminKeyIssued', Type.Object({ keyId: Id, keyHash: Type.String({ pattern: '^[0-9a-f]{64}$' }), label: Title }))
export const AdminKeyRevoked = event('AdminKeyRevoked', Type.Object({ keyId: Id }))
export const AccountSettingsChanged = event('AccountSettingsChanged', Type.Object({
  unknownLmsUsers: Type.Union([Type.Literal('reject'), Type.Literal('provision')], { description: 'What a launch by an LMS user nobody linked does: refuse with a page telling the learner whom to ask, or create and link a learner' }),
  lmsOrigins: Type.Optional(Type.Array(FrameOrigin, { minItems: 1, maxItems: 50, description: 'The origins allowed to frame the player in an LMS launch (CSP frame-ancestors); absent: any origin' }))
}))

// module-{moduleId}: a module with its concepts, activities and knowledge cards
export const ModuleCreated = event('ModuleCreated', Type.Object({ moduleId: Id, accountId: Id, title: Title, description: Type.Optional(LongText) }))
export const ModuleChanged = event('ModuleChanged', Type.Object({ title: Type.Optional(Title), description: Type.Optional(LongText) }))
export const ModuleRemoved = event('ModuleRemoved', Type.Object({}))
export const ConceptAdded = event('ConceptAdded', Type.Object({ conceptId: Id, title: Title }))
export const ConceptChanged = event('ConceptChanged', Type.Object({ conceptId: Id, title: Title }))
export const ConceptRemoved = event('ConceptRemoved', Type.Object({ conceptId: Id }))
export const ActivityAdded = event('ActivityAdded', Type.Object({ activityId: Id, conceptId: Id, prompt: LongText, options: Type.Array(OptionSchema, { minItems: 2, maxItems: 10 }) }))
export const ActivityChanged = event('ActivityChanged', Type.Object({ activityId: Id, prompt: Type.Optional(LongText), options: Type.Optional(Type.Array(OptionSchema, { minItems: 2, maxItems: 10 })) }))
export const ActivityRemoved = event('ActivityRemoved', Type.Object({ activityId: Id }))
export const CardAdded = event('CardAdded', Type.Object({ cardId: Id, conceptId: Id, title: Title, body: LongText }))
export const CardChanged = event('CardChanged', Type.Object({ cardId: Id, title: Type.Optional(Title), body: Type.Optional(LongText) }))
export const CardRemoved = event('CardRemoved', Type.Object({ cardId: Id }))

// profile-{profileId}: a Mastery Profile
export const ProfileCreated = event('ProfileCreated', Type.Object({ profileId: Id, accountId: Id, name: Title }))
export const ProfileRenamed = event('ProfileRenamed', Type.Object({ name: Title }))
export const ProfileModuleGoalSet = event('ProfileModuleGoalSet', Type.Object({ moduleId: Id, goal: Goal }))
export const ProfileModuleRemoved = event('ProfileModuleRemoved', Type.Object({ moduleId: Id }))
export const LmsIntegrationToggled = event('LmsIntegrationToggled', Type.Object({ enabled: Type.Boolean() }))

// learner-email-{accountId}-{digest}: who holds an email address in an account
export const LearnerEmailClaimed = event('LearnerEmailClaimed', Type.Object({ learnerId: Id, accountId: Id }))

// learner-{learnerId}
export const LearnerRegistered = event('LearnerRegistered', Type.Object({
  learnerId: Id, accountId: Id, name: Title, email: Email, passwordHash: Type.String({ maxLength: 300 }), attributes: Attributes
}))
export const LearnerPasswordChanged = event('LearnerPasswordChanged', Type.Object({ passwordHash: Type.String({ maxLength: 300 }) }))
export const LearnerSignedIn = event('LearnerSignedIn', Type.Object({ sessionId: Id, expiresAt: IsoTime }))
export const LearnerSignedOut = event('LearnerSignedOut', Type.Object({ sessionId: Id }))
export const ProfileAssigned = event('ProfileAssigned', Type.Object({ profileId: Id, reason: Type.String({ minLength: 1, maxLength: 200 }) }))
export const ProfileUnassigned = event('ProfileUnassigned', Type.Object({ profileId: Id, reason: Type.String({ minLength: 1, maxLength: 200 }) }))

// activity-{learnerId}: what the learner did, in the learner's own time (occurredAt)
export const MomentStarted = event('MomentStarted', Type.Object({
  momentId: Id, learnerId: Id, kind: Type.Union([Type.Literal('mini'), Type.Literal('mastery')]),
  profileId: Type.Optional(Id), activityIds: Type.Array(Id, { maxItems: 50 }), occurredAt: IsoTime
}))
export const ActivityAnswered = event('ActivityAnswered', Type.Object({
  learnerId: Id, activityId: Id, conceptId: Id, moduleId: Id,
  selected: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 10 }),
  correct: Type.Boolean(), responseMs: Type.Integer({ minimum: 0, maximum: 3_600_000 }),
  occurredAt: IsoTime, momentId: Type.Optional(Id),
  source: Type.Union([Type.Literal('moment'), Type.Literal('app')])
}))
// package-{packageId}: an LMS package of a profile (a thin dispatch package)
export const PackageFormat = Type.Union([Type.Literal('scorm12'), Type.Literal('scorm2004'), Type.Literal('aicc'), Type.Literal('cmi5'), Type.Literal('xapi')])
export const PackageRequested = event('PackageRequested', Type.Object({
  packageId: Id, profileId: Id, accountId: Id, title: Title, description: Type.Optional(LongText), format: PackageFormat, revision: Type.Integer({ minimum: 1 })
}))
export const PackageRevised = event('PackageRevised', Type.Object({
  revision: Type.Integer({ minimum: 2 }),
  title: Title,
  description: Type.Optional(LongText),
  earliestLaunchRevision: Type.Optional(Type.Integer({ minimum: 1, description: 'Zips of revisions before this one no longer launch (their launch keys were revoked)' }))
}))
export const PackageBuilt = event('PackageBuilt', Type.Object({ revision: Type.Integer({ minimum: 1 }), checksum: Type.String({ pattern: '^[0-9a-f]{64}$' }), size: Type.Integer({ minimum: 1 }), fileName: Type.String({ maxLength: 300 }), serviceUrl: Type.String({ maxLength: 2000, description: 'The address the package launches against' }) }))
export const PackageBuildFailed = event('PackageBuildFailed', Type.Object({ revision: Type.Integer({ minimum: 1 }), reason: Type.String({ maxLength: 2000 }) }))
export const PackageRetired = event('PackageRetired', Type.Object({}))

// lms-link-{accountId}-{digest of the LMS user id}: who an LMS user is, in an account
export const LmsUserLinked = event('LmsUserLinked', Type.Object({
  accountId: Id, lmsUserId: Type.String({ minLength: 1, maxLength: 255 }), learnerId: Id,
  source: Type.Union([Type.Literal('admin'), Type.Literal('import'), Type.Literal('provisioned')])
}))
export const LmsUserUnlinked = event('LmsUserUnlinked', Type.Object({ learnerId: Id, lmsUserId: Type.String({ minLength: 1, maxLength: 255 }) }))

// lms-session-{sessionId}: one launch from an LMS, its exit and what the LMS was sent
const LmsValues = Type.Object({
  completionStatus: Type.Union([Type.Literal('completed'), Type.Literal('incomplete')]),
  successStatus: Type.Union([Type.Literal('passed'), Type.Literal('unknown')]),
  scoreRaw: Type.Integer({ minimum: 0, maximum: 100 }),
  scoreScaled: Type.Number({ minimum: 0, maximum: 1 }),
  progressMeasure: Type.Number({ minimum: 0, maximum: 1 }),
  sessionMs: Type.Integer({ minimum: 0 }),
  totalLmsMs: Type.Integer({ minimum: 0 }),
  exit: Type.Union([Type.Literal('suspend'), Type.Literal('normal')])
}, { description: 'What a commit tells the LMS (R15), independent of the SCORM version' })
export const LmsSessionLaunched = event('LmsSessionLaunched', Type.Object({
  sessionId: Id, accountId: Id, packageId: Id, packageRevision: Type.Integer({ minimum: 1 }), profileId: Id,
  format: PackageFormat, lmsUserId: Type.String({ minLength: 1, maxLength: 255 }), learnerId: Id,
  /** One learner in one LMS course: what "never downgraded" is scoped to. */
  registration: Type.String({ maxLength: 400 }),
  lmsReported: Type.Optional(Type.Object({ completionStatus: Type.Optional(Type.String({ maxLength: 40 })), successStatus: Type.Optional(Type.String({ maxLength: 40 })) })),
  /** AICC: the HACP session the service reports to, as the LMS gave it at launch (aicc_url, aicc_sid). */
  aicc: Type.Optional(Type.Object({ url: Type.String({ minLength: 1, maxLength: 2048 }), sessionId: Type.String({ minLength: 1, maxLength: 255 }) })),
  /**
   * cmi5 and xAPI (Tin Can): the LRS the service reports to and what the statements need, as
   * the launch gave them. The LRS credential is not here: it is kept sealed outside the log.
   */
  xapi: Type.Optional(Type.Object({
    kind: Type.Union([Type.Literal('cmi5'), Type.Literal('tincan')]),
    endpoint: Type.String({ minLength: 1, maxLength: 2048 }),
    /** The xAPI Agent of the learner. */
    actor: Type.Record(Type.String(), Type.Unknown()),
    activityId: Type.String({ minLength: 1, maxLength: 2048 }),
    registration: Type.Optional(Type.String({ maxLength: 64 })),
    /** cmi5: LMS.LaunchData as read at launch (contextTemplate, launchMode, returnURL, …). */
    launchData: Type.Optional(Type.Record(Type.String(), Type.Unknown()))
  }))
}))
export const LmsSessionExited = event('LmsSessionExited', Type.Object({
  how: Type.Union([Type.Literal('exit'), Type.Literal('unload'), Type.Literal('terminate')]), sessionMs: Type.Integer({ minimum: 0 })
}))
export const LmsProgressCommitted = event('LmsProgressCommitted', Type.Object({
  sessionId: Id, registration: Type.String({ maxLength: 400 }), packageId: Id, profileId: Id, learnerId: Id, lmsUserId: Type.String({ maxLength: 255 }),
  format: PackageFormat, values: LmsValues, mastered: Type.Boolean()
}))

// Delivering a commit to an LMS that the service reports to (AICC), in stream lms-delivery-{sessionId}.
/** A sender took the next attempt (appended with an expected revision: one sender per attempt). */
export const LmsDeliveryStarted = event('LmsDeliveryStarted', Type.Object({
  sessionId: Id, attempt: Type.Integer({ minimum: 1 }),
  /**
   * cmi5, xAPI: the verbs the registration had already delivered when the first attempt was
   * planned. Every attempt builds the same statements from it, so a retry resends exactly what
   * an earlier attempt may have got through.
   */
  sentBefore: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 10 }))
}))
/** The attempt did not get through; another follows at nextAttemptAt. */
export const LmsDeliveryAttemptFailed = event('LmsDeliveryAttemptFailed', Type.Object({
  sessionId: Id, attempt: Type.Integer({ minimum: 1 }), error: Type.String({ maxLength: 1000 }), nextAttemptAt: IsoTime,
  /**
   * AICC: the LMS confirmed the values (PutParam) before the attempt failed, so only closing the
   * session is left. cmi5, xAPI: Terminated was sent and may have got through.
   */
  valuesAccepted: Type.Boolean()
}))
export const LmsDelivered = event('LmsDelivered', Type.Object({
  sessionId: Id, attempt: Type.Integer({ minimum: 1 }),
  /** cmi5 and xAPI: the verbs of the statements the LRS accepted (completed and passed are sent once per registration). */
  verbs: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 10 })),
  /** With verbs: the registration they count for. */
  registration: Type.Optional(Type.String({ maxLength: 400 }))
}))
/** Final: the LMS refused, or every attempt failed. */
export const LmsDeliveryFailed = event('LmsDeliveryFailed', Type.Object({ sessionId: Id, attempt: Type.Integer({ minimum: 1 }), error: Type.String({ maxLength: 1000 }) }))

export const CardViewed = event('CardViewed', Type.Object({ learnerId: Id, cardId: Id, conceptId: Id, occurredAt: IsoTime }))

export const eventSchemas = [
  AccountCreated, AccountPlanChanged, AdminKeyIssued, AdminKeyRevoked, AccountSettingsChanged,
  PackageRequested, PackageRevised, PackageBuilt, PackageBuildFailed, PackageRetired,
  LmsUserLinked, LmsUserUnlinked, LmsSessionLaunched, LmsSessionExited, LmsProgressCommitted,
  LmsDeliveryStarted, LmsDeliveryAttemptFailed, LmsDelivered, LmsDeliveryFailed,
  ModuleCreated, ModuleChanged, ModuleRemoved, ConceptAdded, ConceptChanged, ConceptRemoved,
  ActivityAdded, ActivityChanged, ActivityRemoved, CardAdded, CardChanged, CardRemoved,
  ProfileCreated, ProfileRenamed, ProfileModuleGoalSet, ProfileModuleRemoved, LmsIntegrationToggled,
  LearnerEmailClaimed, LearnerRegistered, LearnerPasswordChanged, LearnerSignedIn, LearnerSignedOut,
  ProfileAssigned, ProfileUnassigned,
  MomentStarted, ActivityAnswered, CardViewed
] as const

/** Every domain event as a discriminated union of `{ type, data }`. */
export type DomainEvent = Static<(typeof eventSchemas)[number]>
export type EventType = DomainEvent['type']
export type EventOf<T extends EventType> = Extract<DomainEvent, { type: T }>
export type DataOf<T extends EventType> = EventOf<T>['data']
