// lms-link-{accountId}-{digest of the LMS user id}: which learner one LMS user id
// stands for in one account (R2). One stream per (account, LMS user id) makes "one LMS
// id, one learner per account" a stream invariant; the stream keeps the whole
// linked / unlinked / relinked history. The digest is taken by the application: the
// domain does no hashing (no I/O, no crypto).
import type { DataOf, EventOf } from '../../../schemas/events.ts'
import type { Command, Decider } from '../decider.ts'
import { unreachable } from '../decider.ts'
import { fail } from '../../errors.ts'

export type LinkSource = DataOf<'LmsUserLinked'>['source']

/**
 * The unlink event also names the LMS user id: a reader of the log (and the
 * `lms-links` projection) cannot recover it from the stream id, which holds only a digest.
 */
export type LmsUserUnlinkedEvent = { readonly type: 'LmsUserUnlinked', readonly data: DataOf<'LmsUserUnlinked'> & { readonly lmsUserId: string } }
export type LmsLinkEvent = EventOf<'LmsUserLinked'> | LmsUserUnlinkedEvent

export type LmsLinkCommand =
  | Command<'LinkLmsUser', { lmsUserId: string, learnerId: string, source: LinkSource }>
  | Command<'UnlinkLmsUser', { learnerId: string }>

export interface LmsLinkState {
  /** The account and LMS user id the stream is about, once anything was recorded. */
  readonly accountId: string | undefined
  readonly lmsUserId: string | undefined
  /** Who holds the link now; undefined when never linked or unlinked. */
  readonly learnerId: string | undefined
  readonly source: LinkSource | undefined
}

export const maxLmsUserIdLength = 255

/**
 * LMS user ids are opaque and case-sensitive: only surrounding whitespace is dropped.
 * Control characters are refused — no LMS issues them, and they hide in CSV files.
 */
export function normalizeLmsUserId (raw: string): string {
  const id = raw.trim()
  checkLmsUserId(id)
  return id
}

function checkLmsUserId (id: string): void {
  if (id === '') fail('MS_ERR_VALIDATION', 'The LMS user id is empty.')
  if (id !== id.trim()) fail('MS_ERR_VALIDATION', 'The LMS user id has surrounding whitespace; trim it first.')
  // Counted in code points, as the event schema's maxLength counts them.
  if ([...id].length > maxLmsUserIdLength) fail('MS_ERR_VALIDATION', `The LMS user id is longer than ${maxLmsUserIdLength} characters.`)
  if (/\p{Cc}/u.test(id)) fail('MS_ERR_VALIDATION', 'The LMS user id contains control characters (such as line breaks or tabs).')
}

export const lmsLinkDecider: Decider<LmsLinkState, LmsLinkCommand, LmsLinkEvent> = {
  initialState: { accountId: undefined, lmsUserId: undefined, learnerId: undefined, source: undefined },

  evolve (state, event) {
    switch (event.type) {
      case 'LmsUserLinked': return { accountId: event.data.accountId, lmsUserId: event.data.lmsUserId, learnerId: event.data.learnerId, source: event.data.source }
      case 'LmsUserUnlinked': return { ...state, learnerId: undefined, source: undefined }
      default: return unreachable(event)
    }
  },

  decide (command, state) {
    // The stream id carries the account; a stream of another account reads as absent.
    if (state.accountId !== undefined && state.accountId !== command.metadata.accountId) {
      return fail('MS_ERR_NOT_FOUND', 'No such LMS link in your account.')
    }
    switch (command.type) {
      case 'LinkLmsUser': {
        const { lmsUserId, learnerId, source } = command.data
        checkLmsUserId(lmsUserId)
        // Linking again to the same learner is a harmless retry: nothing to record.
        if (state.learnerId === learnerId) return []
        // Never merge silently: the admin decides by unlinking first.
        if (state.learnerId !== undefined) {
          return fail('MS_ERR_LMS_LINK_CONFLICT',
            `LMS user id "${lmsUserId}" is already linked to learner ${state.learnerId}; unlink it from that learner first if it should belong to learner ${learnerId}.`,
            { lmsUserId, linkedLearnerId: state.learnerId })
        }
        return [{ type: 'LmsUserLinked', data: { accountId: command.metadata.accountId, lmsUserId, learnerId, source } }]
      }
      case 'UnlinkLmsUser': {
        if (state.learnerId === undefined || state.lmsUserId === undefined || state.learnerId !== command.data.learnerId) {
          return fail('MS_ERR_NOT_FOUND', 'This LMS user id is not linked to this learner.')
        }
        return [{ type: 'LmsUserUnlinked', data: { learnerId: command.data.learnerId, lmsUserId: state.lmsUserId } }]
      }
      default: return unreachable(command)
    }
  }
}
