// Builds the HTTP app from its dependencies; only the entry point listens.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Ajv } from 'ajv'
import formatsPlugin from 'ajv-formats'

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = formatsPlugin as unknown as typeof formatsPlugin.default
import { httpSchemas } from '../../schemas/http.ts'
import type { AppContext } from '../app/context.ts'
import type { Config } from '../config.ts'
import { frameworkErrorReply, installErrorHandling } from './error-handler.ts'
import { RateLimits, type RateLimitSettings } from './rate-limit.ts'
import { operatorRoutes } from './routes/operator.ts'
import { contentRoutes } from './routes/content.ts'
import { profileRoutes } from './routes/profiles.ts'
import { learnerRoutes } from './routes/learners.ts'
import { meRoutes } from './routes/me.ts'
import { activityRoutes } from './routes/activity.ts'
import { eventRoutes } from './routes/events.ts'
import { healthRoutes } from './routes/health.ts'
import { lmsLinkRoutes } from './routes/lms-links.ts'
import { packageRoutes } from './routes/packages.ts'
import { lmsRoutes } from './routes/lms.ts'
import { aiccRoutes } from './routes/aicc.ts'
import { xapiLaunchRoutes } from './routes/xapi-launch.ts'
import type { XapiLaunchDeps } from '../app/xapi-launch.ts'
import { playerRoutes } from './routes/player.ts'
import { progressRoutes } from './routes/progress.ts'
import { adminPageRoutes } from './routes/admin-page.ts'

export interface AppOptions {
  readonly logger?: FastifyServerOptions['loggerInstance']
  /** Stand-ins for the LRS calls of cmi5/xAPI launches (tests of failures only). */
  readonly xapi?: XapiLaunchDeps
  /** Limits on sign-in and launches (tests set small ones). */
  readonly rateLimits?: RateLimitSettings
}

/** A CSP and nosniff unless the route set its own: data that no browser should run or frame. */
function securityHeaders (reply: FastifyReply): FastifyReply {
  if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'")
  if (!reply.hasHeader('x-content-type-options')) reply.header('x-content-type-options', 'nosniff')
  return reply
}

/** TRUST_PROXY as fastify takes it: none, the first n hops, or these proxies. */
function trustedProxies (trust: Config['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (trust === false) return false
  if (typeof trust === 'number') return (_address, hop) => hop < trust
  return [...trust]
}

export async function buildApp (ctx: AppContext, config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger }),
    bodyLimit: 1024 * 1024,
    // Behind a proxy, the client's address (rate limits, logs) comes from X-Forwarded-For,
    // believed only as far as TRUST_PROXY says.
    trustProxy: trustedProxies(config.trustProxy),
    // LMS user ids (up to 255 characters) travel percent-encoded in paths.
    routerOptions: { maxParamLength: 3072 },
    // Clients send a request id to trace a request through our logs.
    requestIdHeader: 'x-request-id',
    // Otherwise a per-process prefix and a counter: request ids need to be unique, not secret.
    genReqId: requestIds(ctx.newId('req')),
    // Errors the router raises before any route runs (a malformed or over-long path) get
    // our error shape and codes too.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      const mapped = frameworkErrorReply(error)
      // These replies skip the hooks, the security headers' one too.
      return securityHeaders(reply).status(mapped.status).send(mapped.body)
    }
  }).withTypeProvider<TypeBoxTypeProvider>()

  // One ajv for every route: strict about unknown properties, coercing query strings.
  const ajv = new Ajv({ allErrors: false, coerceTypes: 'array', useDefaults: true, removeAdditional: false, strict: false })
  addFormats(ajv, ['date-time', 'email', 'uri'])
  for (const schema of httpSchemas) ajv.addSchema(schema)
  app.setValidatorCompiler(({ schema }) => {
    const id = (schema as { $id?: string }).$id
    return (id === undefined ? ajv.compile(schema) : ajv.getSchema(id) ?? ajv.compile(schema)) as never
  })

  installErrorHandling(app)

  // Read your own writes across requests: a client may ask to read no older state
  // than the log position a write returned.
  // Only reads wait, so the hook goes on GET routes only; other requests do not pay for it.
  const waitForMinPosition = (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
    const header = request.headers['x-min-position']
    const position = typeof header === 'string' ? Number(header) : 0
    if (!Number.isSafeInteger(position) || position <= 0) return done()
    ctx.runner.waitFor(position, { timeoutMs: 5000 }).then(() => done(), done)
  }
  app.addHook('onRoute', route => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    if (!methods.includes('GET')) return
    route.preHandler = [waitForMinPosition, ...(route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler])]
  })

  await app.register(swagger, {
    openapi: {
      info: { title: 'mastery-sync', version: '0.1.0', description: 'LMS packages and progress sync for mastery learning. Errors: docs/errors.md.' },
      servers: [{ url: config.publicUrl }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Admin key (msk_…), learner session token (mst_…) or the operator token' } } }
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.title ?? `def-${i}`) }
  })
  // The API reference page runs swagger-ui's own scripts: its CSP allows exactly those. It is
  // not framed, and it loads over the scheme it was served with (no upgrade to https, which
  // would break it on a plain-http development address).
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: header => header.replace("frame-ancestors 'self'", "frame-ancestors 'none'").replace(/\s*upgrade-insecure-requests;?/, '')
  })

  // Every answer carries a CSP: pages set their own (player, admin page, launch pages, /docs);
  // everything else is data, which no browser should run or frame.
  app.addHook('onSend', (_request, reply, payload, done) => {
    securityHeaders(reply)
    done(null, payload)
  })

  const deps = { ctx, config, limits: new RateLimits(options.rateLimits ?? config.rateLimits, ctx.now) }
  await app.register(healthRoutes, deps)
  await app.register(operatorRoutes, deps)
  await app.register(contentRoutes, deps)
  await app.register(profileRoutes, deps)
  await app.register(learnerRoutes, deps)
  await app.register(meRoutes, deps)
  await app.register(activityRoutes, deps)
  await app.register(eventRoutes, deps)
  await app.register(lmsLinkRoutes, deps)
  await app.register(packageRoutes, deps)
  await app.register(lmsRoutes, deps)
  await app.register(aiccRoutes, deps)
  await app.register(xapiLaunchRoutes, { ...deps, ...(options.xapi === undefined ? {} : { xapi: options.xapi }) })
  await app.register(playerRoutes, deps)
  await app.register(progressRoutes, deps)
  await app.register(adminPageRoutes, deps)
  return app
}

function requestIds (prefix: string): () => string {
  let counter = 0
  return () => `${prefix}-${(++counter).toString(36)}`
}
