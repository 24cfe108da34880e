// Authoring: modules, concepts, activities and knowledge cards. Every edit is an
// event on the module's stream and is live for learners as soon as it is read (R6).
import { moduleDecider, type ModuleCommand, type Option } from '../domain/content/module.ts'
import type { ActivityDoc, ModuleDoc, PlacementDoc } from '../../projections/catalog.ts'
import { AppError } from '../errors.ts'
import type { AppContext } from './context.ts'
import type { AdminPrincipal } from './accounts.ts'
import { handleAndProject } from './handle-command.ts'

type Data<T extends ModuleCommand['type']> = Extract<ModuleCommand, { type: T }>['data']

async function run<T extends ModuleCommand['type']> (ctx: AppContext, admin: AdminPrincipal, moduleId: string, type: T, data: Data<T>): Promise<number> {
  const command = { type, data, metadata: { now: ctx.now(), accountId: admin.accountId, actor: { kind: 'admin', id: admin.keyId } } } as ModuleCommand
  return handleAndProject(ctx, `module-${moduleId}`, moduleDecider, command, ['catalog'])
}

const notFound = (what: string): AppError => new AppError('MS_ERR_NOT_FOUND', `No such ${what} in your account.`)

/** Finds the module a concept, activity or card lives in — only within the admin's account. */
export async function locate (ctx: AppContext, admin: AdminPrincipal, kind: 'concept' | 'activity' | 'card', id: string): Promise<PlacementDoc> {
  const placement = await ctx.runner.get<PlacementDoc>('catalog', `${kind}:${id}`)
  if (placement === undefined || placement.accountId !== admin.accountId) throw notFound(kind === 'card' ? 'knowledge card' : kind)
  return placement
}

export async function getModule (ctx: AppContext, admin: AdminPrincipal, moduleId: string): Promise<ModuleDoc> {
  const doc = await ctx.runner.get<ModuleDoc>('catalog', `module:${moduleId}`)
  if (doc === undefined || doc.accountId !== admin.accountId) throw notFound('module')
  return doc
}

export const content = {
  async createModule (ctx: AppContext, admin: AdminPrincipal, input: { title: string, description?: string }) {
    const moduleId = ctx.newId('mod')
    const position = await run(ctx, admin, moduleId, 'CreateModule', { moduleId, ...input })
    return { moduleId, position }
  },
  async changeModule (ctx: AppContext, admin: AdminPrincipal, moduleId: string, input: { title?: string, description?: string }) {
    return run(ctx, admin, moduleId, 'ChangeModule', input)
  },
  async removeModule (ctx: AppContext, admin: AdminPrincipal, moduleId: string) {
    return run(ctx, admin, moduleId, 'RemoveModule', {})
  },
  async addConcept (ctx: AppContext, admin: AdminPrincipal, moduleId: string, input: { title: string }) {
    const conceptId = ctx.newId('con')
    const position = await run(ctx, admin, moduleId, 'AddConcept', { conceptId, ...input })
    return { conceptId, moduleId, position }
  },
  async changeConcept (ctx: AppContext, admin: AdminPrincipal, conceptId: string, input: { title: string }) {
    const { moduleId } = await locate(ctx, admin, 'concept', conceptId)
    return run(ctx, admin, moduleId, 'ChangeConcept', { conceptId, ...input })
  },
  async removeConcept (ctx: AppContext, admin: AdminPrincipal, conceptId: string) {
    const { moduleId } = await locate(ctx, admin, 'concept', conceptId)
    return run(ctx, admin, moduleId, 'RemoveConcept', { conceptId })
  },
  async addActivity (ctx: AppContext, admin: AdminPrincipal, conceptId: string, input: { prompt: string, options: readonly Option[] }) {
    const { moduleId } = await locate(ctx, admin, 'concept', conceptId)
    const activityId = ctx.newId('act')
    const position = await run(ctx, admin, moduleId, 'AddActivity', { activityId, conceptId, ...input })
    return { activityId, conceptId, moduleId, position }
  },
  async changeActivity (ctx: AppContext, admin: AdminPrincipal, activityId: string, input: { prompt?: string, options?: readonly Option[] }) {
    const { moduleId } = await locate(ctx, admin, 'activity', activityId)
    return run(ctx, admin, moduleId, 'ChangeActivity', { activityId, ...input })
  },
  async removeActivity (ctx: AppContext, admin: AdminPrincipal, activityId: string) {
    const { moduleId } = await locate(ctx, admin, 'activity', activityId)
    return run(ctx, admin, moduleId, 'RemoveActivity', { activityId })
  },
  async addCard (ctx: AppContext, admin: AdminPrincipal, conceptId: string, input: { title: string, body: string }) {
    const { moduleId } = await locate(ctx, admin, 'concept', conceptId)
    const cardId = ctx.newId('crd')
    const position = await run(ctx, admin, moduleId, 'AddCard', { cardId, conceptId, ...input })
    return { cardId, conceptId, moduleId, position }
  },
  async changeCard (ctx: AppContext, admin: AdminPrincipal, cardId: string, input: { title?: string, body?: string }) {
    const { moduleId } = await locate(ctx, admin, 'card', cardId)
    return run(ctx, admin, moduleId, 'ChangeCard', { cardId, ...input })
  },
  async removeCard (ctx: AppContext, admin: AdminPrincipal, cardId: string) {
    const { moduleId } = await locate(ctx, admin, 'card', cardId)
    return run(ctx, admin, moduleId, 'RemoveCard', { cardId })
  }
}

/** The live facts of an activity in an account, as answering needs them. */
export async function activityFacts (ctx: AppContext, accountId: string, activityId: string) {
  const doc = await ctx.runner.get<ActivityDoc>('catalog', `activity:${activityId}`)
  if (doc === undefined || doc.accountId !== accountId) throw new AppError('MS_ERR_NOT_FOUND', `No such activity: ${activityId}.`)
  // Removing a concept or a module retires everything in it.
  const concept = await ctx.runner.get<PlacementDoc>('catalog', `concept:${doc.conceptId}`)
  const module = await ctx.runner.get<ModuleDoc>('catalog', `module:${doc.moduleId}`)
  if (doc.removed || concept === undefined || module?.removedAt !== undefined) throw new AppError('MS_ERR_REMOVED', 'This activity was removed by an author.')
  return {
    activityId, conceptId: doc.conceptId, moduleId: doc.moduleId,
    optionIds: doc.options.map(o => o.id), correctOptionIds: doc.options.filter(o => o.correct).map(o => o.id)
  }
}
