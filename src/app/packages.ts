// LMS packages of a profile: request, revise, retire, download (R3, R7, R8, R9).
import { isLocalOnlyUrl, localOnlyNotice } from '../local-address.ts'
import { packageDecider, type PackageCommand, type PackageFormat } from '../domain/packaging/package.ts'
import type { PackageDoc } from '../../projections/packages.ts'
import { AppError } from '../errors.ts'
import type { AppContext } from './context.ts'
import type { AdminPrincipal } from './accounts.ts'
import { getProfileDoc } from './profiles.ts'
import { handleAndProject } from './handle-command.ts'

export interface FormatInfo { format: PackageFormat, name: string, available: boolean, recommended: boolean, guidance: string }

/** The five formats with the guidance of R4: unsure → SCORM 1.2; SCORM 2004 if the LMS has it. */
export const packageFormats: readonly FormatInfo[] = [
  { format: 'scorm2004', name: 'SCORM 2004 (4th edition)', available: true, recommended: true, guidance: 'Pick this if your LMS supports SCORM 2004: it reports completion, success, score and progress separately.' },
  { format: 'scorm12', name: 'SCORM 1.2', available: true, recommended: false, guidance: 'If you don\'t know which format your LMS supports, pick SCORM 1.2: nearly every LMS accepts it.' },
  { format: 'aicc', name: 'AICC', available: true, recommended: false, guidance: 'For LMSs that launch AICC (HACP) courses. The service reports progress to the LMS itself when the learner exits.' },
  { format: 'cmi5', name: 'cmi5', available: true, recommended: false, guidance: 'For LMSs with cmi5 support and a learning record store. The service reports to the LMS\'s LRS itself when the learner exits.' },
  { format: 'xapi', name: 'xAPI (Tin Can)', available: true, recommended: false, guidance: 'For LMSs that launch Tin Can packages against a learning record store. The service reports to the LRS itself when the learner exits.' }
]

export function requireLmsPlan (plan: AdminPrincipal['plan']): void {
  if (plan === 'starter') throw new AppError('MS_ERR_PLAN_REQUIRED', 'LMS packages are only available on the Growth and Enterprise plans. Contact our support team to upgrade.')
}

async function run (ctx: AppContext, admin: AdminPrincipal, packageId: string, command: Omit<PackageCommand, 'metadata'>): Promise<number> {
  return handleAndProject(ctx, `package-${packageId}`, packageDecider, { ...command, metadata: { now: ctx.now(), accountId: admin.accountId, actor: { kind: 'admin', id: admin.keyId } } } as PackageCommand, ['packages'])
}

export async function getPackage (ctx: AppContext, accountId: string, packageId: string): Promise<PackageDoc> {
  const doc = await ctx.runner.get<PackageDoc>('packages', `package:${packageId}`)
  if (doc === undefined || doc.accountId !== accountId) throw new AppError('MS_ERR_NOT_FOUND', 'No such package in your account.')
  return doc
}

/** A description as kept: without surrounding blanks; nothing but blanks is none (null). */
function adminNote (description: string | null | undefined): string | null {
  const trimmed = description?.trim() ?? ''
  return trimmed === '' ? null : trimmed
}

export function packageView (ctx: AppContext, doc: PackageDoc) {
  const downloadable = doc.status === 'ready'
  return {
    packageId: doc.packageId,
    profileId: doc.profileId,
    title: doc.title,
    ...(doc.description === undefined ? {} : { description: doc.description }),
    format: doc.format,
    revision: doc.revision,
    ...(doc.earliestLaunchRevision === undefined ? {} : { earliestLaunchRevision: doc.earliestLaunchRevision }),
    status: doc.status,
    ...(downloadable && doc.built !== undefined ? { checksum: doc.built.checksum, size: doc.built.size, fileName: doc.built.fileName, downloadUrl: `${ctx.publicUrl}/v1/packages/${doc.packageId}/download` } : {}),
    ...(doc.status === 'failed' && doc.failure !== undefined ? { failure: doc.failure.reason } : {}),
    ...(doc.built !== undefined && isLocalOnlyUrl(doc.built.serviceUrl) ? { notice: localOnlyNotice(doc.built.serviceUrl) } : {}),
    createdAt: new Date(doc.createdAt).toISOString(),
    updatedAt: new Date(doc.updatedAt).toISOString()
  }
}

export const packages = {
  async create (ctx: AppContext, admin: AdminPrincipal, profileId: string, input: { title: string, description?: string, format: PackageFormat }) {
    requireLmsPlan(admin.plan)
    await getProfileDoc(ctx, admin.accountId, profileId)
    const info = packageFormats.find(f => f.format === input.format)
    if (info?.available !== true) throw new AppError('MS_ERR_FORMAT_NOT_AVAILABLE', `${info?.name ?? input.format} packages are not available yet; choose another format.`)
    const packageId = ctx.newId('pkg')
    const { description, ...rest } = input
    const described = adminNote(description)
    await run(ctx, admin, packageId, { type: 'RequestPackage', data: { packageId, profileId, ...rest, ...(described === null ? {} : { description: described }) } })
    return packageView(ctx, await getPackage(ctx, admin.accountId, packageId))
  },
  async revise (ctx: AppContext, admin: AdminPrincipal, packageId: string, input: { title?: string, description?: string | null, revokeEarlierLaunchKeys?: boolean }) {
    requireLmsPlan(admin.plan)
    await getPackage(ctx, admin.accountId, packageId)
    const { description, ...rest } = input
    await run(ctx, admin, packageId, { type: 'RevisePackage', data: { ...rest, ...(description === undefined ? {} : { description: adminNote(description) }) } })
    return packageView(ctx, await getPackage(ctx, admin.accountId, packageId))
  },
  async retire (ctx: AppContext, admin: AdminPrincipal, packageId: string) {
    await getPackage(ctx, admin.accountId, packageId)
    await run(ctx, admin, packageId, { type: 'RetirePackage', data: {} })
    return packageView(ctx, await getPackage(ctx, admin.accountId, packageId))
  },
  async list (ctx: AppContext, admin: AdminPrincipal, profileId: string) {
    await getProfileDoc(ctx, admin.accountId, profileId)
    const index = await ctx.runner.list<{ packageId: string }>('packages', `profile-package:${profileId}:`)
    const docs = await Promise.all(index.map(({ doc }) => getPackage(ctx, admin.accountId, doc.packageId)))
    return docs.sort((a, b) => a.createdAt - b.createdAt).map(doc => packageView(ctx, doc))
  },
  /** The zip of the latest revision, exactly as built (its checksum is its ETag). */
  async download (ctx: AppContext, admin: AdminPrincipal, packageId: string) {
    const doc = await getPackage(ctx, admin.accountId, packageId)
    if (doc.status === 'retired') throw new AppError('MS_ERR_PACKAGE_RETIRED', 'This package was retired; create a new one to download.')
    if (doc.status === 'failed') throw new AppError('MS_ERR_PACKAGE_BUILD_FAILED', `Generating revision ${doc.revision} failed: ${doc.failure?.reason ?? 'unknown reason'}. Edit the package to try again.`)
    if (doc.status !== 'ready' || doc.built === undefined) throw new AppError('MS_ERR_PACKAGE_NOT_READY', 'The package is still being generated; the download link appears when it is ready.')
    const file = await ctx.packageFiles.get(packageId, doc.built.revision)
    if (file === undefined) throw new AppError('MS_ERR_PACKAGE_NOT_READY', 'The package file is not available yet; try again in a moment.')
    return { bytes: file.bytes, checksum: file.checksum, fileName: doc.built.fileName }
  }
}
