// Mastery Profiles: modules with goals, and the LMS integration toggle (R5).
import { profileDecider, type ProfileCommand } from '../domain/profile/profile.ts'
import type { ModuleDoc, ProfileDoc } from '../../projections/catalog.ts'
import { AppError } from '../errors.ts'
import type { AppContext } from './context.ts'
import type { AdminPrincipal } from './accounts.ts'
import { getModule } from './content.ts'
import { handleAndProject } from './handle-command.ts'

type Data<T extends ProfileCommand['type']> = Extract<ProfileCommand, { type: T }>['data']

async function run<T extends ProfileCommand['type']> (ctx: AppContext, admin: AdminPrincipal, profileId: string, type: T, data: Data<T>): Promise<number> {
  const command = { type, data, metadata: { now: ctx.now(), accountId: admin.accountId, actor: { kind: 'admin', id: admin.keyId } } } as ProfileCommand
  return handleAndProject(ctx, `profile-${profileId}`, profileDecider, command, ['catalog'])
}

export async function getProfileDoc (ctx: AppContext, accountId: string, profileId: string): Promise<ProfileDoc> {
  const doc = await ctx.runner.get<ProfileDoc>('catalog', `profile:${profileId}`)
  if (doc === undefined || doc.accountId !== accountId) throw new AppError('MS_ERR_NOT_FOUND', 'No such Mastery Profile in your account.')
  return doc
}

/** A profile as admins see it: its modules with goals and concept counts, and the toggle. */
export async function describeProfile (ctx: AppContext, accountId: string, profileId: string) {
  const doc = await getProfileDoc(ctx, accountId, profileId)
  const modules = []
  for (const [moduleId, goal] of Object.entries(doc.modules)) {
    const module = await ctx.runner.get<ModuleDoc>('catalog', `module:${moduleId}`)
    if (module === undefined) continue
    const concepts = Object.values(module.concepts).filter(c => c.removedAt === undefined).length
    modules.push({ moduleId, title: module.title, goal, concepts, removed: module.removedAt !== undefined })
  }
  return {
    profileId: doc.profileId,
    name: doc.name,
    lmsIntegration: { enabled: doc.lmsIntegration },
    modules,
    createdAt: new Date(doc.createdAt).toISOString()
  }
}

export const profiles = {
  async create (ctx: AppContext, admin: AdminPrincipal, input: { name: string }) {
    const profileId = ctx.newId('prf')
    const position = await run(ctx, admin, profileId, 'CreateProfile', { profileId, name: input.name })
    return { profileId, position }
  },
  async rename (ctx: AppContext, admin: AdminPrincipal, profileId: string, name: string) {
    return run(ctx, admin, profileId, 'RenameProfile', { name })
  },
  async setModuleGoal (ctx: AppContext, admin: AdminPrincipal, profileId: string, moduleId: string, goal: number) {
    const module = await getModule(ctx, admin, moduleId)
    if (module.removedAt !== undefined) throw new AppError('MS_ERR_REMOVED', 'This module was removed; it cannot be added to a profile.')
    return run(ctx, admin, profileId, 'SetModuleGoal', { moduleId, goal })
  },
  async removeModule (ctx: AppContext, admin: AdminPrincipal, profileId: string, moduleId: string) {
    return run(ctx, admin, profileId, 'RemoveModuleFromProfile', { moduleId })
  },
  async setLmsIntegration (ctx: AppContext, admin: AdminPrincipal, profileId: string, enabled: boolean) {
    return run(ctx, admin, profileId, 'SetLmsIntegration', { enabled })
  },
  async list (ctx: AppContext, admin: AdminPrincipal) {
    const index = await ctx.runner.list<{ id: string }>('catalog', `account-profile:${admin.accountId}:`)
    return Promise.all(index.map(({ doc }) => describeProfile(ctx, admin.accountId, doc.id)))
  }
}
