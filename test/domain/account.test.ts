import t from 'tap'
import { accountDecider, type AccountCommand, type AccountEvent } from '../../src/domain/account/account.ts'
import { metadata, specification } from './given-when-then.ts'

const account = specification(accountDecider)
const T0 = Date.UTC(2025, 2, 3, 9)
const ours = metadata('acc-a', T0, { kind: 'operator', id: 'operator' })
const theirs = metadata('acc-b', T0, { kind: 'operator', id: 'operator' })
const firstHash = 'a'.repeat(64)
const secondHash = 'b'.repeat(64)

const created: readonly AccountEvent[] = [
  { type: 'AccountCreated', data: { accountId: 'acc-a', name: 'Acme Learning', plan: 'starter' } },
  { type: 'AdminKeyIssued', data: { keyId: 'key-1', keyHash: firstHash, label: 'first admin key' } }
]
const secondKey: AccountEvent = { type: 'AdminKeyIssued', data: { keyId: 'key-2', keyHash: secondHash, label: 'CI pipeline' } }

const issue = (meta = ours): AccountCommand => ({ type: 'IssueAdminKey', data: { keyId: 'key-2', keyHash: secondHash, label: 'CI pipeline' }, metadata: meta })
const revoke = (keyId: string, meta = ours): AccountCommand => ({ type: 'RevokeAdminKey', data: { keyId }, metadata: meta })

const changePlan = (plan: 'starter' | 'growth' | 'enterprise', meta = ours): AccountCommand => ({ type: 'ChangePlan', data: { plan }, metadata: meta })

t.test('creating an account', async t => {
  const create: AccountCommand = {
    type: 'CreateAccount',
    data: { accountId: 'acc-a', name: 'Acme Learning', plan: 'starter', firstKey: { keyId: 'key-1', keyHash: firstHash } },
    metadata: ours
  }

  t.test('records the account with its plan and its first admin key, of which only the hash is kept', async t => {
    account(t).given([]).when(create).then(created)
  })

  t.test('is refused when the account already exists', async t => {
    account(t).given(created).when(create).thenThrows('MS_ERR_ALREADY_EXISTS')
  })
})

t.test('issuing an admin key', async t => {
  t.test('records the new key with its label', async t => {
    account(t).given(created).when(issue()).then([secondKey])
  })

  t.test('is refused for an account that does not exist', async t => {
    account(t).given([]).when(issue()).thenThrows('MS_ERR_NOT_FOUND')
  })

  t.test('into another account\'s stream reads as not found', async t => {
    account(t).given(created).when(issue(theirs)).thenThrows('MS_ERR_NOT_FOUND')
  })

  t.test('with a key id already in use is refused', async t => {
    account(t).given([...created, secondKey]).when(issue()).thenThrows('MS_ERR_ALREADY_EXISTS')
  })
})

t.test('revoking an admin key', async t => {
  t.test('records the revocation', async t => {
    account(t).given([...created, secondKey]).when(revoke('key-2')).then([{ type: 'AdminKeyRevoked', data: { keyId: 'key-2' } }])
  })

  t.test('is refused for a key the account never had', async t => {
    account(t).given(created).when(revoke('key-9')).thenThrows('MS_ERR_NOT_FOUND')
  })

  t.test('is refused for a key already revoked: it no longer exists', async t => {
    account(t).given([...created, { type: 'AdminKeyRevoked', data: { keyId: 'key-1' } }]).when(revoke('key-1')).thenThrows('MS_ERR_NOT_FOUND')
  })

  t.test('leaves the account\'s other keys in place', async t => {
    account(t).given([...created, secondKey, { type: 'AdminKeyRevoked', data: { keyId: 'key-1' } }])
      .when(revoke('key-2')).then([{ type: 'AdminKeyRevoked', data: { keyId: 'key-2' } }])
  })

  t.test('is refused for an account that does not exist', async t => {
    account(t).given([]).when(revoke('key-1')).thenThrows('MS_ERR_NOT_FOUND')
  })

  t.test('in another account\'s stream reads as not found', async t => {
    account(t).given(created).when(revoke('key-1', theirs)).thenThrows('MS_ERR_NOT_FOUND')
  })
})

t.test('changing the plan', async t => {
  t.test('records the new plan', async t => {
    account(t).given(created).when(changePlan('growth')).then([{ type: 'AccountPlanChanged', data: { plan: 'growth' } }])
  })

  t.test('to the plan the account already has records nothing', async t => {
    account(t).given(created).when(changePlan('starter')).then([])
  })

  t.test('follows the latest change', async t => {
    const upgraded: AccountEvent = { type: 'AccountPlanChanged', data: { plan: 'enterprise' } }
    account(t).given([...created, upgraded]).when(changePlan('enterprise')).then([], 'already on enterprise: nothing to record')
    account(t).given([...created, upgraded]).when(changePlan('starter')).then([{ type: 'AccountPlanChanged', data: { plan: 'starter' } }], 'back to starter is a change')
  })

  t.test('is refused for an account that does not exist', async t => {
    account(t).given([]).when(changePlan('growth')).thenThrows('MS_ERR_NOT_FOUND')
  })

  t.test('of another account reads as not found', async t => {
    account(t).given(created).when(changePlan('growth', theirs)).thenThrows('MS_ERR_NOT_FOUND')
  })
})
