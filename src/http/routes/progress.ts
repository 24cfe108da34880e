// Progress as admins read it (the admin page's progress view): the account's learners, a
// profile's learners with progress and mastered state, and a learner's LMS commit history.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { LearnerParams, ProfileParams } from '../../../schemas/http.ts'
import { LearnerListReply, LmsCommitsQuery, LmsCommitsReply, ProfileProgressReply } from '../../../schemas/progress-http.ts'
import { learnerLmsCommits, listLearners, profileLearnersProgress } from '../../app/progress.ts'
import { requireAdmin } from '../auth.ts'
import { csvFile } from '../csv.ts'
import { Type } from '@sinclair/typebox'
import { errors, type RouteDeps } from './common.ts'

export const progressRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { ctx }) => {
  const tags = ['progress']
  const security = [{ bearer: [] }]

  app.get('/v1/learners', {
    schema: { tags, security, summary: 'The account\'s learners, by name, with the profiles assigned to them', response: { 200: LearnerListReply, ...errors } }
  }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return listLearners(ctx, admin)
  })

  app.get('/v1/profiles/:profileId/progress', {
    schema: { tags, security, summary: 'The learners assigned a profile, with their progress and mastered state now', params: ProfileParams, response: { 200: ProfileProgressReply, ...errors } }
  }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return profileLearnersProgress(ctx, admin, request.params.profileId)
  })

  app.get('/v1/profiles/:profileId/progress.csv', {
    schema: {
      tags,
      security,
      summary: 'The same as a CSV file for spreadsheets (text that would run as a formula is neutralised)',
      params: ProfileParams,
      produces: ['text/csv'],
      response: { 200: Type.String({ description: 'text/csv: learnerId, name, email, assignedAt, progress (%), mastered' }), ...errors }
    }
  }, async (request, reply) => {
    const admin = await requireAdmin(request, ctx)
    const { profileId, asOf, learners } = await profileLearnersProgress(ctx, admin, request.params.profileId)
    const csv = csvFile(['learnerId', 'name', 'email', 'assignedAt', 'progressPercent', 'mastered'],
      learners.map(l => [l.learnerId, l.name, l.email, l.assignedAt, Math.round(l.progress * 1000) / 10, l.mastered]))
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="progress-${profileId}-${asOf.slice(0, 10)}.csv"`)
      .header('cache-control', 'no-store')
      .send(csv)
  })

  app.get('/v1/learners/:learnerId/lms-commits', {
    schema: { tags, security, summary: 'What LMSs were told about a learner, one commit per exit of a session launched from an LMS, oldest first', params: LearnerParams, querystring: LmsCommitsQuery, response: { 200: LmsCommitsReply, ...errors } }
  }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return learnerLmsCommits(ctx, admin, request.params.learnerId, request.query.profileId === undefined ? {} : { profileId: request.query.profileId })
  })
}
