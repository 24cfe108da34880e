import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

export type SqliteDatabase = Database.Database

export interface OpenSqliteOptions {
  /** File path, or ':memory:'. */
  readonly filename: string
  /**
   * 'full' fsyncs every commit (survives power loss); 'normal' survives a killed
   * process but may lose the last commits on power loss. Group commit keeps
   * 'full' affordable, so it is the default.
   */
  readonly synchronous?: 'full' | 'normal'
}

// Versioned migrations: each runs once, in order, inside a transaction.
const migrations: readonly string[] = [
  `CREATE TABLE events (
     position    INTEGER PRIMARY KEY,
     event_id    TEXT    NOT NULL UNIQUE,
     stream_id   TEXT    NOT NULL,
     revision    INTEGER NOT NULL,
     type        TEXT    NOT NULL,
     data        TEXT    NOT NULL,
     metadata    TEXT    NOT NULL,
     recorded_at INTEGER NOT NULL,
     UNIQUE (stream_id, revision)
   );
   CREATE TABLE projection_docs (
     projection TEXT NOT NULL,
     key        TEXT NOT NULL,
     doc        TEXT NOT NULL,
     PRIMARY KEY (projection, key)
   ) WITHOUT ROWID;
   CREATE TABLE projection_checkpoints (
     projection TEXT    PRIMARY KEY,
     position   INTEGER NOT NULL,
     version    INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );`,
  // Built LMS packages, kept so a download is always the exact bytes whose checksum was recorded.
  `CREATE TABLE package_files (
     package_id TEXT    NOT NULL,
     revision   INTEGER NOT NULL,
     checksum   TEXT    NOT NULL,
     bytes      BLOB    NOT NULL,
     PRIMARY KEY (package_id, revision)
   );`,
  // Read-model documents run to kilobytes (a learner's mastery ledger): SQLite keeps
  // such rows better in a rowid table than in a WITHOUT ROWID one.
  `CREATE TABLE projection_docs_v2 (
     projection TEXT NOT NULL,
     key        TEXT NOT NULL,
     doc        TEXT NOT NULL,
     UNIQUE (projection, key)
   );
   INSERT INTO projection_docs_v2 (projection, key, doc) SELECT projection, key, doc FROM projection_docs;
   DROP TABLE projection_docs;
   ALTER TABLE projection_docs_v2 RENAME TO projection_docs;`,
  // LRS credentials of cmi5 and xAPI sessions, sealed (src/lms/lms-credentials.ts): kept out of the log.
  `CREATE TABLE lms_credentials (
     session_id TEXT    PRIMARY KEY,
     sealed     BLOB    NOT NULL,
     stored_at  INTEGER NOT NULL
   );`
]

export function openSqlite (options: OpenSqliteOptions): SqliteDatabase {
  if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true })
  const db = new Database(options.filename)
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`)
  db.pragma('busy_timeout = 5000')
  db.pragma('cache_size = -65536')
  db.pragma('temp_store = MEMORY')
  migrate(db)
  return db
}

function migrate (db: SqliteDatabase): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)')
  const row = db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations').get() as { v: number }
  for (let version = row.v + 1; version <= migrations.length; version++) {
    const sql = migrations[version - 1] as string
    db.transaction(() => {
      db.exec(sql)
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now())
    }).immediate()
  }
}
