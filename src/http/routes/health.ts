import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { RouteDeps } from './common.ts'

export const healthRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { ctx }) => {
  const Status = Type.Object({
    status: Type.String(),
    head: Type.Optional(Type.Integer()),
    /** leader: runs projections, package builds and deliveries; follower: another instance does. */
    role: Type.Optional(Type.Union([Type.Literal('leader'), Type.Literal('follower')])),
    projections: Type.Optional(Type.Array(Type.Object({ name: Type.String(), position: Type.Integer(), failure: Type.Optional(Type.String()) })))
  })
  app.get('/health', { schema: { tags: ['operations'], summary: 'The process is up', response: { 200: Status } } }, async () => ({ status: 'ok' }))
  app.get('/ready', { schema: { tags: ['operations'], summary: 'Read models are running without failures', response: { 200: Status, 503: Status } } }, async (_request, reply) => {
    const projections = ctx.runner.status()
    const failing = projections.some(p => p.failure !== undefined)
    return reply.status(failing ? 503 : 200).send({ status: failing ? 'failing' : 'ready', head: await ctx.store.headPosition(), role: ctx.runner.role, projections })
  })
}
