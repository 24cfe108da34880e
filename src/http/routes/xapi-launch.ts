// The cmi5 and xAPI (Tin Can) launch URLs (the AU's url in cmi5.xml, the launch in
// tincan.xml). The LMS adds its parameters to the query; the service reads the learner and
// the LRS from them and talks to the LRS itself.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { launchCmi5, launchTincan, type XapiLaunchDeps } from '../../app/xapi-launch.ts'
import type { RouteDeps } from './common.ts'
import { redirectToPlayer, refuseLaunch } from './launch-page.ts'

export const xapiLaunchRoutes: FastifyPluginAsyncTypebox<RouteDeps & { xapi?: XapiLaunchDeps }> = async (app, { ctx, xapi, limits }) => {
  const routes = [
    { url: '/lms/cmi5/launch', name: 'cmi5', open: launchCmi5 },
    { url: '/lms/xapi/launch', name: 'xapi', open: launchTincan }
  ] as const
  for (const { url, name, open } of routes) {
    app.get(url, { schema: { hide: true } }, async (request, reply) => {
      const query = new URLSearchParams()
      for (const [key, value] of Object.entries(request.query as Record<string, unknown>)) {
        for (const one of Array.isArray(value) ? value : [value]) query.append(key, String(one))
      }
      const packageId = query.get('package') ?? ''
      try {
        limits.checkLaunch(request)
        const revision = Number(query.get('revision'))
        const opened = await open(ctx, {
          packageId,
          revision: Number.isSafeInteger(revision) ? revision : 0,
          launchKey: query.get('key') ?? '',
          query
        }, xapi)
        request.log.info({ sessionId: opened.sessionId, packageId }, `${name} session launched`)
        return redirectToPlayer(reply, opened.playerUrl)
      } catch (error) {
        return refuseLaunch(reply, error, code => request.log.info({ code, packageId }, `${name} launch refused`))
      }
    })
  }
}
