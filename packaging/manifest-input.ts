// What both SCORM manifests are written from.

export interface ManifestInput {
  readonly packageId: string
  readonly revision: number
  /** The LMS course title (organization and item titles). */
  readonly title: string
  /** The launch page first, then every other file the SCO loads. */
  readonly resourceFiles: readonly [string, ...string[]]
}

/**
 * The manifest identifier stays the same across revisions, so an LMS that re-imports a
 * revised package can recognise it as a new version of the same course (R9). The revision
 * goes into the manifest's `version` attribute instead. Package ids match
 * ^[A-Za-z0-9_-]+$, so the prefix makes the whole an XML NCName (an xs:ID cannot start
 * with a digit or '-').
 */
export function manifestIdentifier (packageId: string): string {
  return `mastery-sync-package-${packageId}`
}
