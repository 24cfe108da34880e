// The answers of the launch URLs an LMS opens itself (AICC, cmi5, xAPI): a redirect to the
// player, the session token in the URL fragment (which never reaches a server or a log), or a
// page that says why the course cannot start and what to do.
import type { FastifyReply } from 'fastify'
import { AppError } from '../../errors.ts'
import { retryAfter, toErrorReply } from '../error-handler.ts'
import { escapeHtml } from '../../../packaging/html.ts'

const contentSecurityPolicy = "default-src 'none'; style-src 'self'; frame-ancestors *; base-uri 'none'; form-action 'none'"

export function redirectToPlayer (reply: FastifyReply, playerUrl: string): FastifyReply {
  return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(playerUrl, 303)
}

/** The refusal page for an AppError; anything else is rethrown (a 500 for the error handler). */
export function refuseLaunch (reply: FastifyReply, error: unknown, log: (code: string) => void): FastifyReply {
  const refusal = toErrorReply(error)
  if (refusal === undefined || !(error instanceof AppError)) throw error
  log(refusal.body.error.code)
  retryAfter(error, reply)
  return reply
    .status(refusal.status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', contentSecurityPolicy)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .send(refusalPage(refusal.body.error.message, refusal.body.error.code))
}

function refusalPage (message: string, code: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>This course can't start right now</title></head>
<body>
<main>
<h1>This course can't start right now</h1>
<p>${escapeHtml(message)}</p>
<p><small>Reference for your administrator: ${escapeHtml(code)}</small></p>
</main>
</body>
</html>
`
}
