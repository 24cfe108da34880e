import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  ActivityBody, ActivityPatch, CardBody, CardPatch, ConceptBody, ConceptParams, CreatedReply, IdParams,
  ModuleBody, ModuleParams, ModulePatch, ModuleReply, WrittenReply
} from '../../../schemas/http.ts'
import { content, getModule } from '../../app/content.ts'
import { requireAdmin } from '../auth.ts'
import { errors, type RouteDeps } from './common.ts'

export const contentRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { ctx }) => {
  const tags = ['content']
  const security = [{ bearer: [] }]
  const created = { 201: CreatedReply, ...errors }
  const written = { 200: WrittenReply, ...errors }

  app.post('/v1/modules', { schema: { tags, security, summary: 'Create a module', body: ModuleBody, response: created } }, async (request, reply) => {
    const admin = await requireAdmin(request, ctx)
    const r = await content.createModule(ctx, admin, request.body)
    return reply.status(201).send({ id: r.moduleId, moduleId: r.moduleId, position: r.position })
  })
  app.get('/v1/modules/:moduleId', { schema: { tags, security, summary: 'A module with its concepts, activities and cards', params: ModuleParams, response: { 200: ModuleReply, ...errors } } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    const m = await getModule(ctx, admin, request.params.moduleId)
    return {
      moduleId: m.moduleId,
      title: m.title,
      ...(m.description === undefined ? {} : { description: m.description }),
      removed: m.removedAt !== undefined,
      concepts: Object.entries(m.concepts).filter(([, c]) => c.removedAt === undefined).map(([conceptId, c]) => ({
        conceptId,
        title: c.title,
        activities: Object.entries(m.activities).filter(([, a]) => a.conceptId === conceptId && a.removedAt === undefined).map(([activityId, a]) => ({ activityId, prompt: a.prompt, options: a.options })),
        cards: Object.entries(m.cards).filter(([, k]) => k.conceptId === conceptId && k.removedAt === undefined).map(([cardId, k]) => ({ cardId, title: k.title, body: k.body }))
      }))
    }
  })
  app.patch('/v1/modules/:moduleId', { schema: { tags, security, summary: 'Change a module', params: ModuleParams, body: ModulePatch, response: written } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return { position: await content.changeModule(ctx, admin, request.params.moduleId, request.body) }
  })
  app.delete('/v1/modules/:moduleId', { schema: { tags, security, summary: 'Remove a module', params: ModuleParams, response: written } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return { position: await content.removeModule(ctx, admin, request.params.moduleId) }
  })

  app.post('/v1/modules/:moduleId/concepts', { schema: { tags, security, summary: 'Add a concept to a module', params: ModuleParams, body: ConceptBody, response: created } }, async (request, reply) => {
    const admin = await requireAdmin(request, ctx)
    const r = await content.addConcept(ctx, admin, request.params.moduleId, request.body)
    return reply.status(201).send({ id: r.conceptId, moduleId: r.moduleId, position: r.position })
  })
  app.patch('/v1/concepts/:id', { schema: { tags, security, summary: 'Rename a concept', params: IdParams, body: ConceptBody, response: written } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return { position: await content.changeConcept(ctx, admin, request.params.id, request.body) }
  })
  app.delete('/v1/concepts/:id', { schema: { tags, security, summary: 'Remove a concept', params: IdParams, response: written } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return { position: await content.removeConcept(ctx, admin, request.params.id) }
  })

  app.post('/v1/concepts/:conceptId/activities', { schema: { tags, security, summary: 'Add a multiple-choice activity', params: ConceptParams, body: ActivityBody, response: created } }, async (request, reply) => {
    const admin = await requireAdmin(request, ctx)
    const r = await content.addActivity(ctx, admin, request.params.conceptId, request.body)
    return reply.status(201).send({ id: r.activityId, moduleId: r.moduleId, conceptId: r.conceptId, position: r.position })
  })
  app.patch('/v1/activities/:id', { schema: { tags, security, summary: 'Change an activity (live for learners at once)', params: IdParams, body: ActivityPatch, response: written } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return { position: await content.changeActivity(ctx, admin, request.params.id, request.body) }
  })
  app.delete('/v1/activities/:id', { schema: { tags, security, summary: 'Remove an activity', params: IdParams, response: written } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return { position: await content.removeActivity(ctx, admin, request.params.id) }
  })

  app.post('/v1/concepts/:conceptId/cards', { schema: { tags, security, summary: 'Add a knowledge card', params: ConceptParams, body: CardBody, response: created } }, async (request, reply) => {
    const admin = await requireAdmin(request, ctx)
    const r = await content.addCard(ctx, admin, request.params.conceptId, request.body)
    return reply.status(201).send({ id: r.cardId, moduleId: r.moduleId, conceptId: r.conceptId, position: r.position })
  })
  app.patch('/v1/cards/:id', { schema: { tags, security, summary: 'Change a knowledge card', params: IdParams, body: CardPatch, response: written } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return { position: await content.changeCard(ctx, admin, request.params.id, request.body) }
  })
  app.delete('/v1/cards/:id', { schema: { tags, security, summary: 'Remove a knowledge card', params: IdParams, response: written } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return { position: await content.removeCard(ctx, admin, request.params.id) }
  })
}
