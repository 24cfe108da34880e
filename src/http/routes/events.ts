import { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { EventsQuery } from '../../../schemas/http.ts'
import { historyFilter, historyLines, readHistory } from '../../app/history.ts'
import type { RecordedEvent } from '../../store/event-store.ts'
import { requireAdmin } from '../auth.ts'
import { errors, type RouteDeps } from './common.ts'

/** Lines ready to send, one page of the log at a time. */
async function * ndjson (pages: AsyncIterable<RecordedEvent[]>): AsyncGenerator<string> {
  for await (const page of pages) yield historyLines(page)
}

export const eventRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { ctx }) => {
  app.get('/v1/events', {
    schema: {
      tags: ['history'],
      security: [{ bearer: [] }],
      summary: 'The account\'s event log as NDJSON (one event per line), in log order, filtered by types, streams, recorded time and position; at most `limit` events a call: to read on, call again with `after` = the last line\'s position, until fewer than `limit` come back',
      querystring: EventsQuery,
      response: { 200: Type.Unknown({ description: 'NDJSON: one event per line ({ position, id, type, streamId, revision, recordedAt, data, metadata }); password hashes read [redacted]' }), ...errors }
    }
  }, async (request, reply) => {
    const admin = await requireAdmin(request, ctx)
    const { after, limit = 1000, type, stream, from, to } = request.query
    // A bad filter is refused here, before the reply starts.
    const filter = historyFilter({ account: admin.accountId, after, limit, type, stream, from, to })
    // A byte stream, not an object stream: it pulls the next page of the log only once the
    // socket has taken the last (high-water mark in bytes), so a slow client holds one page.
    const body = Readable.from(ndjson(readHistory(ctx.store, filter)), { objectMode: false, highWaterMark: 64 * 1024 })
    return reply.type('application/x-ndjson; charset=utf-8').send(body)
  })
}
