import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  AssignmentBody, AssignmentParams, CreatedReply, LearnerBody, LearnerParams, LearnerReply, MasteryQuery, MasteryReply, WrittenReply
} from '../../../schemas/http.ts'
import { getLearner, publicLearner, registerLearner, setAssignment } from '../../app/learners.ts'
import { learnerMastery } from '../../app/mastery-view.ts'
import { requireAdmin } from '../auth.ts'
import { errors, type RouteDeps } from './common.ts'

export const learnerRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { ctx }) => {
  const tags = ['learners']
  const security = [{ bearer: [] }]

  app.post('/v1/learners', { schema: { tags, security, summary: 'Register a learner', body: LearnerBody, response: { 201: CreatedReply, ...errors } } }, async (request, reply) => {
    const admin = await requireAdmin(request, ctx)
    const r = await registerLearner(ctx, admin, request.body)
    return reply.status(201).send({ id: r.learnerId, position: r.position })
  })
  app.get('/v1/learners/:learnerId', { schema: { tags, security, summary: 'A learner with their assigned profiles', params: LearnerParams, response: { 200: LearnerReply, ...errors } } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return publicLearner(await getLearner(ctx, admin.accountId, request.params.learnerId))
  })
  app.put('/v1/profiles/:profileId/assignments/:learnerId', { schema: { tags, security, summary: 'Assign a profile to a learner', params: AssignmentParams, body: AssignmentBody, response: { 200: WrittenReply, ...errors } } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return { position: await setAssignment(ctx, admin, request.params.learnerId, request.params.profileId, true, request.body?.reason ?? 'assigned by an admin') }
  })
  app.delete('/v1/profiles/:profileId/assignments/:learnerId', { schema: { tags, security, summary: 'Unassign a profile from a learner', params: AssignmentParams, response: { 200: WrittenReply, ...errors } } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return { position: await setAssignment(ctx, admin, request.params.learnerId, request.params.profileId, false, 'unassigned by an admin') }
  })
  app.get('/v1/learners/:learnerId/mastery', { schema: { tags, security, summary: 'Mastery per assigned profile, now or as of any past instant', params: LearnerParams, querystring: MasteryQuery, response: { 200: MasteryReply, ...errors } } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    const learner = await getLearner(ctx, admin.accountId, request.params.learnerId)
    const asOf = request.query.asOf === undefined ? undefined : Date.parse(request.query.asOf)
    return learnerMastery(ctx, learner, asOf)
  })
}
