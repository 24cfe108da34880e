// The learner's web player: three static files served from the service's own origin,
// so the pages call the API without CORS. Read once at startup; content is fetched
// live by the page (R6), so the files themselves are never cached stale.
import { readFileSync } from 'node:fs'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { RouteDeps } from './common.ts'

const playerDir = new URL('../player/', import.meta.url)

// No inline scripts or styles anywhere; the LMS frames the player from any origin.
const contentSecurityPolicy = "default-src 'self'; frame-ancestors *; base-uri 'none'; form-action 'self'"

const files = [
  { url: '/player/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { url: '/player/player.js', file: 'player.js', type: 'text/javascript; charset=utf-8' },
  { url: '/player/player.css', file: 'player.css', type: 'text/css; charset=utf-8' }
] as const

export const playerRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app) => {
  for (const { url, file, type } of files) {
    const body = readFileSync(new URL(file, playerDir))
    app.get(url, { schema: { hide: true } }, async (_request, reply) => {
      return reply
        .header('content-type', type)
        .header('cache-control', 'no-cache')
        .header('content-security-policy', contentSecurityPolicy)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .send(body)
    })
  }
  app.get('/player', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/player/', 301))
}
