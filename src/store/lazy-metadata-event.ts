// A recorded event whose metadata is parsed when first asked for: a rebuild reads the whole
// log, and most projections never look at metadata. Each store says where the metadata comes
// from: the row it already read (PostgreSQL), or a second look-up by position (SQLite, whose
// rebuild reads leave the column out).
import type { RecordedEvent } from './event-store.ts'

/** The columns every store's events table has, as the drivers return them. */
export interface EventRowWithoutMetadata {
  readonly event_id: string
  readonly type: string
  readonly data: string
  readonly stream_id: string
  readonly revision: number | string
  readonly position: number | string
  readonly recorded_at: number | string
}

export class LazyMetadataEvent implements RecordedEvent {
  readonly id: string
  readonly type: string
  readonly data: unknown
  readonly streamId: string
  readonly revision: number
  readonly position: number
  readonly recordedAt: number
  #parsed: Record<string, unknown> | undefined

  constructor (row: EventRowWithoutMetadata, private readonly metadataJson: (position: number) => string) {
    this.id = row.event_id
    this.type = row.type
    this.data = JSON.parse(row.data)
    this.streamId = row.stream_id
    this.revision = Number(row.revision)
    this.position = Number(row.position)
    this.recordedAt = Number(row.recorded_at)
  }

  get metadata (): Record<string, unknown> {
    this.#parsed ??= JSON.parse(this.metadataJson(this.position)) as Record<string, unknown>
    return this.#parsed
  }
}
