import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { RouteDeps } from './common.ts'

// Linking LMS users to learners (R2): filled in with the linking feature.
export const lmsLinkRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async () => {}
