// One place maps every failure to `{ error: { code, message, details? } }` with the
// registry's status. Unexpected errors are logged and reported without internals.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import { AppError, errorCodes, type ErrorCode } from '../errors.ts'
import { ReadTimeoutError } from '../projections/runner.ts'
import { isStoreUnavailable } from '../store/event-store.ts'

const reply = (code: ErrorCode, message: string, details?: unknown) => ({ status: errorCodes[code].status, body: { error: { code, message, ...(details === undefined ? {} : { details }) } } })

export function toErrorReply (error: unknown): { status: number, body: { error: { code: string, message: string, details?: unknown } } } | undefined {
  if (error instanceof AppError) return reply(error.code, error.message, error.details)
  if (error instanceof ReadTimeoutError) return reply('MS_ERR_READ_TIMEOUT', 'The read models have not caught up with that log position yet; retry shortly.')
  if (isStoreUnavailable(error)) return reply('MS_ERR_STORE_UNAVAILABLE', 'The service lost its connection to its database for a moment; retry the request shortly (activity with the same event ids is never recorded twice).')
  const e = error as FastifyError
  if (e.validation !== undefined) {
    const first = e.validation[0]
    const where = e.validationContext ?? 'body'
    const path = first?.instancePath === undefined || first.instancePath === '' ? where : `${where}${first.instancePath.replace(/\//g, '.')}`
    const extra = first?.keyword === 'additionalProperties' ? ` (unknown property "${String((first.params as { additionalProperty?: string }).additionalProperty)}")` : ''
    // A choice of fixed values (a union of literals) fails on each of them: name them all.
    const allowed = first?.keyword === 'const'
      ? e.validation.filter(v => v.keyword === 'const' && v.instancePath === first.instancePath).map(v => JSON.stringify((v.params as { allowedValue?: unknown }).allowedValue))
      : []
    const message = allowed.length > 1 ? `must be one of ${allowed.join(', ')}` : first?.message ?? 'is not valid'
    return reply('MS_ERR_VALIDATION', `${path} ${message}${extra}.`, e.validation.map(v => ({ path: v.instancePath, message: v.message })))
  }
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return reply('MS_ERR_UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json.')
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return reply('MS_ERR_BODY_TOO_LARGE', 'The body is too large for this route.')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': return reply('MS_ERR_BAD_JSON', 'The body is empty; send a JSON document.')
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH': return reply('MS_ERR_VALIDATION', 'Content-Length does not match the body.')
  }
  if (e.statusCode === 400 && (e instanceof SyntaxError || /JSON/i.test(e.message))) return reply('MS_ERR_BAD_JSON', 'The body is not valid JSON.')
  return undefined
}

/** Router errors (fastify's frameworkErrors): a path that cannot be decoded or is too long. */
export function frameworkErrorReply (error: FastifyError): { status: number, body: { error: { code: string, message: string } } } {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return reply('MS_ERR_URI_TOO_LONG', 'A part of the path is longer than any id this API uses; check the URL.')
  if (error.code === 'FST_ERR_BAD_URL') return reply('MS_ERR_VALIDATION', 'The path is not a valid URL (a percent sign without two hex digits?); check the URL.')
  return reply('MS_ERR_VALIDATION', 'The request could not be routed; check the URL and headers.')
}

/** A rate-limited request says when to come back (Retry-After, in seconds). */
export function retryAfter (error: unknown, res: FastifyReply): void {
  if (!(error instanceof AppError) || error.code !== 'MS_ERR_RATE_LIMITED') return
  const seconds = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds
  if (seconds !== undefined) res.header('retry-after', String(seconds))
}

export function installErrorHandling (app: FastifyInstance): void {
  app.setErrorHandler((error, request, res) => {
    const mapped = toErrorReply(error)
    retryAfter(error, res)
    if (mapped !== undefined) {
      if (mapped.status >= 500) request.log.warn({ err: error }, 'request failed')
      return res.status(mapped.status).send(mapped.body)
    }
    request.log.error({ err: error }, 'unexpected error')
    const internal = reply('MS_ERR_INTERNAL', `Something went wrong on our side; quote request id ${request.id} when reporting it.`)
    return res.status(internal.status).send(internal.body)
  })
  app.setNotFoundHandler((request, res) => {
    const r = reply('MS_ERR_ROUTE_NOT_FOUND', `There is no route ${request.method} ${request.url.split('?')[0]}; see /docs for the API.`)
    return res.status(r.status).send(r.body)
  })
}
