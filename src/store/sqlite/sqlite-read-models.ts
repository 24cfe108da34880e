import type { Statement } from 'better-sqlite3'
import type { Checkpoint, ReadModelStore } from '../../projections/projection.ts'
import type { SqliteDatabase } from './database.ts'

/**
 * Read models in the same SQLite file as the log, so a projection's documents and
 * its checkpoint commit in one transaction: after a crash they are never out of step.
 */
export class SqliteReadModels implements ReadModelStore {
  private readonly sql: {
    checkpoint: Statement<[string], { position: number, version: number }>
    get: Statement<[string, string], { doc: string }>
    list: Statement<[string, string, string, number], { key: string, doc: string }>
    upsert: Statement<[string, string, string]>
    remove: Statement<[string, string]>
    setCheckpoint: Statement<[string, number, number, number]>
    clear: Statement<[string]>
  }

  constructor (private readonly db: SqliteDatabase, private readonly now: () => number = Date.now) {
    this.sql = {
      checkpoint: db.prepare('SELECT position, version FROM projection_checkpoints WHERE projection = ?'),
      get: db.prepare('SELECT doc FROM projection_docs WHERE projection = ? AND key = ?'),
      list: db.prepare('SELECT key, doc FROM projection_docs WHERE projection = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?'),
      upsert: db.prepare('INSERT INTO projection_docs (projection, key, doc) VALUES (?, ?, ?) ON CONFLICT (projection, key) DO UPDATE SET doc = excluded.doc'),
      remove: db.prepare('DELETE FROM projection_docs WHERE projection = ? AND key = ?'),
      setCheckpoint: db.prepare(`INSERT INTO projection_checkpoints (projection, position, version, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (projection) DO UPDATE SET position = excluded.position, version = excluded.version, updated_at = excluded.updated_at`),
      clear: db.prepare('DELETE FROM projection_docs WHERE projection = ?')
    }
  }

  async checkpoint (projection: string): Promise<Checkpoint | undefined> {
    return this.sql.checkpoint.get(projection)
  }

  async get<Doc> (projection: string, key: string): Promise<Doc | undefined> {
    const row = this.sql.get.get(projection, key)
    return row === undefined ? undefined : JSON.parse(row.doc) as Doc
  }

  async list<Doc> (projection: string, prefix: string, limit = 10_000): Promise<{ key: string, doc: Doc }[]> {
    return this.sql.list.all(projection, prefix, prefix + '\uffff', limit)
      .map(row => ({ key: row.key, doc: JSON.parse(row.doc) as Doc }))
  }

  async commit (projection: string, checkpoint: Checkpoint, changes: ReadonlyMap<string, unknown>): Promise<void> {
    const serialised = new Map<string, string | undefined>()
    for (const [key, doc] of changes) serialised.set(key, doc === undefined ? undefined : JSON.stringify(doc))
    await this.commitSerialised(projection, checkpoint, serialised)
  }

  async commitSerialised (projection: string, checkpoint: Checkpoint, changes: ReadonlyMap<string, string | undefined>): Promise<void> {
    // Read models can be rebuilt from the log, so their commits need not wait for the
    // disk: in WAL mode the next event append's fsync makes them durable too. Both run
    // synchronously on this one connection, so no append commits under NORMAL.
    const synchronous = this.db.pragma('synchronous', { simple: true }) as number
    if (synchronous > 1) this.db.pragma('synchronous = NORMAL')
    try {
      this.db.transaction(() => {
        for (const [key, doc] of changes) {
          if (doc === undefined) this.sql.remove.run(projection, key)
          else this.sql.upsert.run(projection, key, doc)
        }
        this.sql.setCheckpoint.run(projection, checkpoint.position, checkpoint.version, this.now())
      }).immediate()
    } finally {
      if (synchronous > 1) this.db.pragma(`synchronous = ${synchronous}`)
    }
  }

  async reset (projection: string, version: number): Promise<void> {
    this.db.transaction(() => {
      this.sql.clear.run(projection)
      this.sql.setCheckpoint.run(projection, 0, version, this.now())
    }).immediate()
  }
}
