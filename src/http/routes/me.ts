import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import {
  AnswerBody, AnswerReply, CardsReply, LoginBody, MomentBody, MomentParams, MomentReply, MyProfilesReply,
  PasswordBody, ProfileParams, SessionReply
} from '../../../schemas/http.ts'
import { changePassword, getLearner, login, logout } from '../../app/learners.ts'
import { learnerMastery } from '../../app/mastery-view.ts'
import { answerInMoment, startMoment } from '../../app/moments.ts'
import { knowledgeCards } from '../../app/cards.ts'
import { requireLearner } from '../auth.ts'
import { errors, type RouteDeps } from './common.ts'

export const meRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { ctx, limits }) => {
  const tags = ['learners (self)']
  const security = [{ bearer: [] }]

  app.post('/v1/auth/login', { schema: { tags, summary: 'Sign in with email and password', body: LoginBody, response: { 200: SessionReply, ...errors } } }, async (request) => {
    limits.checkLogin(request, request.body.email)
    return login(ctx, request.body)
  })
  app.post('/v1/auth/logout', { schema: { tags, security, summary: 'End this session', response: { 204: Type.Null(), ...errors } } }, async (request, reply) => {
    await logout(ctx, await requireLearner(request, ctx))
    return reply.status(204).send(null)
  })
  app.get('/v1/me/profiles', { schema: { tags, security, summary: 'My Mastery Profiles with progress', response: { 200: MyProfilesReply, ...errors } } }, async (request) => {
    const me = await requireLearner(request, ctx)
    const mastery = await learnerMastery(ctx, await getLearner(ctx, me.accountId, me.learnerId))
    return me.lock === undefined ? mastery : { ...mastery, profiles: mastery.profiles.filter(p => p.profileId === me.lock?.profileId) }
  })
  app.post('/v1/me/moments', { schema: { tags, security, summary: 'Start a Mini Moment (with profileId) or a Mastery Moment (without)', body: MomentBody, response: { 201: MomentReply, ...errors } } }, async (request, reply) => {
    const me = await requireLearner(request, ctx)
    return reply.status(201).send(await startMoment(ctx, me, request.body ?? {}))
  })
  app.post('/v1/me/moments/:momentId/answers', { schema: { tags, security, summary: 'Answer an activity of the moment', params: MomentParams, body: AnswerBody, response: { 200: AnswerReply, ...errors } } }, async (request) => {
    const me = await requireLearner(request, ctx)
    return answerInMoment(ctx, me, request.params.momentId, request.body)
  })
  app.get('/v1/me/profiles/:profileId/cards', { schema: { tags, security, summary: 'Knowledge Cards of an assigned profile', params: ProfileParams, response: { 200: CardsReply, ...errors } } }, async (request) => {
    const me = await requireLearner(request, ctx)
    return knowledgeCards(ctx, me, request.params.profileId)
  })
  app.put('/v1/me/password', { schema: { tags, security, summary: 'Change my password (ends my other sessions)', body: PasswordBody, response: { 200: SessionReply, ...errors } } }, async (request) => {
    const me = await requireLearner(request, ctx)
    return changePassword(ctx, me, request.body)
  })
}
