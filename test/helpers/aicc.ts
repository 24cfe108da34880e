// An account ready for AICC launches, for the AICC tests: a growth account, a profile with
// the LMS integration on, an AICC package of it (through the API, as an admin makes one), and
// a learner linked to the LMS user "lms-user-42".
import { buildProfile, newLearner, type Harness } from './harness.ts'

export async function aiccAccount (h: Harness) {
  const account = await h.newAccount('growth')
  const token = account.adminKey
  const profile = await buildProfile(h, token, { goal: 1, concepts: 1 })
  await h.request('PUT', `/v1/profiles/${profile.profileId}/lms-integration`, { token, body: { enabled: true } })
  const created = await h.request('POST', `/v1/profiles/${profile.profileId}/packages`, { token, body: { title: 'Flags (AICC)', format: 'aicc' } })
  if (created.status !== 202) throw new Error(`AICC package: ${created.text}`)
  const learner = await newLearner(h, token)
  const linked = await h.request('POST', `/v1/learners/${learner.learnerId}/lms-links`, { token, body: { lmsUserId: 'lms-user-42' } })
  if (linked.status !== 201) throw new Error(`link: ${linked.text}`)
  return { account, token, profile, packageId: created.body.packageId as string, learner }
}
