import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AccountParams, AccountPatch, AccountReply, AccountSettingsBody, AdminKeyBody, AdminKeyParams, AdminKeyReply, CreateAccountBody, CreateAccountReply, WrittenReply } from '../../../schemas/http.ts'
import { changePlan, changeSettings, createAccount, getAccount, issueAdminKey, revokeAdminKey } from '../../app/accounts.ts'
import { requireAdmin, requireOperator } from '../auth.ts'
import { errors, type RouteDeps } from './common.ts'

export const operatorRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { ctx, config }) => {
  app.post('/v1/accounts', {
    schema: { tags: ['operators'], summary: 'Create an account and its first admin key', security: [{ bearer: [] }], body: CreateAccountBody, response: { 201: CreateAccountReply, ...errors } }
  }, async (request, reply) => {
    await requireOperator(request, config.operatorToken)
    const created = await createAccount(ctx, request.body)
    request.log.info({ accountId: created.accountId }, 'account created')
    return reply.status(201).send(created)
  })
  app.patch('/v1/accounts/:accountId', {
    schema: { tags: ['operators'], summary: 'Change an account\'s plan', security: [{ bearer: [] }], params: AccountParams, body: AccountPatch, response: { 200: WrittenReply, ...errors } }
  }, async (request) => {
    await requireOperator(request, config.operatorToken)
    return { position: await changePlan(ctx, request.params.accountId, request.body.plan) }
  })
  app.post('/v1/admin-keys', {
    schema: { tags: ['account admins'], summary: 'Issue another admin key for your account (shown once)', security: [{ bearer: [] }], body: AdminKeyBody, response: { 201: AdminKeyReply, ...errors } }
  }, async (request, reply) => {
    const admin = await requireAdmin(request, ctx)
    return reply.status(201).send(await issueAdminKey(ctx, admin, request.body.label))
  })
  app.delete('/v1/admin-keys/:keyId', {
    schema: { tags: ['account admins'], summary: 'Revoke an admin key of your account', security: [{ bearer: [] }], params: AdminKeyParams, response: { 200: WrittenReply, ...errors } }
  }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return { position: await revokeAdminKey(ctx, admin, request.params.keyId) }
  })
  app.get('/v1/account', {
    schema: { tags: ['account admins'], summary: 'Your account: plan, settings, and whether LMS integration is available on the plan', security: [{ bearer: [] }], response: { 200: AccountReply, ...errors } }
  }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    const account = await getAccount(ctx, admin.accountId)
    return { accountId: account.accountId, name: account.name, plan: account.plan, settings: account.settings, lmsIntegrationAvailable: account.plan !== 'starter' }
  })
  app.get('/v1/account/settings', {
    schema: { tags: ['account admins'], summary: 'Your account settings (the body PUT /v1/account/settings takes)', security: [{ bearer: [] }], response: { 200: AccountSettingsBody, ...errors } }
  }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return (await getAccount(ctx, admin.accountId)).settings
  })
  app.put('/v1/account/settings', {
    schema: { tags: ['account admins'], summary: 'Replace the account settings as a whole (what happens when an unlinked LMS user launches; which LMS origins may frame the player)', security: [{ bearer: [] }], body: AccountSettingsBody, response: { 200: WrittenReply, ...errors } }
  }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return { position: await changeSettings(ctx, admin, request.body) }
  })
}
