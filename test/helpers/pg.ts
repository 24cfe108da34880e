// A fresh PostgreSQL database per test file (parallel test files never share state), and a
// fresh schema in it per store.
// PostgreSQL is expected to run (see PG_TEST_URL); when it does not, tests fail with the reason.
import type { Test } from 'tap'
import pg from 'pg'
import { randomBytes } from 'node:crypto'
import { migrate } from '../../src/store/postgres/migrations.ts'

/** The admin connection, used to create and drop the test databases. */
export const adminUrl = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export interface TestDatabase {
  readonly name: string
  readonly url: string
  drop (): Promise<void>
}

async function asAdmin (statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl })
  try {
    await client.connect()
  } catch (error) {
    const where = new URL(adminUrl)
    where.password = ''
    throw new Error(`PostgreSQL is not reachable at ${where.toString()} (set PG_TEST_URL): ${(error as Error).message}`, { cause: error })
  }
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

/** A new, empty database; `drop` removes it, ending any connection still open to it. */
export async function createTestDatabase (): Promise<TestDatabase> {
  const name = `ms_test_${randomBytes(6).toString('hex')}`
  await asAdmin(`CREATE DATABASE ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return { name, url: url.toString(), drop: () => asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
}

/** A fresh database for this test, dropped at its teardown. */
export async function freshDatabase (t: Test): Promise<TestDatabase> {
  const database = await createTestDatabase()
  t.teardown(() => database.drop())
  return database
}

/** A schema of its own in a test database: a fresh store without the cost of a new database. */
export interface TestSchema {
  readonly name: string
  /** Connection settings that work in the schema (its search_path), for pools and raw clients. */
  readonly config: pg.ClientConfig
  /** A pool on the schema, migrated. */
  readonly pool: pg.Pool
  /** Ends the pool and drops the schema. */
  close (): Promise<void>
}

export async function openSchema (database: TestDatabase, options: { max?: number } = {}): Promise<TestSchema> {
  const name = `s_${randomBytes(6).toString('hex')}`
  const config: pg.ClientConfig = { connectionString: database.url, options: `-c search_path=${name}` }
  const pool = new pg.Pool({ ...config, max: options.max ?? 10 })
  pool.on('error', () => {})
  await pool.query(`CREATE SCHEMA ${name}`)
  await migrate(pool)
  return {
    name,
    config,
    pool,
    async close () {
      await pool.query(`DROP SCHEMA ${name} CASCADE`)
      await pool.end()
    }
  }
}

/** A fresh, migrated schema for this test, closed at its teardown. */
export async function freshSchema (t: Test, database: TestDatabase, options: { max?: number } = {}): Promise<TestSchema> {
  const schema = await openSchema(database, options)
  t.teardown(() => schema.close())
  return schema
}
