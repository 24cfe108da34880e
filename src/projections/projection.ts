import type { RecordedEvent } from '../store/event-store.ts'

/**
 * A projection is a pure definition: which events it reads, which read-model
 * documents each event touches, and how a document evolves. The runner does the I/O.
 * Documents are plain JSON data; `evolve` must not mutate its input.
 */
export interface ProjectionDefinition<Doc = unknown> {
  readonly name: string
  /** Bump it when evolve changes meaning: the runner then rebuilds from zero. */
  readonly version: number
  readonly eventTypes: ReadonlySet<string>
  /** Keys of the documents this event changes. */
  keys (event: RecordedEvent): readonly string[]
  /** The document after the event; undefined deletes it. */
  evolve (doc: Doc | undefined, event: RecordedEvent, key: string): Doc | undefined
  /**
   * Optional: the document after several events of one batch (in log order), when that is
   * cheaper than one `evolve` each. It must equal folding them through `evolve`.
   */
  evolveAll? (doc: Doc | undefined, events: readonly RecordedEvent[], key: string): Doc | undefined
  /**
   * Set when every document is changed by the events of one stream only (a learner's ledger
   * by that learner's activity stream). A rebuild may then replay the log stream by stream,
   * each stream's events together and in order, folding every document once.
   */
  readonly documentsFollowStreams?: boolean
}

export interface Checkpoint {
  readonly position: number
  readonly version: number
}

/** Where read models and their checkpoints live; one commit is atomic. */
export interface ReadModelStore {
  checkpoint (projection: string): Promise<Checkpoint | undefined>
  get<Doc> (projection: string, key: string): Promise<Doc | undefined>
  /** Documents whose key starts with prefix, in key order. */
  list<Doc> (projection: string, prefix: string, limit?: number): Promise<{ key: string, doc: Doc }[]>
  /** Writes changed documents (undefined = delete) and the checkpoint together, or nothing. */
  commit (projection: string, checkpoint: Checkpoint, changes: ReadonlyMap<string, unknown>): Promise<void>
  /** The same, with documents already serialised as JSON (undefined = delete). */
  commitSerialised (projection: string, checkpoint: Checkpoint, changes: ReadonlyMap<string, string | undefined>): Promise<void>
  /** Drops every document of the projection and sets its checkpoint to 0. */
  reset (projection: string, version: number): Promise<void>
}
