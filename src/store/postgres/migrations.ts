// The PostgreSQL schema (PostgreSQL 13 or later): versioned migrations, each applied once,
// in order, inside a transaction. Tables and semantics follow the SQLite ones
// (src/store/sqlite/database.ts); the event log adds what gap-free ordering needs.
import pg from 'pg'

/** Advisory locks of this schema use the two-key form, apart from the per-stream (one-key) locks. */
export const advisoryLockSpace = 0x6d73
const migrationLock = 1
const positionLock = 2
/** Held by the instance that runs projections, package builds and deliveries (pg-lease.ts). */
export const leaderLock = 3

const migrations: readonly string[] = [
  // The event log.
  //
  // Positions come from a sequence, so a transaction that takes a lower position can commit
  // after one that took a higher position. A reader that follows `position > checkpoint` would
  // then step past the lower one for good. Each event records its transaction id (tx), and
  // readers expose only events whose transaction is older than every write transaction still
  // running in this database (ms_horizon): those are final. That alone is not enough: an id is
  // assigned at a transaction's first write, apart from nextval, so a later id could hold a lower
  // position. ms_append takes the id and the positions together, inside a short critical section
  // (a session advisory lock held for those calls, not until commit): a lower id always has the
  // lower positions, so the final events are a prefix of the log in position order and nothing
  // can land below what a reader has seen. Commits (and their WAL flushes) still run concurrently.
  // Holding a lock until commit (or a NOTIFY inside the append, which does the same) would
  // order commits too, but one flush at a time: about half the append rate at 8-32 appenders.
  //
  // Cache 1 on the sequences is required: a session caching positions would hand them out
  // outside the critical section. The recorded-at "sequence" is a register, not a counter: it
  // holds the last recorded time, so recorded times never go backwards in position order.
  //
  // data and metadata are text, not jsonb: they come back exactly as written (key order, any
  // JSON.stringify output) and are not parsed on the way in.
  `CREATE SEQUENCE events_position_seq CACHE 1;
   CREATE SEQUENCE events_recorded_at_seq CACHE 1;
   CREATE TABLE events (
     position    bigint  PRIMARY KEY,
     event_id    text    NOT NULL UNIQUE,
     stream_id   text    COLLATE "C" NOT NULL,
     revision    bigint  NOT NULL,
     type        text    NOT NULL,
     data        text    NOT NULL,
     metadata    text    NOT NULL,
     recorded_at bigint  NOT NULL,
     tx          xid8    NOT NULL,
     UNIQUE (stream_id, revision)
   );

   -- The oldest transaction that may still add events below the final part of the log.
   -- Transaction ids are cluster-wide, so a snapshot lists running transactions of every
   -- database; those seen running in another database cannot write here. A transaction that
   -- cannot be placed (ended since the snapshot, prepared) counts: it only delays, never skips.
   -- STABLE: it sees the calling statement's snapshot, the one the statement reads events with.
   CREATE FUNCTION ms_horizon() RETURNS xid8 LANGUAGE plpgsql STABLE AS $fn$
   DECLARE
     s pg_snapshot := pg_current_snapshot();
   BEGIN
     IF pg_snapshot_xmin(s) = pg_snapshot_xmax(s) THEN RETURN pg_snapshot_xmax(s); END IF;
     RETURN (SELECT coalesce(min(x), pg_snapshot_xmax(s)) FROM pg_snapshot_xip(s) AS x
       WHERE (x::text::numeric % 4294967296)::text NOT IN (
         SELECT a.backend_xid::text FROM pg_stat_get_activity(NULL) a
          WHERE a.backend_xid IS NOT NULL
            AND a.datid IS DISTINCT FROM (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())));
   END
   $fn$;

   -- Appends events to one stream: the only way events are written. One call per transaction,
   -- before the transaction writes anything else (see the critical section). Errors:
   -- MS001 wrong expected revision (DETAIL: the actual revision), MS002 event id used in
   -- another stream (DETAIL: {"eventId","streamId"}), MS003 called after the transaction wrote.
   CREATE FUNCTION ms_append(
     p_stream text, p_expected text, p_ids text[], p_types text[], p_data text[], p_metadata text[], p_now bigint
   ) RETURNS TABLE (last_revision bigint, last_position bigint, duplicate boolean) LANGUAGE plpgsql AS $fn$
   DECLARE
     v_clash record;
     v_existing record;
     v_fresh int[];
     v_count int;
     v_current bigint;
     v_first bigint;
     v_tx xid8;
     v_at bigint;
   BEGIN
     -- One writer per stream: the revision read below holds until this transaction ends.
     PERFORM pg_advisory_xact_lock(hashtextextended(p_stream, 0));

     SELECT b.id, e.stream_id INTO v_clash
       FROM unnest(p_ids) WITH ORDINALITY AS b(id, i) JOIN events e ON e.event_id = b.id
      WHERE e.stream_id <> p_stream ORDER BY b.i LIMIT 1;
     IF FOUND THEN
       RAISE EXCEPTION 'event id % is already used in another stream', v_clash.id
         USING ERRCODE = 'MS002', DETAIL = json_build_object('eventId', v_clash.id, 'streamId', v_clash.stream_id)::text;
     END IF;

     -- New ids, each once (the first time it occurs in the batch), in batch order.
     SELECT array_agg(f.i ORDER BY f.i) INTO v_fresh FROM (
       SELECT min(b.i)::int AS i FROM unnest(p_ids) WITH ORDINALITY AS b(id, i)
        WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_id = b.id)
        GROUP BY b.id) f;
     v_count := coalesce(cardinality(v_fresh), 0);
     IF v_count = 0 THEN
       -- A retried append: nothing new; answer with where the last of its events is.
       SELECT e.revision, e.position INTO v_existing
         FROM unnest(p_ids) WITH ORDINALITY AS b(id, i) JOIN events e ON e.event_id = b.id
        ORDER BY b.i DESC LIMIT 1;
       RETURN QUERY SELECT v_existing.revision, v_existing.position, true;
       RETURN;
     END IF;

     SELECT coalesce(max(e.revision), -1) INTO v_current FROM events e WHERE e.stream_id = p_stream;
     IF NOT (p_expected = 'any'
             OR (p_expected = 'no-stream' AND v_current = -1)
             OR (p_expected = 'exists' AND v_current >= 0)
             OR (p_expected ~ '^-?[0-9]+$' AND p_expected::bigint = v_current)) THEN
       RAISE EXCEPTION 'stream %: expected revision %, found %', p_stream, p_expected, v_current
         USING ERRCODE = 'MS001', DETAIL = v_current::text;
     END IF;

     -- The critical section: this transaction's id and its positions (and recorded time),
     -- taken together so that id order and position order agree. The id must not exist yet.
     IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
       RAISE EXCEPTION 'ms_append must be the first write of its transaction' USING ERRCODE = 'MS003';
     END IF;
     -- A session lock outlives the transaction: should an error (a cancel) strike between lock and
     -- unlock, the caller must end the session (PgEventStore does). An EXCEPTION block would
     -- unlock by itself, but its subtransaction cost a third of the append rate under load.
     PERFORM pg_advisory_lock(${advisoryLockSpace}, ${positionLock});
     v_tx := pg_current_xact_id();
     v_first := nextval('events_position_seq');
     IF v_count > 1 THEN PERFORM setval('events_position_seq', v_first + v_count - 1); END IF;
     SELECT greatest(coalesce(p_now, (extract(epoch FROM clock_timestamp()) * 1000)::bigint), s.last_value)
       INTO v_at FROM events_recorded_at_seq s;
     PERFORM setval('events_recorded_at_seq', v_at);
     PERFORM pg_advisory_unlock(${advisoryLockSpace}, ${positionLock});

     INSERT INTO events (position, event_id, stream_id, revision, type, data, metadata, recorded_at, tx)
     SELECT v_first + f.k - 1, p_ids[f.i], p_stream, v_current + f.k, p_types[f.i], p_data[f.i], p_metadata[f.i], v_at, v_tx
       FROM unnest(v_fresh) WITH ORDINALITY AS f(i, k);
     RETURN QUERY SELECT v_current + v_count, v_first + v_count - 1, false;
   END
   $fn$;`,
  // Read models and their checkpoints. Keys sort by code point ("C"), as in SQLite.
  `CREATE TABLE projection_docs (
     projection text COLLATE "C" NOT NULL,
     key        text COLLATE "C" NOT NULL,
     doc        text NOT NULL,
     PRIMARY KEY (projection, key)
   );
   CREATE TABLE projection_checkpoints (
     projection text    PRIMARY KEY,
     position   bigint  NOT NULL,
     version    integer NOT NULL,
     updated_at bigint  NOT NULL
   );`,
  // Built LMS packages, kept so a download is always the exact bytes whose checksum was recorded.
  `CREATE TABLE package_files (
     package_id text    NOT NULL,
     revision   integer NOT NULL,
     checksum   text    NOT NULL,
     bytes      bytea   NOT NULL,
     PRIMARY KEY (package_id, revision)
   );`,
  // LRS credentials of cmi5 and xAPI sessions, sealed (src/lms/lms-credentials.ts): kept out of the log.
  `CREATE TABLE lms_credentials (
     session_id text   PRIMARY KEY,
     sealed     bytea  NOT NULL,
     stored_at  bigint NOT NULL
   );`,
  // PL/pgSQL caches its statements' plans, and after a few calls may keep a generic plan made
  // while the events table was small: sequential scans that made each append slower as the log
  // grew (2,700 → 600 events/s over the first 100,000 events here). Plan each call afresh.
  'ALTER FUNCTION ms_append(text, text, text[], text[], text[], text[], bigint) SET plan_cache_mode = force_custom_plan;',
  // Secrets every instance on this database must share (the token secret, when TOKEN_SECRET is
  // unset): made by the first instance that needs one.
  `CREATE TABLE service_secrets (
     name  text PRIMARY KEY,
     value text NOT NULL
   );`,
  // Group commit: many appends in one call, one transaction and one critical section, each
  // succeeding or failing on its own. One ms_append per transaction is the rule (a second
  // would take positions in a second critical section, after this transaction's id was fixed,
  // so a later id could hold lower positions); this function keeps it by deciding every append
  // first, writing nothing, then taking the id and the positions of all of them at once.
  // The events arrive flattened: p_counts[a] events for append a, in order. A stream appears
  // at most once per call, and an event id in at most one of its appends (MS004 otherwise).
  //
  // Returns one row per append, in order: its last revision and position, whether it was a
  // retry (nothing new), or an error code instead: MS001 wrong expected revision (detail: the
  // actual revision), MS002 event id used in another stream (detail: {"eventId","streamId"}).
  // A failed append writes nothing and the others go on. The work is set-based: a few
  // statements for the whole call, not a few per append.
  `CREATE FUNCTION ms_append_batch(
     p_streams text[], p_expected text[], p_counts int[],
     p_ids text[], p_types text[], p_data text[], p_metadata text[], p_now bigint
   ) RETURNS TABLE (last_revision bigint, last_position bigint, duplicate boolean, error_code text, error_detail text)
   LANGUAGE plpgsql AS $fn$
   DECLARE
     n int := cardinality(p_streams);
     a int;
     g int;
     i int;
     v_lock bigint;
     v_from int := 1;
     v_total int := 0;
     v_shared boolean;
     v_app int[];          -- per event: its append
     v_keep boolean[];     -- per event: written by this call
     v_repeats int[];      -- events whose id occurred earlier in the same append
     f_g int[];            -- events whose id is already stored, and where
     f_stream text[];
     f_rev bigint[];
     f_pos bigint[];
     s_current bigint[];   -- per append: the stream's revision before this call
     s_fresh int[];        -- per append: events it would write
     v_first bigint;
     v_tx xid8;
     v_at bigint;
     r_rev bigint[] := array_fill(NULL::bigint, ARRAY[n]);
     r_pos bigint[] := array_fill(NULL::bigint, ARRAY[n]);
     r_dup boolean[] := array_fill(false, ARRAY[n]);
     r_code text[] := array_fill(NULL::text, ARRAY[n]);
     r_detail text[] := array_fill(NULL::text, ARRAY[n]);
   BEGIN
     IF (SELECT count(DISTINCT s) FROM unnest(p_streams) s) <> n THEN
       RAISE EXCEPTION 'ms_append_batch takes each stream at most once' USING ERRCODE = 'MS004';
     END IF;
     SELECT array_agg(x.a ORDER BY x.a, x2.k) INTO v_app FROM generate_subscripts(p_counts, 1) x(a), generate_series(1, p_counts[x.a]) x2(k);
     SELECT array_agg(r.g), bool_or(r.a <> r.first_a) INTO v_repeats, v_shared FROM (
       SELECT b.g, b.a, first_value(b.a) OVER w AS first_a, row_number() OVER w AS rn
         FROM unnest(p_ids, v_app) WITH ORDINALITY AS b(id, a, g) WINDOW w AS (PARTITION BY b.id ORDER BY b.g)) r
      WHERE r.rn > 1;
     IF v_shared THEN
       RAISE EXCEPTION 'ms_append_batch takes each event id in at most one of its appends' USING ERRCODE = 'MS004';
     END IF;

     -- One writer per stream (as ms_append), locks taken in one order so two calls never wait
     -- on each other in a circle.
     FOR v_lock IN SELECT DISTINCT hashtextextended(s, 0) FROM unnest(p_streams) s ORDER BY 1 LOOP
       PERFORM pg_advisory_xact_lock(v_lock);
     END LOOP;

     -- The two reads of the log run as dynamic SQL: planned afresh on every call, on the log as
     -- it is (a plan cached while it was small would scan it). The other statements only
     -- handle this call's arrays, and keep their cached plans.
     EXECUTE 'SELECT array_agg(coalesce((SELECT max(e.revision) FROM events e WHERE e.stream_id = u.s), -1) ORDER BY u.a)
                FROM unnest($1) WITH ORDINALITY AS u(s, a)'
       INTO s_current USING p_streams;
     EXECUTE 'SELECT array_agg(b.g ORDER BY b.g), array_agg(e.stream_id ORDER BY b.g), array_agg(e.revision ORDER BY b.g), array_agg(e.position ORDER BY b.g)
                FROM unnest($1) WITH ORDINALITY AS b(id, g) JOIN events e ON e.event_id = b.id'
       INTO f_g, f_stream, f_rev, f_pos USING p_ids;

     v_keep := array_fill(true, ARRAY[cardinality(p_ids)]);
     s_fresh := p_counts;
     -- Ids stored already: in another stream, the append fails (on its first such id); in its
     -- own stream, the event is not written again (and the last of them answers a retry).
     FOR i IN 1..coalesce(cardinality(f_g), 0) LOOP
       g := f_g[i];
       a := v_app[g];
       IF f_stream[i] <> p_streams[a] THEN
         IF r_code[a] IS NULL THEN
           r_code[a] := 'MS002';
           r_detail[a] := json_build_object('eventId', p_ids[g], 'streamId', f_stream[i])::text;
         END IF;
       ELSE
         v_keep[g] := false;
         s_fresh[a] := s_fresh[a] - 1;
         r_rev[a] := f_rev[i];
         r_pos[a] := f_pos[i];
       END IF;
     END LOOP;
     -- An id twice in one append is written once, at its first place.
     FOR i IN 1..coalesce(cardinality(v_repeats), 0) LOOP
       g := v_repeats[i];
       IF v_keep[g] THEN
         v_keep[g] := false;
         s_fresh[v_app[g]] := s_fresh[v_app[g]] - 1;
       END IF;
     END LOOP;

     FOR a IN 1..n LOOP
       IF r_code[a] IS NULL AND s_fresh[a] = 0 THEN
         r_dup[a] := true;
       ELSIF r_code[a] IS NULL AND NOT (p_expected[a] = 'any'
               OR (p_expected[a] = 'no-stream' AND s_current[a] = -1)
               OR (p_expected[a] = 'exists' AND s_current[a] >= 0)
               OR (p_expected[a] ~ '^-?[0-9]+$' AND p_expected[a]::bigint = s_current[a])) THEN
         r_code[a] := 'MS001';
         r_detail[a] := s_current[a]::text;
       END IF;
       IF r_code[a] IS NULL AND NOT r_dup[a] THEN
         v_total := v_total + s_fresh[a];
         r_rev[a] := s_current[a] + s_fresh[a];
         r_pos[a] := v_total - 1;  -- made absolute below, once the first position is known
       ELSE
         IF r_code[a] IS NOT NULL THEN r_rev[a] := NULL; r_pos[a] := NULL; END IF;
         FOR g IN v_from..v_from + p_counts[a] - 1 LOOP v_keep[g] := false; END LOOP;
       END IF;
       v_from := v_from + p_counts[a];
     END LOOP;

     IF v_total > 0 THEN
       -- The critical section, as in ms_append: the id and every position of this call together.
       IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
         RAISE EXCEPTION 'ms_append_batch must be the first write of its transaction' USING ERRCODE = 'MS003';
       END IF;
       PERFORM pg_advisory_lock(${advisoryLockSpace}, ${positionLock});
       v_tx := pg_current_xact_id();
       v_first := nextval('events_position_seq');
       IF v_total > 1 THEN PERFORM setval('events_position_seq', v_first + v_total - 1); END IF;
       SELECT greatest(coalesce(p_now, (extract(epoch FROM clock_timestamp()) * 1000)::bigint), s.last_value)
         INTO v_at FROM events_recorded_at_seq s;
       PERFORM setval('events_recorded_at_seq', v_at);
       PERFORM pg_advisory_unlock(${advisoryLockSpace}, ${positionLock});

       INSERT INTO events (position, event_id, stream_id, revision, type, data, metadata, recorded_at, tx)
       SELECT v_first + row_number() OVER (ORDER BY w.g) - 1, w.id, p_streams[w.a],
              s_current[w.a] + row_number() OVER (PARTITION BY w.a ORDER BY w.g), w.t, w.d, w.m, v_at, v_tx
         FROM unnest(p_ids, p_types, p_data, p_metadata, v_app, v_keep) WITH ORDINALITY AS w(id, t, d, m, a, k, g)
        WHERE w.k;
       FOR a IN 1..n LOOP
         IF r_code[a] IS NULL AND NOT r_dup[a] THEN r_pos[a] := v_first + r_pos[a]; END IF;
       END LOOP;
     END IF;
     RETURN QUERY SELECT * FROM unnest(r_rev, r_pos, r_dup, r_code, r_detail);
   END
   $fn$;
`
]

/** The named secret every instance on this database shares; the first to ask makes it. */
export async function sharedSecret (pool: pg.Pool, name: string, make: () => string): Promise<string> {
  await pool.query('INSERT INTO service_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, make()])
  const { rows } = await pool.query<{ value: string }>('SELECT value FROM service_secrets WHERE name = $1', [name])
  const value = rows[0]?.value
  if (value === undefined) throw new Error(`the shared secret ${name} could not be read`)
  return value
}

/** The schema version this code expects. */
export const schemaVersion = migrations.length

/**
 * Brings the schema up to date; returns the versions it applied. Service instances starting
 * together queue on an advisory lock: the first migrates, the others find nothing to do.
 */
export async function migrate (pool: pg.Pool): Promise<number[]> {
  const client = await pool.connect()
  const applied: number[] = []
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', [advisoryLockSpace, migrationLock])
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)')
      const { rows } = await client.query<{ v: number }>('SELECT coalesce(max(version), 0)::int AS v FROM schema_migrations')
      for (let version = (rows[0]?.v ?? 0) + 1; version <= migrations.length; version++) {
        await client.query('BEGIN')
        try {
          await client.query(migrations[version - 1] as string)
          await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version, Date.now()])
          await client.query('COMMIT')
        } catch (error) {
          await client.query('ROLLBACK')
          throw error
        }
        applied.push(version)
      }
      await adoptRestoredEvents(client)
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [advisoryLockSpace, migrationLock])
    }
  } finally {
    client.release()
  }
  return applied
}

/**
 * A log restored into another cluster (pg_dump, a new server) keeps transaction ids that mean
 * nothing there: ids not yet reached would hide those events, and new appends (with lower ids
 * but higher positions) would be exposed past them. Events of this cluster all have ids below
 * the snapshot's xmax; the newest event has the highest id, so one look tells.
 */
async function adoptRestoredEvents (client: pg.PoolClient): Promise<void> {
  const { rows } = await client.query<{ foreign: boolean }>(`SELECT e.tx >= pg_snapshot_xmax(pg_current_snapshot()) AS foreign
    FROM events e ORDER BY e.position DESC LIMIT 1`)
  if (rows[0]?.foreign !== true) return
  // Committed before anything this cluster runs: final. '0' sorts below every transaction id.
  await client.query('UPDATE events SET tx = \'0\' WHERE tx >= pg_snapshot_xmax(pg_current_snapshot())')
}

export interface OpenPostgresOptions {
  readonly connectionString: string
  /** Pool size. */
  readonly max?: number
  /** Errors of idle pooled connections (the pool drops them); without it they are ignored. */
  readonly onError?: (error: Error) => void
}

/** A connection pool on an up-to-date schema. The caller ends it (`pool.end()`). */
export async function openPostgres (options: OpenPostgresOptions): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 10, application_name: 'mastery-sync' })
  pool.on('error', options.onError ?? (() => {}))
  try {
    await migrate(pool)
  } catch (error) {
    await pool.end()
    throw error
  }
  return pool
}
