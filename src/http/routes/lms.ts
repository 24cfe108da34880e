// The endpoints a package's launcher calls from inside an LMS page: another origin,
// no cookies (state passes by token), and sendBeacon bodies sent as text/plain.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { ExitBody, ExitReply, LaunchBody, LaunchReply, LmsSessionParams, ValuesReply } from '../../../schemas/lms-http.ts'
import { awaitDelivery, currentValues, exit, launch } from '../../app/lms-sessions.ts'
import { AppError } from '../../errors.ts'
import { deliveredByService } from '../../../projections/lms-adapter.ts'
import { errors, type RouteDeps } from './common.ts'

function tokenOf (request: FastifyRequest, bodyToken?: string): string {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')
  const token = match?.[1] ?? bodyToken
  if (token === undefined) throw new AppError('MS_ERR_UNAUTHENTICATED', 'Send the session token as "Authorization: Bearer <token>" (or in the body for sendBeacon).')
  return token
}

/** How long Exit waits for the service's delivery to the LMS (AICC, cmi5, xAPI) before answering. */
const exitDeliveryWaitMs = 5_000

export const lmsRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { ctx, limits }) => {
  const tags = ['LMS runtime']

  // A package runs on the LMS's origin, which we cannot know in advance; these routes
  // are authorised by launch key or session token, never by cookies, so any origin may call.
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('access-control-allow-origin', '*')
    reply.header('access-control-allow-methods', 'GET, POST, OPTIONS')
    reply.header('access-control-allow-headers', 'authorization, content-type')
    reply.header('access-control-max-age', '600')
  })
  // sendBeacon posts text/plain (no preflight); its body is the same JSON.
  app.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => {
    try {
      done(null, JSON.parse(String(body)))
    } catch {
      done(new AppError('MS_ERR_BAD_JSON', 'The body is not valid JSON.'), undefined)
    }
  })

  for (const url of ['/v1/lms/launch', '/v1/lms/sessions/:sessionId/exit', '/v1/lms/sessions/:sessionId/values']) {
    app.options(url, { schema: { hide: true } }, async (_request, reply) => reply.status(204).send())
  }

  app.post('/v1/lms/launch', { schema: { tags, summary: 'Open an LMS session (called by the launcher in a package)', body: LaunchBody, response: { 201: LaunchReply, ...errors } } }, async (request, reply) => {
    limits.checkLaunch(request)
    const opened = await launch(ctx, request.body)
    request.log.info({ sessionId: opened.sessionId, packageId: request.body.packageId }, 'lms session launched')
    return reply.status(201).send(opened)
  })
  app.get('/v1/lms/sessions/:sessionId/values', { schema: { tags, summary: 'What a commit would send the LMS now', params: LmsSessionParams, response: { 200: ValuesReply, ...errors } } }, async (request) => {
    return { values: await currentValues(ctx, request.params.sessionId, tokenOf(request)) }
  })
  app.post('/v1/lms/sessions/:sessionId/exit', { schema: { tags, summary: 'Commit on exit (idempotent; accepts sendBeacon text/plain bodies)', params: LmsSessionParams, body: ExitBody, response: { 200: ExitReply, ...errors } } }, async (request) => {
    const { format, ...committed } = await exit(ctx, request.params.sessionId, tokenOf(request, request.body.token), request.body.how)
    request.log.info({ sessionId: request.params.sessionId, how: request.body.how }, 'lms session committed')
    // A beacon's answer is never read: only Exit waits for the delivery.
    if (!deliveredByService.has(format) || request.body.how !== 'exit') return committed
    return { ...committed, delivery: await awaitDelivery(ctx, request.params.sessionId, exitDeliveryWaitMs) }
  })
}
