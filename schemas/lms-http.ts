// HTTP schemas of the LMS runtime endpoints the launcher in a package calls.
import { Type } from '@sinclair/typebox'
import { Id } from './common.ts'
import { LmsProgressCommitted } from './events.ts'

const base = 'https://mastery-sync.dev/schemas/http/'
const Values = LmsProgressCommitted.properties.data.properties.values

export const LaunchBody = Type.Object({
  packageId: Id,
  revision: Type.Integer({ minimum: 1 }),
  launchKey: Type.String({ minLength: 1, maxLength: 200 }),
  standard: Type.Union([Type.Literal('scorm12'), Type.Literal('scorm2004')]),
  lmsUserId: Type.String({ minLength: 1, maxLength: 255, pattern: '\\S' }),
  lmsUserName: Type.Optional(Type.String({ maxLength: 255 })),
  lmsState: Type.Optional(Type.Object({
    completionStatus: Type.Optional(Type.String({ maxLength: 40 })),
    successStatus: Type.Optional(Type.String({ maxLength: 40 }))
  }, { additionalProperties: false }))
}, { $id: `${base}LaunchBody.json`, title: 'LaunchBody', additionalProperties: false })

export const LaunchReply = Type.Object({
  sessionId: Id,
  token: Type.String({ description: 'Session token for the player and the exit call; scoped to this learner, profile and session' }),
  playerUrl: Type.String(),
  title: Type.String(),
  values: Values,
  position: Type.Integer()
}, { $id: `${base}LaunchReply.json`, title: 'LaunchReply' })

export const ExitBody = Type.Object({
  how: Type.Union([Type.Literal('exit'), Type.Literal('unload'), Type.Literal('terminate')]),
  token: Type.Optional(Type.String({ maxLength: 4000, description: 'For sendBeacon, which cannot set headers' }))
}, { $id: `${base}ExitBody.json`, title: 'ExitBody', additionalProperties: false })

export const ExitReply = Type.Object({
  values: Values,
  committed: Type.Boolean(),
  /** AICC, cmi5, xAPI: how the service's own delivery to the LMS stands after a short wait for it. */
  delivery: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')])),
  /** cmi5: where the LMS asked the learner to be sent after exit (LMS.LaunchData returnURL). */
  returnUrl: Type.Optional(Type.String())
}, { $id: `${base}ExitReply.json`, title: 'ExitReply' })
export const ValuesReply = Type.Object({ values: Values }, { $id: `${base}ValuesReply.json`, title: 'ValuesReply' })
export const LmsSessionParams = Type.Object({ sessionId: Id }, { $id: `${base}LmsSessionParams.json`, title: 'LmsSessionParams', additionalProperties: false })

export const DeliveryReply = Type.Object({
  sessionId: Id,
  state: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer({ minimum: 0 }),
  committedAt: Type.String({ format: 'date-time' }),
  nextAttemptAt: Type.Optional(Type.String({ format: 'date-time' })),
  lastError: Type.Optional(Type.String({ description: "The LMS's error, or why it could not be reached, at the last failed attempt" })),
  settledAt: Type.Optional(Type.String({ format: 'date-time' }))
}, { $id: `${base}DeliveryReply.json`, title: 'DeliveryReply' })
