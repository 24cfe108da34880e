import type pg from 'pg'
import type { Checkpoint, ReadModelStore } from '../../projections/projection.ts'

const sql = {
  checkpoint: 'SELECT position, version FROM projection_checkpoints WHERE projection = $1',
  get: 'SELECT doc FROM projection_docs WHERE projection = $1 AND key = $2',
  // A key range, not LIKE: nothing in a prefix is a wildcard. Keys sort by code point ("C").
  list: `SELECT key, doc FROM projection_docs
    WHERE projection = $1 AND key >= $2 AND ($3::text IS NULL OR key < $3) ORDER BY key LIMIT $4`,
  // One statement is one transaction: documents and checkpoint land together or not at all.
  // A read model can be rebuilt from the log, so its commit need not wait for the disk
  // (synchronous_commit off, for this transaction only): the next append's commit flushes it.
  commit: `WITH
    relaxed AS (SELECT set_config('synchronous_commit', 'off', true)),
    removed AS (DELETE FROM projection_docs WHERE projection = $1 AND key = ANY($2::text[])),
    stored AS (
      INSERT INTO projection_docs (projection, key, doc) SELECT $1, u.key, u.doc FROM unnest($3::text[], $4::text[]) AS u(key, doc)
      ON CONFLICT (projection, key) DO UPDATE SET doc = excluded.doc)
    INSERT INTO projection_checkpoints (projection, position, version, updated_at) SELECT $1, $5, $6, $7 FROM relaxed
    ON CONFLICT (projection) DO UPDATE SET position = excluded.position, version = excluded.version, updated_at = excluded.updated_at`,
  reset: `WITH removed AS (DELETE FROM projection_docs WHERE projection = $1)
    INSERT INTO projection_checkpoints (projection, position, version, updated_at) VALUES ($1, 0, $2, $3)
    ON CONFLICT (projection) DO UPDATE SET position = excluded.position, version = excluded.version, updated_at = excluded.updated_at`
}

/**
 * Read models in the same database as the log. A projection's documents and its checkpoint
 * commit in one transaction: after a crash they are never out of step.
 */
export class PgReadModels implements ReadModelStore {
  constructor (private readonly pool: pg.Pool, private readonly now: () => number = Date.now) {}

  async checkpoint (projection: string): Promise<Checkpoint | undefined> {
    const { rows } = await this.pool.query<{ position: string, version: number }>(sql.checkpoint, [projection])
    const row = rows[0]
    return row === undefined ? undefined : { position: Number(row.position), version: row.version }
  }

  async get<Doc> (projection: string, key: string): Promise<Doc | undefined> {
    const { rows } = await this.pool.query<{ doc: string }>(sql.get, [projection, key])
    const row = rows[0]
    return row === undefined ? undefined : JSON.parse(row.doc) as Doc
  }

  async list<Doc> (projection: string, prefix: string, limit = 10_000): Promise<{ key: string, doc: Doc }[]> {
    const { rows } = await this.pool.query<{ key: string, doc: string }>(sql.list, [projection, prefix, prefixEnd(prefix) ?? null, limit])
    return rows.map(row => ({ key: row.key, doc: JSON.parse(row.doc) as Doc }))
  }

  async commit (projection: string, checkpoint: Checkpoint, changes: ReadonlyMap<string, unknown>): Promise<void> {
    const serialised = new Map<string, string | undefined>()
    for (const [key, doc] of changes) serialised.set(key, doc === undefined ? undefined : JSON.stringify(doc))
    await this.commitSerialised(projection, checkpoint, serialised)
  }

  async commitSerialised (projection: string, checkpoint: Checkpoint, changes: ReadonlyMap<string, string | undefined>): Promise<void> {
    const removed: string[] = []
    const keys: string[] = []
    const docs: string[] = []
    for (const [key, doc] of changes) {
      if (doc === undefined) removed.push(key)
      else {
        keys.push(key)
        docs.push(doc)
      }
    }
    await this.pool.query(sql.commit, [projection, removed, keys, docs, checkpoint.position, checkpoint.version, this.now()])
  }

  async reset (projection: string, version: number): Promise<void> {
    await this.pool.query(sql.reset, [projection, version, this.now()])
  }
}

/**
 * The least string above every string that starts with `prefix`, in code point order
 * (undefined: there is none, every key from the prefix on matches).
 */
export function prefixEnd (prefix: string): string | undefined {
  const points = [...prefix]
  while (points.length > 0) {
    const last = points.pop()?.codePointAt(0) ?? 0
    // Surrogate code points are not characters: UTF-8 (and so PostgreSQL) has none.
    const next = last + 1 === 0xd800 ? 0xe000 : last + 1
    if (next <= 0x10ffff) return points.join('') + String.fromCodePoint(next)
  }
  return undefined
}
