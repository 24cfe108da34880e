import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ProfileParams } from '../../../schemas/http.ts'
import { PackageBody, PackageFormatsReply, PackageListReply, PackageParams, PackagePatch, PackageReply } from '../../../schemas/packages-http.ts'
import { getPackage, packageFormats, packages, packageView } from '../../app/packages.ts'
import { requireAdmin } from '../auth.ts'
import { errors, type RouteDeps } from './common.ts'

export const packageRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { ctx }) => {
  const tags = ['packages']
  const security = [{ bearer: [] }]

  app.get('/v1/package-formats', { schema: { tags, summary: 'The package formats, which are available, and which to pick', response: { 200: PackageFormatsReply } } }, async () => ({
    formats: packageFormats.map(f => ({ ...f })),
    guidance: 'If you don\'t know which format your LMS supports, pick SCORM 1.2; if SCORM 2004 is available in your LMS, pick that one.'
  }))
  app.post('/v1/profiles/:profileId/packages', { schema: { tags, security, summary: 'Create a package; it is generated asynchronously (status building → ready)', params: ProfileParams, body: PackageBody, response: { 202: PackageReply, ...errors } } }, async (request, reply) => {
    const admin = await requireAdmin(request, ctx)
    const created = await packages.create(ctx, admin, request.params.profileId, request.body)
    return reply.status(202).header('location', `/v1/packages/${created.packageId}`).send(created)
  })
  app.get('/v1/profiles/:profileId/packages', { schema: { tags, security, summary: 'A profile\'s packages', params: ProfileParams, response: { 200: PackageListReply, ...errors } } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return { packages: await packages.list(ctx, admin, request.params.profileId) }
  })
  app.get('/v1/packages/:packageId', { schema: { tags, security, summary: 'A package: status, revision, checksum, download link once ready', params: PackageParams, response: { 200: PackageReply, ...errors } } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return packageView(ctx, await getPackage(ctx, admin.accountId, request.params.packageId))
  })
  app.patch('/v1/packages/:packageId', { schema: { tags, security, summary: 'Change title or description: a new revision to download and upload again; zips already in LMSs keep working', params: PackageParams, body: PackagePatch, response: { 202: PackageReply, ...errors } } }, async (request, reply) => {
    const admin = await requireAdmin(request, ctx)
    return reply.status(202).send(await packages.revise(ctx, admin, request.params.packageId, request.body))
  })
  app.delete('/v1/packages/:packageId', { schema: { tags, security, summary: 'Retire a package: launches from LMSs show a clear message', params: PackageParams, response: { 200: PackageReply, ...errors } } }, async (request) => {
    const admin = await requireAdmin(request, ctx)
    return packages.retire(ctx, admin, request.params.packageId)
  })
  app.get('/v1/packages/:packageId/download', { schema: { tags, security, summary: 'The package zip (409 while it is being generated)', params: PackageParams, response: { 200: Type.Unknown({ description: 'application/zip' }), 304: Type.Null(), ...errors } } }, async (request, reply) => {
    const admin = await requireAdmin(request, ctx)
    const file = await packages.download(ctx, admin, request.params.packageId)
    const etag = `"${file.checksum}"`
    reply.header('etag', etag).header('cache-control', 'private, no-cache')
    if (request.headers['if-none-match'] === etag) return reply.status(304).send(null)
    return reply
      .header('content-type', 'application/zip')
      .header('content-disposition', `attachment; filename="${file.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
      .send(file.bytes)
  })
}
