// The admin's web page at /admin/: static HTML, CSS and JS modules served from the service's own
// origin, like the learner's player. The page holds no data of its own: it calls the public
// /v1 API with the admin key the admin signs in with (kept in sessionStorage only).
import { readFileSync } from 'node:fs'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { RouteDeps } from './common.ts'

const adminDir = new URL('../admin/', import.meta.url)

// No inline scripts or styles; unlike the player, nobody needs to frame the admin page, so
// nobody may (clickjacking of the toggle or of "Retire").
export const adminContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

const html = 'text/html; charset=utf-8'
const js = 'text/javascript; charset=utf-8'
const files = [
  { url: '/admin/', file: 'index.html', type: html },
  { url: '/admin/admin.css', file: 'admin.css', type: 'text/css; charset=utf-8' },
  { url: '/admin/admin.js', file: 'admin.js', type: js },
  { url: '/admin/api.js', file: 'api.js', type: js },
  { url: '/admin/dom.js', file: 'dom.js', type: js },
  { url: '/admin/chart.js', file: 'chart.js', type: js },
  // Shared with the player (src/http/ui/).
  { url: '/admin/base.css', file: '../ui/base.css', type: 'text/css; charset=utf-8' },
  { url: '/admin/elements.js', file: '../ui/elements.js', type: js }
] as const

export const adminPageRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app) => {
  for (const { url, file, type } of files) {
    const body = readFileSync(new URL(file, adminDir))
    app.get(url, { schema: { hide: true } }, async (_request, reply) => {
      return reply
        .header('content-type', type)
        .header('cache-control', 'no-cache')
        .header('content-security-policy', adminContentSecurityPolicy)
        .header('x-frame-options', 'DENY')
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .send(body)
    })
  }
  app.get('/admin', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/admin/', 301))
}
