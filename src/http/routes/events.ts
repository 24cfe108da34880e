import { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { EventsQuery } from '../../../schemas/http.ts'
import type { RecordedEvent } from '../../store/event-store.ts'
import { requireAdmin } from '../auth.ts'
import { errors, type RouteDeps } from './common.ts'

export interface EventFilter {
  readonly accountId: string
  readonly types?: ReadonlySet<string>
  readonly stream?: string
}

const pageSize = 1000

/** The account's events after a position, in log order, filtered, as they come off the store. */
export async function * accountEvents (ctx: RouteDeps['ctx'], filter: EventFilter, after: number, limit: number): AsyncGenerator<RecordedEvent> {
  const head = await ctx.store.headPosition()
  const prefix = filter.stream?.endsWith('*') === true ? filter.stream.slice(0, -1) : undefined
  let sent = 0
  let position = after
  while (sent < limit && position < head) {
    const page = await ctx.store.readAll({ after: position, maxCount: pageSize })
    if (page.length === 0) break
    for (const event of page) {
      position = event.position
      if (event.position > head) return
      if (event.metadata.accountId !== filter.accountId) continue
      if (filter.types !== undefined && !filter.types.has(event.type)) continue
      if (filter.stream !== undefined && (prefix === undefined ? event.streamId !== filter.stream : !event.streamId.startsWith(prefix))) continue
      yield event
      if (++sent >= limit) return
    }
  }
}

// Secrets never leave through history, even hashed ones.
function redact (event: RecordedEvent): unknown {
  const data = event.data as Record<string, unknown>
  const safe = 'passwordHash' in data ? { ...data, passwordHash: '[redacted]' } : data
  return {
    position: event.position,
    id: event.id,
    type: event.type,
    streamId: event.streamId,
    revision: event.revision,
    recordedAt: new Date(event.recordedAt).toISOString(),
    data: safe,
    metadata: event.metadata
  }
}

export const eventRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { ctx }) => {
  app.get('/v1/events', {
    schema: {
      tags: ['history'],
      security: [{ bearer: [] }],
      summary: 'The account\'s event log as NDJSON (one event per line), in log order',
      querystring: EventsQuery,
      response: { 200: Type.Unknown({ description: 'NDJSON: one event per line ({ position, id, type, streamId, revision, recordedAt, data, metadata })' }), ...errors }
    }
  }, async (request, reply) => {
    const admin = await requireAdmin(request, ctx)
    const { after = 0, limit = 1000, type, stream } = request.query
    const types = type === undefined ? undefined : new Set(type.split(',').map(t => t.trim()).filter(t => t !== ''))
    const events = accountEvents(ctx, { accountId: admin.accountId, ...(types === undefined ? {} : { types }), ...(stream === undefined ? {} : { stream }) }, after, limit)
    const lines = Readable.from((async function * () {
      for await (const event of events) yield JSON.stringify(redact(event)) + '\n'
    })())
    return reply.type('application/x-ndjson; charset=utf-8').send(lines)
  })
}
