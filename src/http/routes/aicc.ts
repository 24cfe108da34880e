// The AICC launch URL (the AU's File_Name in an AICC package). The LMS opens it in a window or
// frame with aicc_sid and aicc_url appended; names are case-insensitive (CMI001). On success
// the learner is sent on to the player, their session token in the URL fragment (which never
// reaches a server or a log); on a refusal they get a page that says what to do.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { launchAicc } from '../../app/aicc-launch.ts'
import type { RouteDeps } from './common.ts'
import { redirectToPlayer, refuseLaunch } from './launch-page.ts'

export const aiccRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { ctx, limits }) => {
  app.get('/lms/aicc/launch', { schema: { hide: true } }, async (request, reply) => {
    const query = launchQuery(request.query as Record<string, unknown>)
    try {
      limits.checkLaunch(request)
      const revision = Number(query.get('revision'))
      const opened = await launchAicc(ctx, {
        packageId: query.get('package') ?? '',
        revision: Number.isSafeInteger(revision) ? revision : 0,
        launchKey: query.get('key') ?? '',
        aiccSid: query.get('aicc_sid'),
        aiccUrl: query.get('aicc_url')
      })
      request.log.info({ sessionId: opened.sessionId, packageId: query.get('package') }, 'aicc session launched')
      return redirectToPlayer(reply, opened.playerUrl)
    } catch (error) {
      return refuseLaunch(reply, error, code => request.log.info({ code, packageId: query.get('package') }, 'aicc launch refused'))
    }
  })
}

/**
 * Query names in any case. Some LMSs append `?aicc_sid=…` to a File_Name that already has a
 * query, which glues it onto the last value (`key=…?aicc_sid=…&aicc_url=…`): unglue it.
 */
function launchQuery (raw: Record<string, unknown>): Map<string, string> {
  const query = new Map<string, string>()
  const add = (name: string, value: unknown): void => {
    const text = Array.isArray(value) ? String(value[0] ?? '') : String(value ?? '')
    const key = name.toLowerCase()
    const glued = text.indexOf('?')
    if (glued >= 0 && /(^|&)aicc_(sid|url)=/i.test(text.slice(glued + 1))) {
      for (const [n, v] of new URLSearchParams(text.slice(glued + 1))) add(n, v)
      if (!query.has(key)) query.set(key, text.slice(0, glued))
    } else if (!query.has(key)) {
      query.set(key, text)
    }
  }
  for (const [name, value] of Object.entries(raw)) add(name, value)
  return query
}
