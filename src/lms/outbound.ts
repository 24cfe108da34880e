// Calls to LMSs and LRSs go to addresses a launch names (aicc_url, the cmi5 endpoint and fetch
// URL, the Tin Can endpoint). The launch key is checked first, but a key sits in a zip that is
// uploaded to LMSs, so it is not much of a secret: without a check, anyone holding a package
// could make the service call into its own network (cloud metadata, databases, admin pages).
//
// The 'public' policy (the default) refuses every address that is not public: loopback,
// private, link-local, shared (CGNAT), unspecified, multicast and reserved ranges, in IPv4 and
// IPv6 (including IPv4-mapped IPv6). The check runs where the connection is made, on the
// addresses DNS actually returned, so a name that resolves to an inside address (or that
// changes its answer between two lookups) is refused too. 'any' allows every address: for an
// LMS on the same private network (OUTBOUND_ADDRESSES=any), and for tests against local peers.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { BlockList, isIP } from 'node:net'
import { Agent, fetch as undiciFetch } from 'undici'

export type OutboundPolicy = 'public' | 'any'

/** The fetch the LMS and LRS clients use: the global one's shape. */
export type OutboundFetch = (input: URL | string, init?: RequestInit) => Promise<Response>

export class OutboundAddressRefused extends Error {
  constructor (readonly host: string, readonly address: string) {
    super(`${host} is ${host === address ? '' : `at ${address}, `}not a public address; the service does not call private, loopback or link-local addresses (OUTBOUND_ADDRESSES=any allows them)`)
    this.name = 'OutboundAddressRefused'
  }
}

const notPublic = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
  ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4]
] as const) notPublic.addSubnet(network, prefix, 'ipv4')
for (const [network, prefix] of [
  // ::/96 and ::ffff:0:0:0/96 carry an IPv4 address in older forms, 2002::/16 (6to4) one inside.
  ['::', 96], ['::1', 128], ['::ffff:0:0:0', 96], ['2002::', 16], ['64:ff9b:1::', 48], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8]
] as const) notPublic.addSubnet(network, prefix, 'ipv6')

/** True for an address the 'public' policy lets the service call. */
export function isPublicAddress (address: string): boolean {
  const family = isIP(address)
  if (family === 0) return false
  if (family === 6) {
    // ::ffff:a.b.c.d and ::a.b.c.d carry an IPv4 address: judge that one.
    const mapped = /^::(ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
    if (mapped?.[2] !== undefined) return isPublicAddress(mapped[2])
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    const nat64 = /^64:ff9b::([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address)
    if (nat64?.[1] !== undefined && nat64[2] !== undefined) {
      const high = Number.parseInt(nat64[1], 16)
      const low = Number.parseInt(nat64[2], 16)
      return isPublicAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`)
    }
    return !notPublic.check(address, 'ipv6')
  }
  return !notPublic.check(address, 'ipv4')
}

type Lookup = typeof dnsLookup

/**
 * A dns.lookup that answers only with public addresses: any other address in DNS's answer
 * makes it fail with OutboundAddressRefused (a name with one inside address is not trusted).
 */
export function publicOnlyLookup (resolve: Lookup = dnsLookup): Lookup {
  return ((hostname: string, options: object, callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) return callback(error, [])
      const list = addresses as unknown as LookupAddress[]
      const refused = list.find(a => !isPublicAddress(a.address))
      if (refused !== undefined) return callback(new OutboundAddressRefused(hostname, refused.address), [])
      if ((options as { all?: boolean }).all === true) return callback(null, list)
      const first = list[0]
      if (first === undefined) return callback(new Error(`${hostname} has no address`), [])
      callback(null, first.address, first.family)
    })
  }) as unknown as Lookup
}

/** A fetch that connects only to public addresses (or anywhere, with 'any'). */
export function outboundFetch (policy: OutboundPolicy, resolve: Lookup = dnsLookup): OutboundFetch {
  if (policy === 'any') return async (input, init) => fetch(input, init)
  const agent = new Agent({ connect: { lookup: publicOnlyLookup(resolve) } })
  return async (input, init) => {
    // An address written in the URL is connected to without a lookup: judge it here.
    const host = new URL(input).hostname.replace(/^\[|\]$/g, '')
    if (isIP(host) !== 0 && !isPublicAddress(host)) throw new TypeError('fetch failed', { cause: new OutboundAddressRefused(host, host) })
    // A redirect is never followed: its target would be connected to without this check of a
    // written address (and would carry credentials elsewhere). Callers see the 3xx.
    const redirect = init?.redirect === 'error' ? 'error' : 'manual'
    return await (undiciFetch as unknown as (input: URL | string, init: object) => Promise<Response>)(input, { ...init, redirect, dispatcher: agent })
  }
}

/** The refusal behind a failed call (fetch wraps it in its cause), if that is why it failed. */
export function refusedAddress (error: unknown): OutboundAddressRefused | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof OutboundAddressRefused) return e
  }
  return undefined
}
