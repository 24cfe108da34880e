// A raw `events` table for baselines: the DDL and pragmas copied from
// src/store/sqlite/database.ts (synchronous as asked), so raw better-sqlite3 inserts and
// scans run against exactly what the store uses. `assertSameEventsSchema` fails the
// benchmark if the copy drifts from the store's migration.
import Database from 'better-sqlite3'
import type { SqliteDatabase } from '../../src/store/sqlite/database.ts'

const eventsDdl = `CREATE TABLE events (
     position    INTEGER PRIMARY KEY,
     event_id    TEXT    NOT NULL UNIQUE,
     stream_id   TEXT    NOT NULL,
     revision    INTEGER NOT NULL,
     type        TEXT    NOT NULL,
     data        TEXT    NOT NULL,
     metadata    TEXT    NOT NULL,
     recorded_at INTEGER NOT NULL,
     UNIQUE (stream_id, revision)
   )`

export type Synchronous = 'full' | 'normal'

/** A database with the store's pragmas (src/store/sqlite/database.ts, openSqlite). */
export function openRaw (filename: string, synchronous: Synchronous): SqliteDatabase {
  const db = new Database(filename)
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${synchronous === 'normal' ? 'NORMAL' : 'FULL'}`)
  db.pragma('busy_timeout = 5000')
  db.pragma('cache_size = -65536')
  db.pragma('temp_store = MEMORY')
  return db
}

export function openRawEventsTable (filename: string, synchronous: Synchronous): SqliteDatabase {
  const db = openRaw(filename, synchronous)
  db.exec(eventsDdl)
  return db
}

/** The events table and its indexes (autoindexes of the UNIQUE constraints) as SQLite describes them. */
function eventsSchema (db: SqliteDatabase): string {
  const rows = db.prepare("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'events' ORDER BY type, name").all() as { type: string, name: string, sql: string | null }[]
  const columns = db.prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info('events')").all()
  const indexes = db.prepare("SELECT name, \"unique\" FROM pragma_index_list('events') ORDER BY name").all() as { name: string }[]
  const indexColumns = indexes.map(i => db.prepare('SELECT name FROM pragma_index_info(?)').all(i.name))
  return JSON.stringify({ objects: rows.map(r => [r.type, r.name, r.sql?.replace(/\s+/g, ' ')]), columns, indexes, indexColumns })
}

export function assertSameEventsSchema (store: SqliteDatabase, raw: SqliteDatabase): void {
  const a = eventsSchema(store)
  const b = eventsSchema(raw)
  if (a !== b) throw new Error(`bench/support/events-table.ts no longer matches the store's events table:\nstore: ${a}\nraw:   ${b}`)
}
