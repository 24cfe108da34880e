import type { ModuleDoc } from '../../projections/catalog.ts'
import { AppError } from '../errors.ts'
import type { AppContext } from './context.ts'
import { getLearner, type LearnerPrincipal } from './learners.ts'
import { getProfileDoc } from './profiles.ts'

/** The live Knowledge Cards of a profile the learner is assigned. */
export async function knowledgeCards (ctx: AppContext, learner: LearnerPrincipal, profileId: string) {
  if (learner.lock !== undefined && learner.lock.profileId !== profileId) throw new AppError('MS_ERR_LOCKED_TO_PROFILE', 'This course is locked to the Mastery Profile it was launched for.')
  const doc = await getLearner(ctx, learner.accountId, learner.learnerId)
  if (doc.assigned[profileId] === undefined) throw new AppError('MS_ERR_NOT_ASSIGNED', 'You are not assigned this Mastery Profile.')
  const profile = await getProfileDoc(ctx, learner.accountId, profileId)
  const cards = []
  for (const moduleId of Object.keys(profile.modules)) {
    const module = await ctx.runner.get<ModuleDoc>('catalog', `module:${moduleId}`)
    if (module === undefined || module.removedAt !== undefined) continue
    for (const [cardId, card] of Object.entries(module.cards)) {
      const concept = module.concepts[card.conceptId]
      if (card.removedAt !== undefined || concept === undefined || concept.removedAt !== undefined) continue
      cards.push({ cardId, conceptId: card.conceptId, conceptTitle: concept.title, title: card.title, body: card.body })
    }
  }
  return { profileId, cards }
}
