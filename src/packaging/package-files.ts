/** Where built package zips are kept, by package and revision. */
export interface PackageFiles {
  put (packageId: string, revision: number, checksum: string, bytes: Buffer): Promise<void>
  get (packageId: string, revision: number): Promise<{ checksum: string, bytes: Buffer } | undefined>
}
