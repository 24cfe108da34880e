// The learner's web player: static files (its own, and those it shares with the admin page) served from the service's own origin,
// so the pages call the API without CORS. Read once at startup; content is fetched
// live by the page (R6), so the files themselves are never cached stale.
import { readFileSync } from 'node:fs'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { RouteDeps } from './common.ts'
import type { AccountDoc } from '../../../projections/accounts.ts'
import { streamOf } from '../../app/lms-sessions.ts'

const playerDir = new URL('../player/', import.meta.url)

// No inline scripts or styles anywhere. Who may frame the page depends on the launch: the
// page of an LMS session takes its account's allowed LMS origins (account settings,
// lmsOrigins) as frame-ancestors, or any origin when the account has not set them (packages go
// to LMSs we do not know); after Exit too, so a reload in the LMS says the session ended.
// Anything else (the app opened directly, an unknown session) may not be framed at all. The
// rule follows the session that was launched, not an account named in the URL; and the page
// itself refuses direct use (sign-in) inside a frame, whatever rule let it be framed.
const policy = (frameAncestors: string): string => `default-src 'self'; frame-ancestors ${frameAncestors}; base-uri 'none'; form-action 'self'; object-src 'none'`
const sessionPattern = /^lms_[A-Za-z0-9_-]{1,64}$/

/** The frame-ancestors of the player's page for an LMS session (none without one). */
export async function playerFrameAncestors (ctx: RouteDeps['ctx'], sessionId: unknown): Promise<string> {
  if (typeof sessionId !== 'string' || !sessionPattern.test(sessionId)) return "'none'"
  // The log, not a read model: the page is asked for a moment after the launch was written.
  const [launched] = await ctx.store.readStream(streamOf(sessionId), { maxCount: 1 })
  if (launched?.type !== 'LmsSessionLaunched') return "'none'"
  const account = await ctx.runner.get<AccountDoc>('accounts', `account:${(launched.data as { accountId: string }).accountId}`)
  if (account === undefined) return "'none'"
  return account.settings.lmsOrigins?.join(' ') ?? '*'
}

const files = [
  { url: '/player/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { url: '/player/player.js', file: 'player.js', type: 'text/javascript; charset=utf-8' },
  { url: '/player/player.css', file: 'player.css', type: 'text/css; charset=utf-8' },
  // Shared with the admin page (src/http/ui/).
  { url: '/player/base.css', file: '../ui/base.css', type: 'text/css; charset=utf-8' },
  { url: '/player/elements.js', file: '../ui/elements.js', type: 'text/javascript; charset=utf-8' }
] as const

export const playerRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { ctx }) => {
  for (const { url, file, type } of files) {
    const body = readFileSync(new URL(file, playerDir))
    app.get(url, { schema: { hide: true } }, async (request, reply) => {
      const frameAncestors = file === 'index.html' ? await playerFrameAncestors(ctx, (request.query as Record<string, unknown>).session) : "'none'"
      return reply
        .header('content-type', type)
        .header('cache-control', 'no-cache')
        .header('content-security-policy', policy(frameAncestors))
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .send(body)
    })
  }
  app.get('/player', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/player/', 301))
}
