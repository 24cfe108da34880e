import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { CreateAccountBody, CreateAccountReply } from '../../../schemas/http.ts'
import { createAccount } from '../../app/accounts.ts'
import { requireOperator } from '../auth.ts'
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
}
