// A demo account to explore with: "International Flags" (growth plan), a few modules,
// concepts, activities and cards, and one learner. Seeded once; the credentials are
// printed and written to <DATA_DIR>/demo-credentials.json for scripts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { AppContext } from './app/context.ts'
import { authenticateAdmin, createAccount } from './app/accounts.ts'
import { content } from './app/content.ts'
import { profiles } from './app/profiles.ts'
import { registerLearner, setAssignment } from './app/learners.ts'

export interface DemoCredentials {
  accountId: string
  adminKey: string
  profileId: string
  learner: { id: string, email: string, password: string }
}

const flags: { module: string, goal: number, concepts: { title: string, questions: [string, string, string[]][], card: string }[] }[] = [
  {
    module: 'Flags of Europe',
    goal: 3,
    concepts: [
      { title: 'Nordic crosses', card: 'Denmark, Sweden, Norway, Finland and Iceland fly an off-centre cross; Denmark\'s Dannebrog is the oldest.', questions: [['Which country flies a white cross on red?', 'Denmark', ['Sweden', 'Finland', 'Norway']], ['Which flag has a yellow cross on blue?', 'Sweden', ['Denmark', 'Iceland', 'Norway']]] },
      { title: 'Tricolours', card: 'France, Italy, Ireland and Belgium use vertical tricolours; Germany and the Netherlands horizontal ones.', questions: [['Green, white and orange, vertical, is the flag of…', 'Ireland', ['Italy', 'Côte d\'Ivoire', 'Hungary']], ['Black, red and gold, horizontal, is the flag of…', 'Germany', ['Belgium', 'Austria', 'Spain']]] }
    ]
  },
  {
    module: 'Flags of the Americas',
    goal: 2,
    concepts: [
      { title: 'Stars and stripes', card: 'The United States, Liberia, Malaysia and Uruguay all fly stripes; only the US has fifty stars.', questions: [['How many stripes does the US flag have?', '13', ['50', '12', '15']], ['Which South American flag has a sun and stripes?', 'Uruguay', ['Chile', 'Paraguay', 'Peru']]] },
      { title: 'Emblems', card: 'Canada\'s maple leaf, Mexico\'s eagle and Brazil\'s starry globe are centred emblems.', questions: [['Which flag shows an eagle on a cactus?', 'Mexico', ['Ecuador', 'Bolivia', 'Guatemala']], ['Whose flag carries the motto "Ordem e Progresso"?', 'Brazil', ['Portugal', 'Argentina', 'Colombia']]] }
    ]
  }
]

export async function seedDemo (ctx: AppContext, dataDir: string): Promise<{ credentials: DemoCredentials, created: boolean }> {
  const file = join(dataDir, 'demo-credentials.json')
  if (existsSync(file)) return { credentials: JSON.parse(readFileSync(file, 'utf8')) as DemoCredentials, created: false }

  const { accountId, adminKey } = await createAccount(ctx, { name: 'Demo Account', plan: 'growth' }, 'demo-seed')
  const admin = await authenticateAdmin(ctx, adminKey)
  const { profileId } = await profiles.create(ctx, admin, { name: 'International Flags' })
  for (const m of flags) {
    const { moduleId } = await content.createModule(ctx, admin, { title: m.module })
    for (const c of m.concepts) {
      const { conceptId } = await content.addConcept(ctx, admin, moduleId, { title: c.title })
      for (const [prompt, right, wrong] of c.questions) {
        const options = [right, ...wrong].map((text, i) => ({ id: `o${i + 1}`, text, correct: i === 0 }))
        // Rotate so the right answer is not always first.
        const shift = prompt.length % options.length
        await content.addActivity(ctx, admin, conceptId, { prompt, options: [...options.slice(shift), ...options.slice(0, shift)] })
      }
      await content.addCard(ctx, admin, conceptId, { title: c.title, body: c.card })
    }
    await profiles.setModuleGoal(ctx, admin, profileId, moduleId, m.goal)
  }
  await profiles.setLmsIntegration(ctx, admin, profileId, true)
  const password = `demo-${randomBytes(6).toString('base64url')}`
  const email = 'learner@demo.mastery-sync.dev'
  const { learnerId } = await registerLearner(ctx, admin, { name: 'Demo Learner', email, password, attributes: { username: 'demo.learner' } })
  await setAssignment(ctx, admin, learnerId, profileId, true, 'demo seed')

  const credentials: DemoCredentials = { accountId, adminKey, profileId, learner: { id: learnerId, email, password } }
  mkdirSync(dataDir, { recursive: true })
  writeFileSync(file, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 })
  return { credentials, created: true }
}
