import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  CreatedReply, GoalBody, LmsIntegrationBody, LmsIntegrationReply, ProfileBody, ProfileListReply, ProfileModuleParams,
  ProfileParams, ProfilePatch, ProfileReply, WrittenReply
} from '../../../schemas/http.ts'
import { describeProfile, profiles } from '../../app/profiles.ts'
import { requireAdmin } from '../auth.ts'
import { errors, type RouteDeps } from './common.ts'

export const profileRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { ctx }) => {
  const tags = ['profiles']
  const security = [{ bearer: [] }]
  const written = { 200: WrittenReply, ...errors }

  app.post('/v1/profiles', { schema: { tags, security, summary: 'Create a Mastery Profile', body: ProfileBody, response: { 201: CreatedReply, ...errors } } }, async (request, reply) => {
    const admin = await requireAdmin(request, ctx)
    const r = await profiles.create(ctx, admin, request.body)
    return reply.status(201).send({ id: r.profileId, position: r.position })
  })
  app.get('/v1/profiles', { schema: { tags, security, summary: 'The account\'s Mastery Profiles', response: { 200: ProfileListReply, ...errors } } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return profiles.list(ctx, admin)
  })
  app.get('/v1/profiles/:profileId', { schema: { tags, security, summary: 'A Mastery Profile: modules, goals and the LMS integration toggle', params: ProfileParams, response: { 200: ProfileReply, ...errors } } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return describeProfile(ctx, admin.accountId, request.params.profileId)
  })
  app.patch('/v1/profiles/:profileId', { schema: { tags, security, summary: 'Rename a Mastery Profile', params: ProfileParams, body: ProfilePatch, response: written } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return { position: await profiles.rename(ctx, admin, request.params.profileId, request.body.name) }
  })
  app.put('/v1/profiles/:profileId/modules/:moduleId', { schema: { tags, security, summary: 'Assign a module to the profile with a mastery goal (1–5)', params: ProfileModuleParams, body: GoalBody, response: written } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return { position: await profiles.setModuleGoal(ctx, admin, request.params.profileId, request.params.moduleId, request.body.goal) }
  })
  app.delete('/v1/profiles/:profileId/modules/:moduleId', { schema: { tags, security, summary: 'Take a module out of the profile', params: ProfileModuleParams, response: written } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return { position: await profiles.removeModule(ctx, admin, request.params.profileId, request.params.moduleId) }
  })
  app.put('/v1/profiles/:profileId/lms-integration', { schema: { tags, security, summary: 'Turn LMS launches of this profile on or off', params: ProfileParams, body: LmsIntegrationBody, response: { 200: LmsIntegrationReply, ...errors } } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    const position = await profiles.setLmsIntegration(ctx, admin, request.params.profileId, request.body.enabled)
    return { enabled: request.body.enabled, position }
  })
}
