import type pg from 'pg'
import type { PackageFiles } from '../../packaging/package-files.ts'

export class PgPackageFiles implements PackageFiles {
  constructor (private readonly pool: pg.Pool) {}

  async put (packageId: string, revision: number, checksum: string, bytes: Buffer): Promise<void> {
    await this.pool.query(`INSERT INTO package_files (package_id, revision, checksum, bytes) VALUES ($1, $2, $3, $4)
      ON CONFLICT (package_id, revision) DO UPDATE SET checksum = excluded.checksum, bytes = excluded.bytes`, [packageId, revision, checksum, bytes])
  }

  async get (packageId: string, revision: number): Promise<{ checksum: string, bytes: Buffer } | undefined> {
    const { rows } = await this.pool.query<{ checksum: string, bytes: Buffer }>(
      'SELECT checksum, bytes FROM package_files WHERE package_id = $1 AND revision = $2', [packageId, revision])
    return rows[0]
  }
}
