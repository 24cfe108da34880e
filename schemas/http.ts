// JSON Schemas of every HTTP body, query, parameter set and reply, each with a $id.
// The routes declare them, ajv validates with them, the OpenAPI document at /docs/json
// is generated from them, and TypeScript types come from them (Static<>).
import { Type, type TSchema, type TObject, type TProperties, type ObjectOptions } from '@sinclair/typebox'
import { Id, Plan, Goal, Email, IsoTime, OptionSchema, Attributes, Title, LongText, FrameOrigin } from './common.ts'

const base = 'https://mastery-sync.dev/schemas/http/'
const object = <T extends TProperties>(name: string, properties: T, options: ObjectOptions = {}): TObject<T> =>
  Type.Object(properties, { $id: `${base}${name}.json`, title: name, additionalProperties: false, ...options })
const named = <T extends TSchema>(name: string, schema: T): T => ({ ...schema, $id: `${base}${name}.json`, title: name })

export const ErrorReply = object('ErrorReply', {
  error: Type.Object({
    code: Type.String({ description: 'Stable code from docs/errors.md' }),
    message: Type.String({ description: 'What went wrong and what to do' }),
    details: Type.Optional(Type.Unknown())
  })
}, { additionalProperties: true })

const Position = Type.Integer({ minimum: 0, description: 'Log position of the write; pass it as X-Min-Position to read your own write elsewhere' })
const Password = Type.String({ minLength: 8, maxLength: 200 })

// operators
export const CreateAccountBody = object('CreateAccountBody', { name: Title, plan: Plan })
export const CreateAccountReply = object('CreateAccountReply', { accountId: Id, adminKey: Type.String({ description: 'Shown once; store it safely' }), position: Position })
export const AccountPatch = object('AccountPatch', { plan: Plan })
export const AccountSettingsBody = object('AccountSettingsBody', {
  unknownLmsUsers: Type.Union([Type.Literal('reject'), Type.Literal('provision')], { description: 'reject (default): an unlinked LMS user sees a page telling them to ask their admin; provision: a learner is created and linked' }),
  lmsOrigins: Type.Optional(Type.Array(FrameOrigin, { minItems: 1, maxItems: 50, description: 'Only these origins may frame the player in an LMS launch (the LMS page and the origin it serves course files from). Leave it out to allow any origin (the default). The settings are replaced as a whole.' }))
})
export const AccountReply = object('AccountReply', { accountId: Id, name: Type.String(), plan: Plan, settings: AccountSettingsBody, lmsIntegrationAvailable: Type.Boolean() })
export const AccountParams = object('AccountParams', { accountId: Id })
export const AdminKeyBody = object('AdminKeyBody', { label: Title })
export const AdminKeyReply = object('AdminKeyReply', { keyId: Type.String(), adminKey: Type.String({ description: 'Shown once; store it safely' }), position: Position })
export const AdminKeyParams = object('AdminKeyParams', { keyId: Type.String({ pattern: '^[0-9a-f]{16}$' }) })

// content
export const ModuleBody = object('ModuleBody', { title: Title, description: Type.Optional(LongText) })
export const ModulePatch = object('ModulePatch', { title: Type.Optional(Title), description: Type.Optional(LongText) }, { minProperties: 1 })
export const ConceptBody = object('ConceptBody', { title: Title })
export const ActivityBody = object('ActivityBody', { prompt: LongText, options: Type.Array(OptionSchema, { minItems: 2, maxItems: 10 }) })
export const ActivityPatch = object('ActivityPatch', { prompt: Type.Optional(LongText), options: Type.Optional(Type.Array(OptionSchema, { minItems: 2, maxItems: 10 })) }, { minProperties: 1 })
export const CardBody = object('CardBody', { title: Title, body: LongText })
export const CardPatch = object('CardPatch', { title: Type.Optional(Title), body: Type.Optional(LongText) }, { minProperties: 1 })

const Concept = Type.Object({ conceptId: Id, title: Type.String(), activities: Type.Array(Type.Object({ activityId: Id, prompt: Type.String(), options: Type.Array(OptionSchema) })), cards: Type.Array(Type.Object({ cardId: Id, title: Type.String(), body: Type.String() })) })
export const ModuleReply = object('ModuleReply', { moduleId: Id, title: Type.String(), description: Type.Optional(Type.String()), removed: Type.Boolean(), concepts: Type.Array(Concept) })
export const CreatedReply = object('CreatedReply', {
  id: Id,
  moduleId: Type.Optional(Id),
  conceptId: Type.Optional(Id),
  position: Position
})
export const WrittenReply = object('WrittenReply', { position: Position })

// profiles
export const ProfileBody = object('ProfileBody', { name: Title })
export const ProfilePatch = object('ProfilePatch', { name: Title })
export const GoalBody = object('GoalBody', { goal: Goal })
export const LmsIntegrationBody = object('LmsIntegrationBody', { enabled: Type.Boolean() })
export const LmsIntegrationReply = object('LmsIntegrationReply', { enabled: Type.Boolean({ description: 'The toggle as it is now' }), position: Position })
export const ProfileReply = object('ProfileReply', {
  profileId: Id,
  name: Type.String(),
  lmsIntegration: Type.Object({ enabled: Type.Boolean() }),
  modules: Type.Array(Type.Object({ moduleId: Id, title: Type.String(), goal: Goal, concepts: Type.Integer(), removed: Type.Boolean() })),
  createdAt: IsoTime
})
export const ProfileListReply = named('ProfileListReply', Type.Array(Type.Omit(ProfileReply, ['$id'])))

// learners
export const LearnerBody = object('LearnerBody', { name: Title, email: Email, password: Password, attributes: Type.Optional(Attributes) })
export const LearnerReply = object('LearnerReply', {
  learnerId: Id,
  name: Type.String(),
  email: Type.String(),
  attributes: Attributes,
  assignedProfiles: Type.Array(Type.Object({ profileId: Id, assignedAt: IsoTime, reason: Type.String() })),
  registeredAt: IsoTime
})
export const AssignmentBody = object('AssignmentBody', { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) })
export const MasteryQuery = object('MasteryQuery', { asOf: Type.Optional(IsoTime) })
const ConceptMastery = Type.Object({ conceptId: Id, title: Type.Optional(Type.String({ description: 'The concept\'s title as it reads now' })), level: Type.Number(), goal: Goal, mastered: Type.Boolean() })
const ProfileMastery = Type.Object({ profileId: Id, name: Type.String(), progress: Type.Number({ minimum: 0, maximum: 1 }), mastered: Type.Boolean(), concepts: Type.Array(ConceptMastery) })
export const MasteryReply = object('MasteryReply', { learnerId: Id, asOf: IsoTime, profiles: Type.Array(ProfileMastery) })

// learner sessions and practice
export const LoginBody = object('LoginBody', { email: Email, password: Type.String({ minLength: 1, maxLength: 200 }), accountId: Type.Optional(Id) })
export const SessionReply = object('SessionReply', { token: Type.String(), learnerId: Id, expiresAt: IsoTime })
export const PasswordBody = object('PasswordBody', { currentPassword: Type.String({ minLength: 1, maxLength: 200 }), newPassword: Password })
export const MyProfilesReply = object('MyProfilesReply', { learnerId: Id, asOf: IsoTime, profiles: Type.Array(ProfileMastery) })
export const MomentBody = object('MomentBody', { profileId: Type.Optional(Id) })
export const MomentReply = object('MomentReply', {
  momentId: Id,
  kind: Type.Union([Type.Literal('mini'), Type.Literal('mastery')]),
  profileId: Type.Optional(Id),
  activities: Type.Array(Type.Object({ activityId: Id, conceptId: Id, prompt: Type.String(), options: Type.Array(Type.Object({ id: Type.String(), text: Type.String() })) })),
  position: Position
})
export const AnswerBody = object('AnswerBody', {
  activityId: Id,
  selected: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 10 }),
  responseMs: Type.Integer({ minimum: 0, maximum: 3_600_000 })
})
export const AnswerReply = object('AnswerReply', {
  correct: Type.Boolean(),
  correctOptionIds: Type.Array(Type.String()),
  conceptId: Id,
  level: Type.Number(),
  profiles: Type.Array(Type.Object({ profileId: Id, progress: Type.Number(), mastered: Type.Boolean() })),
  position: Position
})
export const CardsReply = object('CardsReply', { profileId: Id, cards: Type.Array(Type.Object({ cardId: Id, conceptId: Id, conceptTitle: Type.String(), title: Type.String(), body: Type.String() })) })

// app clients
const ClientEventId = Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'Unique per event, chosen by the client (e.g. a UUID); a retry with the same id is a no-op' })
export const ActivityBatchBody = object('ActivityBatchBody', {
  events: Type.Array(Type.Union([
    Type.Object({ eventId: ClientEventId, type: Type.Literal('ActivityAnswered'), learnerId: Type.Optional(Id), activityId: Id, selected: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 10 }), responseMs: Type.Integer({ minimum: 0, maximum: 3_600_000 }), occurredAt: IsoTime }, { additionalProperties: false }),
    Type.Object({ eventId: ClientEventId, type: Type.Literal('CardViewed'), learnerId: Type.Optional(Id), cardId: Id, occurredAt: IsoTime }, { additionalProperties: false })
  ]), { minItems: 1, maxItems: 1000 })
})
export const ActivityBatchReply = object('ActivityBatchReply', { accepted: Type.Integer(), duplicates: Type.Integer(), position: Position })

// history
export const EventsQuery = object('EventsQuery', {
  after: Type.Optional(Type.Integer({ minimum: 0, description: 'Exclusive log position to start after' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1000, description: 'At most this many events (lines) in this answer; fewer means the end of the log (as filtered) was reached' })),
  type: Type.Optional(Type.String({ maxLength: 2000, description: 'Comma-separated event types (schemas/events.ts); an unknown one is refused' })),
  stream: Type.Optional(Type.String({ maxLength: 2000, description: 'Comma-separated streams: exact ids, or prefixes ending in * (e.g. module-*)' })),
  from: Type.Optional(Type.String({ maxLength: 40, description: 'Only events recorded at or after this instant (ISO 8601, e.g. 2026-03-01T08:00:00Z)' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'Only events recorded before this instant (ISO 8601)' }))
})

// parameters
export const ModuleParams = object('ModuleParams', { moduleId: Id })
export const ConceptParams = object('ConceptParams', { conceptId: Id })
export const IdParams = object('IdParams', { id: Id })
export const ProfileParams = object('ProfileParams', { profileId: Id })
export const ProfileModuleParams = object('ProfileModuleParams', { profileId: Id, moduleId: Id })
export const LearnerParams = object('LearnerParams', { learnerId: Id })
export const AssignmentParams = object('AssignmentParams', { profileId: Id, learnerId: Id })
export const MomentParams = object('MomentParams', { momentId: Id })

export const httpSchemas: readonly TSchema[] = [
  ErrorReply, CreateAccountBody, CreateAccountReply, AccountPatch, AccountSettingsBody, AccountReply, AccountParams, AdminKeyBody, AdminKeyReply, AdminKeyParams, ModuleBody, ModulePatch, ConceptBody, ActivityBody, ActivityPatch,
  CardBody, CardPatch, ModuleReply, CreatedReply, WrittenReply, ProfileBody, ProfilePatch, GoalBody, LmsIntegrationBody, LmsIntegrationReply,
  ProfileReply, ProfileListReply, LearnerBody, LearnerReply, AssignmentBody, MasteryQuery, MasteryReply, LoginBody,
  SessionReply, PasswordBody, MyProfilesReply, MomentBody, MomentReply, AnswerBody, AnswerReply, CardsReply,
  ActivityBatchBody, ActivityBatchReply, EventsQuery, ModuleParams, ConceptParams, IdParams, ProfileParams,
  ProfileModuleParams, LearnerParams, AssignmentParams, MomentParams
]
