// account-{accountId}: an account's plan and its admin API keys (hashes only).
import type { DataOf, EventOf } from '../../../schemas/events.ts'
import type { Command, Decider } from '../decider.ts'
import { unreachable } from '../decider.ts'
import { fail } from '../../errors.ts'

type Plan = DataOf<'AccountCreated'>['plan']
export type AccountEvent = EventOf<'AccountCreated' | 'AccountPlanChanged' | 'AdminKeyIssued' | 'AdminKeyRevoked' | 'AccountSettingsChanged'>
export type AccountSettings = DataOf<'AccountSettingsChanged'>

export type AccountCommand =
  | Command<'CreateAccount', { accountId: string, name: string, plan: Plan, firstKey: { keyId: string, keyHash: string } }>
  | Command<'IssueAdminKey', { keyId: string, keyHash: string, label: string }>
  | Command<'RevokeAdminKey', { keyId: string }>
  | Command<'ChangePlan', { plan: Plan }>
  | Command<'ChangeSettings', AccountSettings>

export interface AccountState {
  readonly exists: boolean
  readonly accountId: string | undefined
  readonly plan: Plan | undefined
  readonly keys: ReadonlySet<string>
  readonly settings: AccountSettings
}

export const defaultAccountSettings: AccountSettings = { unknownLmsUsers: 'reject' }

export const accountDecider: Decider<AccountState, AccountCommand, AccountEvent> = {
  initialState: { exists: false, accountId: undefined, plan: undefined, keys: new Set(), settings: defaultAccountSettings },

  evolve (state, event) {
    switch (event.type) {
      case 'AccountCreated': return { ...state, exists: true, accountId: event.data.accountId, plan: event.data.plan }
      case 'AccountPlanChanged': return { ...state, plan: event.data.plan }
      case 'AdminKeyIssued': return { ...state, keys: new Set([...state.keys, event.data.keyId]) }
      case 'AdminKeyRevoked': return { ...state, keys: new Set([...state.keys].filter(k => k !== event.data.keyId)) }
      case 'AccountSettingsChanged': return { ...state, settings: event.data }
      default: return unreachable(event)
    }
  },

  decide (command, state) {
    if (command.type !== 'CreateAccount' && (!state.exists || state.accountId !== command.metadata.accountId)) return fail('MS_ERR_NOT_FOUND', 'No such account.')
    switch (command.type) {
      case 'CreateAccount':
        if (state.exists) return fail('MS_ERR_ALREADY_EXISTS', 'This account already exists.')
        return [
          { type: 'AccountCreated', data: { accountId: command.data.accountId, name: command.data.name, plan: command.data.plan } },
          { type: 'AdminKeyIssued', data: { ...command.data.firstKey, label: 'first admin key' } }
        ]
      case 'IssueAdminKey':
        if (state.keys.has(command.data.keyId)) return fail('MS_ERR_ALREADY_EXISTS', 'An admin key with this id already exists.')
        return [{ type: 'AdminKeyIssued', data: command.data }]
      case 'RevokeAdminKey':
        if (!state.keys.has(command.data.keyId)) return fail('MS_ERR_NOT_FOUND', 'No such admin key in this account.')
        return [{ type: 'AdminKeyRevoked', data: command.data }]
      case 'ChangePlan':
        return state.plan === command.data.plan ? [] : [{ type: 'AccountPlanChanged', data: command.data }]
      case 'ChangeSettings':
        return sameSettings(state.settings, command.data) ? [] : [{ type: 'AccountSettingsChanged', data: settingsOf(command.data) }]
      default: return unreachable(command)
    }
  }
}

/** The settings as they are stored: only the known fields, the origins without repeats. */
function settingsOf (settings: AccountSettings): AccountSettings {
  return {
    unknownLmsUsers: settings.unknownLmsUsers,
    ...(settings.lmsOrigins === undefined ? {} : { lmsOrigins: [...new Set(settings.lmsOrigins)] })
  }
}

function sameSettings (a: AccountSettings, b: AccountSettings): boolean {
  const x = settingsOf(a)
  const y = settingsOf(b)
  return x.unknownLmsUsers === y.unknownLmsUsers && JSON.stringify(x.lmsOrigins) === JSON.stringify(y.lmsOrigins)
}
