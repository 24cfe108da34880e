import type { Statement } from 'better-sqlite3'
import type { PackageFiles } from '../../packaging/package-files.ts'
import type { SqliteDatabase } from './database.ts'

export class SqlitePackageFiles implements PackageFiles {
  private readonly sql: {
    put: Statement<[string, number, string, Buffer]>
    get: Statement<[string, number], { checksum: string, bytes: Buffer }>
  }

  constructor (db: SqliteDatabase) {
    this.sql = {
      put: db.prepare(`INSERT INTO package_files (package_id, revision, checksum, bytes) VALUES (?, ?, ?, ?)
        ON CONFLICT (package_id, revision) DO UPDATE SET checksum = excluded.checksum, bytes = excluded.bytes`),
      get: db.prepare('SELECT checksum, bytes FROM package_files WHERE package_id = ? AND revision = ?')
    }
  }

  async put (packageId: string, revision: number, checksum: string, bytes: Buffer): Promise<void> {
    this.sql.put.run(packageId, revision, checksum, bytes)
  }

  async get (packageId: string, revision: number): Promise<{ checksum: string, bytes: Buffer } | undefined> {
    return this.sql.get.get(packageId, revision)
  }
}
