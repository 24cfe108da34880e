// Every projection the service runs.
import type { ProjectionDefinition } from '../src/projections/projection.ts'
import { accountsProjection } from './accounts.ts'
import { catalogProjection } from './catalog.ts'
import { learnersProjection } from './learners.ts'
import { masteryProjection } from './mastery.ts'
import { lmsLinksProjection } from './lms-links.ts'
import { packagesProjection } from './packages.ts'
import { lmsAdapterProjection } from './lms-adapter.ts'

export const projections: readonly ProjectionDefinition[] = [
  accountsProjection, catalogProjection, learnersProjection, masteryProjection, lmsLinksProjection, packagesProjection, lmsAdapterProjection
] as readonly ProjectionDefinition[]

/** Where worker threads (parallel replays) load these definitions from: this module. */
export const projectionsModule = { url: import.meta.url, exportName: 'projections' } as const
