import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ActivityBatchBody, ActivityBatchReply } from '../../../schemas/http.ts'
import { ingestActivity } from '../../app/activity-ingest.ts'
import { requireAdminOrLearner } from '../auth.ts'
import { errors, type RouteDeps } from './common.ts'

export const activityRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { ctx }) => {
  app.post('/v1/activity', {
    schema: {
      tags: ['app clients'],
      security: [{ bearer: [] }],
      summary: 'Record a batch of learner activity (idempotent by eventId; late activity up to 30 days)',
      body: ActivityBatchBody,
      response: { 202: ActivityBatchReply, ...errors }
    }
  }, async (request, reply) => {
    const who = await requireAdminOrLearner(request, ctx)
    const submitter = who.kind === 'admin'
      ? { kind: 'admin' as const, accountId: who.accountId, keyId: who.keyId }
      : { kind: 'learner' as const, accountId: who.accountId, learnerId: who.learnerId }
    return reply.status(202).send(await ingestActivity(ctx, submitter, request.body.events))
  })
}
