// Accounts and their admin keys, for authentication and plan checks.
//   account:{accountId} -> AccountDoc
//   key:{keyId}         -> AdminKeyDoc (hash only; the secret never reaches the log)
import type { ProjectionDefinition } from '../src/projections/projection.ts'
import type { DomainEvent } from '../schemas/events.ts'

export interface AccountDoc { accountId: string, name: string, plan: 'starter' | 'growth' | 'enterprise', createdAt: number, settings: { unknownLmsUsers: 'reject' | 'provision', lmsOrigins?: string[] } }
export interface AdminKeyDoc { keyId: string, accountId: string, keyHash: string, label: string, revoked: boolean }

const accountOf = (streamId: string): string => streamId.slice('account-'.length)

export const accountsProjection: ProjectionDefinition<AccountDoc | AdminKeyDoc> = {
  name: 'accounts',
  version: 2,
  eventTypes: new Set(['AccountCreated', 'AccountPlanChanged', 'AdminKeyIssued', 'AdminKeyRevoked', 'AccountSettingsChanged']),
  keys (event) {
    const e = event as unknown as DomainEvent
    switch (e.type) {
      case 'AdminKeyIssued': case 'AdminKeyRevoked': return [`key:${e.data.keyId}`]
      default: return [`account:${accountOf(event.streamId)}`]
    }
  },
  evolve (doc, event) {
    const e = event as unknown as DomainEvent
    switch (e.type) {
      case 'AccountCreated': return { accountId: e.data.accountId, name: e.data.name, plan: e.data.plan, createdAt: event.recordedAt, settings: { unknownLmsUsers: 'reject' } }
      case 'AccountSettingsChanged': return { ...(doc as AccountDoc), settings: { ...e.data } }
      case 'AccountPlanChanged': return { ...(doc as AccountDoc), plan: e.data.plan }
      case 'AdminKeyIssued': return { keyId: e.data.keyId, accountId: accountOf(event.streamId), keyHash: e.data.keyHash, label: e.data.label, revoked: false }
      case 'AdminKeyRevoked': return { ...(doc as AdminKeyDoc), revoked: true }
      default: return doc
    }
  }
}
