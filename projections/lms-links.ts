// Links between LMS user ids and learners (R2), as admins list them.
//   link:{accountId}:{lmsUserId}   -> LmsLinkDoc (deleted on unlink)
//   learner-links:{learnerId}      -> LearnerLinksDoc (deleted when the last link goes)
// The link streams are the authority (an LMS launch resolves through them); these
// documents serve listings. Account and LMS user id come from the event data, or from
// metadata.accountId for an unlink, never from the stream id (which holds a digest).
import type { ProjectionDefinition } from '../src/projections/projection.ts'
import type { RecordedEvent } from '../src/store/event-store.ts'
import type { LinkSource, LmsLinkEvent } from '../src/domain/lms/lms-link.ts'

export interface LmsLinkDoc {
  accountId: string
  lmsUserId: string
  learnerId: string
  source: LinkSource
  /** Epoch milliseconds the link was recorded. */
  linkedAt: number
}

export interface LearnerLinksDoc {
  learnerId: string
  /** In the order they were linked. */
  lmsUserIds: string[]
}

export const linkKey = (accountId: string, lmsUserId: string): string => `link:${accountId}:${lmsUserId}`
export const learnerLinksKey = (learnerId: string): string => `learner-links:${learnerId}`

const accountOf = (event: RecordedEvent): string => String(event.metadata.accountId)

export const lmsLinksProjection: ProjectionDefinition<LmsLinkDoc | LearnerLinksDoc> = {
  name: 'lms-links',
  // 1 was the placeholder that kept no documents.
  version: 2,
  eventTypes: new Set(['LmsUserLinked', 'LmsUserUnlinked']),
  keys (event) {
    const e = event as unknown as LmsLinkEvent
    switch (e.type) {
      case 'LmsUserLinked': return [linkKey(e.data.accountId, e.data.lmsUserId), learnerLinksKey(e.data.learnerId)]
      case 'LmsUserUnlinked': return [linkKey(accountOf(event), e.data.lmsUserId), learnerLinksKey(e.data.learnerId)]
      default: return []
    }
  },
  evolve (doc, event, key) {
    const e = event as unknown as LmsLinkEvent
    if (key.startsWith('learner-links:')) {
      const current = (doc as LearnerLinksDoc | undefined)?.lmsUserIds ?? []
      const learnerId = e.data.learnerId
      if (e.type === 'LmsUserLinked') {
        return current.includes(e.data.lmsUserId) ? doc : { learnerId, lmsUserIds: [...current, e.data.lmsUserId] }
      }
      const lmsUserIds = current.filter(id => id !== e.data.lmsUserId)
      return lmsUserIds.length === 0 ? undefined : { learnerId, lmsUserIds }
    }
    switch (e.type) {
      case 'LmsUserLinked': {
        const { accountId, lmsUserId, learnerId, source } = e.data
        return { accountId, lmsUserId, learnerId, source, linkedAt: event.recordedAt }
      }
      // Only the learner who held the link releases it.
      case 'LmsUserUnlinked': return (doc as LmsLinkDoc | undefined)?.learnerId === e.data.learnerId ? undefined : doc
      default: return doc
    }
  }
}
