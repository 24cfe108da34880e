// Linking LMS users to learners (R2): one by one, listed, unlinked, or in bulk from a CSV.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  AccountLmsLinksReply, LearnerLmsLinksReply, LmsLinkBody, LmsLinkLearnerParams, LmsLinkParams, LmsLinkReply,
  LmsLinksCsv, LmsLinksImportReply, LmsLinksQuery, LmsUnlinkReply
} from '../../../schemas/lms-links-http.ts'
import { importLinksCsv, linkLmsUser, listLinks, maxImportBytes, unlinkLmsUser } from '../../app/lms-links.ts'
import { AppError } from '../../errors.ts'
import { requireAdmin } from '../auth.ts'
import { DeliveryReply, LmsSessionParams } from '../../../schemas/lms-http.ts'
import type { DeliveryDoc } from '../../../projections/lms-adapter.ts'
import { errors, type RouteDeps } from './common.ts'

const iso = (at: number): string => new Date(at).toISOString()

export const lmsLinkRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { ctx }) => {
  const tags = ['LMS links']
  const security = [{ bearer: [] }]

  app.post('/v1/learners/:learnerId/lms-links', {
    // Checked before validation, whose type coercion would turn 12345678901234567890
    // into "12345678901234567000": a rounded id would link the wrong LMS user.
    preValidation: async (request) => {
      const given = (request.body as { lmsUserId?: unknown } | null)?.lmsUserId
      if (given !== undefined && typeof given !== 'string') throw new AppError('MS_ERR_VALIDATION', 'body.lmsUserId must be a string: send LMS user ids as JSON strings, since large numbers lose digits.')
    },
    schema: { tags, security, summary: 'Link an LMS user id to a learner (201; 200 when it already was)', params: LmsLinkLearnerParams, body: LmsLinkBody, response: { 200: LmsLinkReply, 201: LmsLinkReply, ...errors } }
  }, async (request, reply) => {
    const admin = await requireAdmin(request, ctx)
    const r = await linkLmsUser(ctx, admin, request.params.learnerId, request.body.lmsUserId)
    return reply.status(r.linked ? 201 : 200).send({ learnerId: r.learnerId, lmsUserId: r.lmsUserId, position: r.position })
  })

  app.get('/v1/learners/:learnerId/lms-links', {
    schema: { tags, security, summary: 'The LMS user ids linked to a learner', params: LmsLinkLearnerParams, response: { 200: LearnerLmsLinksReply, ...errors } }
  }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    const links = await listLinks(ctx, admin, { learnerId: request.params.learnerId })
    return { learnerId: request.params.learnerId, links: links.map(l => ({ lmsUserId: l.lmsUserId, source: l.source, linkedAt: iso(l.linkedAt) })) }
  })

  app.delete('/v1/learners/:learnerId/lms-links/:lmsUserId', {
    schema: { tags, security, summary: 'Unlink an LMS user id from a learner (URL-encode the id)', params: LmsLinkParams, response: { 200: LmsUnlinkReply, ...errors } }
  }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return unlinkLmsUser(ctx, admin, request.params.learnerId, request.params.lmsUserId)
  })

  app.get('/v1/lms-links', {
    schema: { tags, security, summary: 'Every LMS link of your account, or one learner\'s', querystring: LmsLinksQuery, response: { 200: AccountLmsLinksReply, ...errors } }
  }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    const links = await listLinks(ctx, admin, request.query.learnerId === undefined ? {} : { learnerId: request.query.learnerId })
    return { links: links.map(l => ({ lmsUserId: l.lmsUserId, learnerId: l.learnerId, source: l.source, linkedAt: iso(l.linkedAt) })) }
  })

  // The CSV parser lives in its own scope so only the import route accepts text/csv
  // (text/plain is parsed as a string by fastify already).
  const csvImport: FastifyPluginAsyncTypebox = async csv => {
    csv.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: maxImportBytes }, (_request, body, done) => { done(null, body) })
    csv.post('/v1/lms-links/import', {
      bodyLimit: maxImportBytes,
      schema: {
        tags,
        security,
        summary: 'Link LMS users in bulk from a CSV (learner,lmsUserId): a report per row; bad rows fail alone',
        consumes: ['text/csv', 'text/plain'],
        body: LmsLinksCsv,
        response: { 200: LmsLinksImportReply, ...errors }
      }
    }, async (request) => {
      const admin = await requireAdmin(request, ctx)
      return importLinksCsv(ctx, admin, request.body)
    })
  }
  await app.register(csvImport)

  app.get('/v1/lms/sessions/:sessionId/delivery', {
    schema: { tags, security, summary: 'How the commit of an LMS session reached the LMS (formats the service delivers itself: AICC)', params: LmsSessionParams, response: { 200: DeliveryReply, ...errors } }
  }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    const doc = await ctx.runner.get<DeliveryDoc>('lms-adapter', `delivery:${request.params.sessionId}`)
    if (doc === undefined || doc.accountId !== admin.accountId) throw new AppError('MS_ERR_NOT_FOUND', 'No delivery for this LMS session in your account: only sessions of formats the service delivers itself (AICC) have one, once they commit.')
    return {
      sessionId: doc.sessionId,
      state: doc.state,
      attempts: doc.attempts,
      committedAt: iso(doc.committedAt),
      ...(doc.nextAttemptAt === undefined ? {} : { nextAttemptAt: doc.nextAttemptAt }),
      ...(doc.lastError === undefined ? {} : { lastError: doc.lastError }),
      ...(doc.settledAt === undefined ? {} : { settledAt: iso(doc.settledAt) })
    }
  })
}
