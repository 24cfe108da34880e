import { accountDecider, type AccountSettings } from '../domain/account/account.ts'
import type { AccountDoc, AdminKeyDoc } from '../../projections/accounts.ts'
import { AppError } from '../errors.ts'
import type { AppContext } from './context.ts'
import { handleCommand } from './handle-command.ts'
import { newAdminKey, parseAdminKey, sameHash, sha256 } from './credentials.ts'

export type Plan = AccountDoc['plan']

export interface AdminPrincipal { readonly kind: 'admin', readonly accountId: string, readonly keyId: string, readonly plan: Plan }

/** Creates an account with its first admin key. The key is returned once and only its hash is kept. */
export async function createAccount (ctx: AppContext, input: { name: string, plan: Plan }, actorId = 'operator'): Promise<{ accountId: string, adminKey: string, position: number }> {
  const accountId = ctx.newId('acc')
  const { keyId, key, keyHash } = newAdminKey()
  const result = await handleCommand(ctx, `account-${accountId}`, accountDecider, {
    type: 'CreateAccount',
    data: { accountId, name: input.name, plan: input.plan, firstKey: { keyId, keyHash } },
    metadata: { now: ctx.now(), accountId, actor: { kind: 'operator', id: actorId } }
  })
  // The caller will use the key at once: make sure authentication can see it.
  await ctx.runner.waitFor(result.position, { projections: ['accounts'] })
  return { accountId, adminKey: key, position: result.position }
}

// App clients send the same admin key on every request: remember which stored hash each
// recently seen key matched, so only a new key (or a changed hash) is hashed again.
// Revocation is still checked on every request, from the read model.
const matchedKeys = new Map<string, string>()
const matchedKeysKept = 1000

function matchesKeyHash (key: string, keyHash: string): boolean {
  if (matchedKeys.get(key) === keyHash) return true
  if (!sameHash(keyHash, sha256(key))) return false
  if (matchedKeys.size >= matchedKeysKept) matchedKeys.clear()
  matchedKeys.set(key, keyHash)
  return true
}

export async function authenticateAdmin (ctx: AppContext, key: string): Promise<AdminPrincipal> {
  const parsed = parseAdminKey(key)
  const invalid = (): AppError => new AppError('MS_ERR_UNAUTHENTICATED', 'This admin key is not valid: check it, or ask your operator for a new one.')
  if (parsed === undefined) throw invalid()
  const record = await ctx.runner.get<AdminKeyDoc>('accounts', `key:${parsed.keyId}`)
  if (record === undefined || record.revoked || !matchesKeyHash(key, record.keyHash)) throw invalid()
  const account = await ctx.runner.get<AccountDoc>('accounts', `account:${record.accountId}`)
  if (account === undefined) throw invalid()
  return { kind: 'admin', accountId: account.accountId, keyId: parsed.keyId, plan: account.plan }
}

export async function changePlan (ctx: AppContext, accountId: string, plan: Plan): Promise<number> {
  const result = await handleCommand(ctx, `account-${accountId}`, accountDecider, {
    type: 'ChangePlan', data: { plan }, metadata: { now: ctx.now(), accountId, actor: { kind: 'operator', id: 'operator' } }
  })
  await ctx.runner.waitFor(result.position, { projections: ['accounts'] })
  return result.position
}

/** Issues another admin key for the account (to rotate keys: issue, switch, revoke the old one). */
export async function issueAdminKey (ctx: AppContext, admin: AdminPrincipal, label: string): Promise<{ keyId: string, adminKey: string, position: number }> {
  const { keyId, key, keyHash } = newAdminKey()
  const result = await handleCommand(ctx, `account-${admin.accountId}`, accountDecider, {
    type: 'IssueAdminKey', data: { keyId, keyHash, label }, metadata: { now: ctx.now(), accountId: admin.accountId, actor: { kind: 'admin', id: admin.keyId } }
  })
  await ctx.runner.waitFor(result.position, { projections: ['accounts'] })
  return { keyId, adminKey: key, position: result.position }
}

export async function revokeAdminKey (ctx: AppContext, admin: AdminPrincipal, keyId: string): Promise<number> {
  const result = await handleCommand(ctx, `account-${admin.accountId}`, accountDecider, {
    type: 'RevokeAdminKey', data: { keyId }, metadata: { now: ctx.now(), accountId: admin.accountId, actor: { kind: 'admin', id: admin.keyId } }
  })
  await ctx.runner.waitFor(result.position, { projections: ['accounts'] })
  return result.position
}

export async function getAccount (ctx: AppContext, accountId: string): Promise<AccountDoc> {
  const account = await ctx.runner.get<AccountDoc>('accounts', `account:${accountId}`)
  if (account === undefined) throw new AppError('MS_ERR_NOT_FOUND', 'No such account.')
  return account
}

export async function changeSettings (ctx: AppContext, admin: AdminPrincipal, settings: AccountSettings): Promise<number> {
  const result = await handleCommand(ctx, `account-${admin.accountId}`, accountDecider, {
    type: 'ChangeSettings', data: settings, metadata: { now: ctx.now(), accountId: admin.accountId, actor: { kind: 'admin', id: admin.keyId } }
  })
  await ctx.runner.waitFor(result.position, { projections: ['accounts'] })
  return result.position
}
