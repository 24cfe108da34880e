// Building blocks shared by event and HTTP schemas.
import { Type } from '@sinclair/typebox'

export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })
export const Plan = Type.Union([Type.Literal('starter'), Type.Literal('growth'), Type.Literal('enterprise')])
export const Goal = Type.Integer({ minimum: 1, maximum: 5, description: 'Mastery goal level: 1 Novice … 5 Expert' })
export const Email = Type.String({ format: 'email', maxLength: 254 })
export const IsoTime = Type.String({ format: 'date-time', maxLength: 40 })
export const Title = Type.String({ minLength: 1, maxLength: 200 })
export const LongText = Type.String({ minLength: 1, maxLength: 10_000 })
export const OptionSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
  text: Type.String({ minLength: 1, maxLength: 1000 }),
  correct: Type.Boolean()
}, { additionalProperties: false })
export const Attributes = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 500 }), { description: 'Free-form username attributes, e.g. department' })

/**
 * An origin that may frame the player, in the syntax of a CSP host source: scheme, host (a
 * leading "*." allows its subdomains) and an optional port. Nothing else, so the list can go
 * into a Content-Security-Policy header as it is.
 */
export const FrameOrigin = Type.String({ pattern: '^https?://(\\*\\.)?[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?$', maxLength: 200, description: 'e.g. https://lms.example.edu or https://*.example.edu' })
