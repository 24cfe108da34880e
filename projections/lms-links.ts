// Links between LMS user ids and learners (R2). Filled in with the linking feature.
import type { ProjectionDefinition } from '../src/projections/projection.ts'

export const lmsLinksProjection: ProjectionDefinition<unknown> = {
  name: 'lms-links',
  version: 1,
  eventTypes: new Set(['LmsUserLinked', 'LmsUserUnlinked']),
  keys: () => [],
  evolve: doc => doc
}
