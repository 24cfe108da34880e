// Every projection the service runs.
import type { ProjectionDefinition } from '../src/projections/projection.ts'
import { accountsProjection } from './accounts.ts'
import { catalogProjection } from './catalog.ts'
import { learnersProjection } from './learners.ts'
import { masteryProjection } from './mastery.ts'
import { lmsLinksProjection } from './lms-links.ts'

export const projections: readonly ProjectionDefinition[] = [
  accountsProjection, catalogProjection, learnersProjection, masteryProjection, lmsLinksProjection
] as readonly ProjectionDefinition[]
