// Calls to LMSs and LRSs reach public addresses only (unless the operator allows any): checked
// on the addresses a connection actually uses, against real local servers that must never be
// called, and through a real launch.
import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { LookupAddress } from 'node:dns'
import { isPublicAddress, outboundFetch, publicOnlyLookup, refusedAddress } from '../../src/lms/outbound.ts'
import { harness, tokenSecret } from '../helpers/harness.ts'
import { aiccAccount } from '../helpers/aicc.ts'
import { startAiccHacpLms } from '../helpers/peers/aicc-hacp-lms.ts'
import { launchKeyFor } from '../../src/app/credentials.ts'

t.test('which addresses are public', async t => {
  const inside = ['127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '192.0.2.10',
    '::1', '::', 'fe80::1', 'fd00::1', 'fc00::5', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::127.0.0.1', '::ffff:7f00:1', '64:ff9b::a00:1', '2001:db8::1', 'not-an-address', '']
  const outside = ['8.8.8.8', '93.184.216.34', '172.32.0.1', '100.128.0.1', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '::ffff:808:808', '64:ff9b::808:808', '2a00:1450:4001::1']
  for (const address of inside) t.notOk(isPublicAddress(address), `${address} is not public`)
  // As a URL hands them over: new URL() writes IPv4 inside IPv6 in hex.
  for (const url of ['http://[::127.0.0.1]/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:0:7f00:1]/', 'http://[2002:7f00:1::]/', 'http://[::ffff:169.254.169.254]/']) {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '')
    t.notOk(isPublicAddress(host), `${url} (${host}) is not public`)
  }
  for (const address of outside) t.ok(isPublicAddress(address), `${address} is public`)
})

t.test('the lookup answers only with public addresses: one inside address in the answer refuses the name', async t => {
  const answers: Record<string, LookupAddress[]> = {
    'lrs.example.org': [{ address: '93.184.216.34', family: 4 }, { address: '2606:2800::1', family: 6 }],
    'mixed.example.org': [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.5', family: 4 }],
    'metadata.example.org': [{ address: '169.254.169.254', family: 4 }]
  }
  const fake = ((hostname: string, _options: object, callback: (error: Error | null, addresses: LookupAddress[]) => void) => {
    const found = answers[hostname]
    callback(found === undefined ? new Error('ENOTFOUND') : null, found ?? [])
  }) as never
  const lookup = publicOnlyLookup(fake) as unknown as (host: string, options: object, callback: (error: Error | null, address: unknown, family?: number) => void) => void
  const ask = (host: string, all: boolean) => new Promise<{ error: Error | null, address: unknown }>(resolve => lookup(host, { all }, (error, address) => resolve({ error, address })))
  t.same(await ask('lrs.example.org', true), { error: null, address: answers['lrs.example.org'] })
  t.same((await ask('lrs.example.org', false)).address, '93.184.216.34')
  t.match((await ask('mixed.example.org', false)).error, { name: 'OutboundAddressRefused', address: '10.0.0.5' })
  t.match((await ask('metadata.example.org', true)).error?.message, /metadata\.example\.org is at 169\.254\.169\.254, not a public address/)
  t.match((await ask('nowhere.example.org', false)).error?.message, /ENOTFOUND/)
})

t.test('a loopback server is never called under "public" (by address or by name), and is under "any"', async t => {
  let calls = 0
  const server = createServer((_req, res) => { calls++; res.end('ok') })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise(resolve => server.close(resolve)))
  const { port } = server.address() as AddressInfo
  const guarded = outboundFetch('public')
  for (const url of [`http://127.0.0.1:${port}/`, `http://localhost:${port}/`, `http://[::ffff:127.0.0.1]:${port}/`]) {
    const error = await guarded(url).then(() => undefined, (e: unknown) => e)
    t.ok(refusedAddress(error) !== undefined, `${url}: refused (${String((error as Error | undefined)?.message)})`)
  }
  t.equal(calls, 0, 'the server saw no request')
  t.equal(await (await outboundFetch('any')(`http://127.0.0.1:${port}/`)).text(), 'ok', 'with "any" the call goes through')
  t.equal(calls, 1)
})

t.test('an AICC launch whose aicc_url is on loopback: a page saying why and what to do, no call, nothing appended', async t => {
  const h = await harness(t, { outbound: 'public' })
  const { packageId } = await aiccAccount(h)
  const lms = await startAiccHacpLms(t)
  const session = lms.createSession({ studentId: 'lms-user-42' })
  const before = await h.eventCount()
  const res = await h.app.inject({ method: 'GET', url: `/lms/aicc/launch?package=${packageId}&revision=1&key=${encodeURIComponent(launchKeyFor(tokenSecret, packageId, 1))}&${session.launchQuery}` })
  t.equal(res.statusCode, 400)
  t.match(res.headers['content-type'], /text\/html/)
  t.match(res.body, /not a public address[\s\S]*OUTBOUND_ADDRESSES=any[\s\S]*MS_ERR_LMS_ADDRESS_REFUSED/)
  t.equal(lms.exchanges().length, 0, 'the LMS was never called')
  t.equal(await h.eventCount(), before, 'nothing appended')
})
