import type { Logger } from 'pino'
import type { EventStore } from '../store/event-store.ts'
import type { ProjectionRunner } from '../projections/runner.ts'
import type { PackageFiles } from '../packaging/package-files.ts'
import type { LmsCredentials } from '../lms/lms-credentials.ts'
import type { OutboundFetch } from '../lms/outbound.ts'

/** What application services need: the log, the read models, a clock, ids and a logger. */
export interface AppContext {
  readonly store: EventStore
  readonly runner: ProjectionRunner
  readonly now: () => number
  readonly newId: (prefix: string) => string
  readonly log: Logger
  /** Secret that signs learner tokens and package launch keys. */
  readonly tokenSecret: string
  /** The address packages and links point at. */
  readonly publicUrl: string
  readonly packageFiles: PackageFiles
  /** LRS credentials of cmi5/xAPI sessions, kept out of the event log. */
  readonly lmsCredentials: LmsCredentials
  /** Calls to LMSs and LRSs: only to public addresses unless the operator allows any (outbound.ts). */
  readonly outboundFetch: OutboundFetch
}
