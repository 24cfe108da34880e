// Who is calling: an operator (OPERATOR_TOKEN), an account admin (admin key) or a
// learner (session token). Each route says which it accepts.
import { timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { AppError } from '../errors.ts'
import { authenticateAdmin, type AdminPrincipal } from '../app/accounts.ts'
import { authenticateLearner, type LearnerPrincipal } from '../app/learners.ts'
import type { AppContext } from '../app/context.ts'

export type Principal = AdminPrincipal | LearnerPrincipal | { kind: 'operator' }

function bearer (request: FastifyRequest): string {
  const header = request.headers.authorization
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (match?.[1] === undefined) throw new AppError('MS_ERR_UNAUTHENTICATED', 'Send your credentials as "Authorization: Bearer <token>".')
  return match[1]
}

export async function requireOperator (request: FastifyRequest, operatorToken: string | undefined): Promise<void> {
  if (operatorToken === undefined) throw new AppError('MS_ERR_FORBIDDEN', 'Operator routes are disabled: set OPERATOR_TOKEN to enable them.')
  const given = Buffer.from(bearer(request))
  const expected = Buffer.from(operatorToken)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AppError('MS_ERR_UNAUTHENTICATED', 'This operator token is not valid.')
}

export async function requireAdmin (request: FastifyRequest, ctx: AppContext): Promise<AdminPrincipal> {
  const token = bearer(request)
  if (token.startsWith('mst_')) throw new AppError('MS_ERR_FORBIDDEN', 'This route needs an admin key; a learner session cannot use it.')
  return authenticateAdmin(ctx, token)
}

export async function requireLearner (request: FastifyRequest, ctx: AppContext): Promise<LearnerPrincipal> {
  const token = bearer(request)
  if (token.startsWith('msk_')) throw new AppError('MS_ERR_FORBIDDEN', 'This route is for learners: sign in with POST /v1/auth/login and use the session token.')
  return authenticateLearner(ctx, token)
}

export async function requireAdminOrLearner (request: FastifyRequest, ctx: AppContext): Promise<AdminPrincipal | LearnerPrincipal> {
  const token = bearer(request)
  return token.startsWith('mst_') ? authenticateLearner(ctx, token) : authenticateAdmin(ctx, token)
}
