// HTTP schemas of LMS packages.
import { Type } from '@sinclair/typebox'
import { Id, Title, LongText, IsoTime } from './common.ts'
import { PackageFormat } from './events.ts'

const base = 'https://mastery-sync.dev/schemas/http/'

export const PackageBody = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 200, description: 'Shown as the course title in the LMS and in the browser tab when launched' }),
  description: Type.Optional(Type.String({ minLength: 1, maxLength: 10_000, description: 'For admins only; never shown to learners or put in the package' })),
  format: PackageFormat
}, { $id: `${base}PackageBody.json`, title: 'PackageBody', additionalProperties: false })

export const PackagePatch = Type.Object({
  title: Type.Optional(Title),
  description: Type.Optional(Type.Union([LongText, Type.Null()], { description: 'For admins only; null (or an empty text) removes it' })),
  revokeEarlierLaunchKeys: Type.Optional(Type.Boolean({ description: 'true: a new revision whose zip is the only one that launches; zips of earlier revisions (a copy that leaked, say) are refused from now on. Upload the new zip to every LMS first.' }))
}, { $id: `${base}PackagePatch.json`, title: 'PackagePatch', additionalProperties: false, minProperties: 1 })

const PackageView = Type.Object({
  packageId: Id,
  profileId: Id,
  title: Type.String(),
  description: Type.Optional(Type.String()),
  format: PackageFormat,
  revision: Type.Integer({ description: 'Bumped by every edit; a new revision must be downloaded and uploaded again to show a new title' }),
  earliestLaunchRevision: Type.Optional(Type.Integer({ description: 'Set once earlier launch keys were revoked: zips of revisions before this one no longer launch' })),
  status: Type.Union([Type.Literal('building'), Type.Literal('ready'), Type.Literal('failed'), Type.Literal('retired')]),
  checksum: Type.Optional(Type.String({ description: 'SHA-256 of the zip; also its ETag' })),
  size: Type.Optional(Type.Integer()),
  fileName: Type.Optional(Type.String()),
  downloadUrl: Type.Optional(Type.String({ description: 'Present once the package is ready' })),
  failure: Type.Optional(Type.String()),
  notice: Type.Optional(Type.String({ description: 'Something the admin should know before uploading it, e.g. that it launches against an address only this machine reaches (PUBLIC_URL)' })),
  createdAt: IsoTime,
  updatedAt: IsoTime
})
export const PackageReply = Type.Object(PackageView.properties, { $id: `${base}PackageReply.json`, title: 'PackageReply' })
export const PackageListReply = Type.Object({ packages: Type.Array(PackageView) }, { $id: `${base}PackageListReply.json`, title: 'PackageListReply' })
export const PackageParams = Type.Object({ packageId: Id }, { $id: `${base}PackageParams.json`, title: 'PackageParams', additionalProperties: false })
export const PackageFormatsReply = Type.Object({
  formats: Type.Array(Type.Object({ format: PackageFormat, name: Type.String(), available: Type.Boolean(), recommended: Type.Boolean(), guidance: Type.String() })),
  guidance: Type.String()
}, { $id: `${base}PackageFormatsReply.json`, title: 'PackageFormatsReply' })
