// LMS packages as admins see them: status of the latest revision, checksum, file name.
//   package:{packageId}                     -> PackageDoc
//   profile-package:{profileId}:{packageId} -> { packageId } (a profile's packages, R8)
import type { ProjectionDefinition } from '../src/projections/projection.ts'
import type { DomainEvent } from '../schemas/events.ts'

export type PackageStatus = 'building' | 'ready' | 'failed' | 'retired'
export interface PackageDoc {
  packageId: string
  accountId: string
  profileId: string
  title: string
  description?: string
  format: 'scorm12' | 'scorm2004' | 'aicc' | 'cmi5' | 'xapi'
  revision: number
  /** Zips of earlier revisions no longer launch (absent: every revision's zip launches). */
  earliestLaunchRevision?: number
  status: PackageStatus
  /** The last revision that built, still downloadable while a newer one builds. */
  built?: { revision: number, checksum: string, size: number, fileName: string, serviceUrl: string }
  failure?: { revision: number, reason: string }
  createdAt: number
  updatedAt: number
}

const idOf = (streamId: string): string => streamId.slice('package-'.length)

export const packagesProjection: ProjectionDefinition<PackageDoc | { packageId: string }> = {
  name: 'packages',
  version: 1,
  eventTypes: new Set(['PackageRequested', 'PackageRevised', 'PackageBuilt', 'PackageBuildFailed', 'PackageRetired']),
  keys (event) {
    const e = event as unknown as DomainEvent
    if (e.type === 'PackageRequested') return [`package:${e.data.packageId}`, `profile-package:${e.data.profileId}:${e.data.packageId}`]
    return [`package:${idOf(event.streamId)}`]
  },
  evolve (doc, event, key) {
    const e = event as unknown as DomainEvent
    if (key.startsWith('profile-package:')) return { packageId: idOf(event.streamId) }
    const at = event.recordedAt
    const pkg = doc as PackageDoc
    switch (e.type) {
      case 'PackageRequested': {
        const { packageId, accountId, profileId, title, description, format, revision } = e.data
        return { packageId, accountId, profileId, title, ...(description === undefined ? {} : { description }), format, revision, status: 'building', createdAt: at, updatedAt: at }
      }
      case 'PackageRevised': {
        const { description: _old, ...rest } = pkg
        return { ...rest, title: e.data.title, ...(e.data.description === undefined ? {} : { description: e.data.description }), ...(e.data.earliestLaunchRevision === undefined ? {} : { earliestLaunchRevision: e.data.earliestLaunchRevision }), revision: e.data.revision, status: pkg.status === 'retired' ? 'retired' : 'building', updatedAt: at }
      }
      case 'PackageBuilt':
        return { ...pkg, built: { ...e.data }, status: pkg.status === 'retired' ? 'retired' : e.data.revision === pkg.revision ? 'ready' : pkg.status, updatedAt: at }
      case 'PackageBuildFailed':
        return { ...pkg, failure: { revision: e.data.revision, reason: e.data.reason }, status: pkg.status === 'retired' ? 'retired' : e.data.revision === pkg.revision ? 'failed' : pkg.status, updatedAt: at }
      case 'PackageRetired':
        return { ...pkg, status: 'retired', updatedAt: at }
      default: return doc
    }
  }
}
