// Rate limits on the routes that guess secrets or reach out to other systems: sign-in (a
// password per try) and launches (a launch key per try, and a call to the LMS or LRS the
// launch names). Counted per client (an address, or an IPv6 /64; behind proxies, the address
// they report, as TRUST_PROXY allows) in fixed one-minute windows, in this process's memory:
// each instance counts for itself, so N instances allow N times the limit.
import type { FastifyRequest } from 'fastify'
import { isIP } from 'node:net'
import { AppError } from '../errors.ts'

export interface RateLimitSettings {
  /** Sign-in attempts per minute from one address. */
  readonly loginPerMinute: number
  /** Sign-in attempts per minute from one address for one email. */
  readonly loginPerEmailPerMinute: number
  /** LMS launches per minute from one address (schools put whole classes behind one address). */
  readonly launchPerMinute: number
}

/** Keys are dropped once their window has passed; past this many live keys, the oldest go. */
const maxKeys = 100_000
const windowMs = 60_000

export class RateLimiter {
  private readonly windows = new Map<string, { start: number, count: number }>()

  constructor (private readonly limit: number, private readonly now: () => number = Date.now) {}

  /** Counts one try for the key; undefined when allowed, else the seconds until the next window. */
  take (key: string): number | undefined {
    const now = this.now()
    let window = this.windows.get(key)
    if (window === undefined || now - window.start >= windowMs) {
      if (window !== undefined) this.windows.delete(key)
      if (this.windows.size >= maxKeys) this.evict(now)
      window = { start: now, count: 0 }
      this.windows.set(key, window)
    }
    window.count++
    if (window.count <= this.limit) return undefined
    return Math.max(1, Math.ceil((window.start + windowMs - now) / 1000))
  }

  private evict (now: number): void {
    // A Map iterates in insertion order: oldest windows first.
    for (const [key, window] of this.windows) {
      if (now - window.start < windowMs && this.windows.size < maxKeys * 0.9) break
      this.windows.delete(key)
    }
  }
}

export class RateLimits {
  readonly login: RateLimiter
  readonly loginEmail: RateLimiter
  readonly launch: RateLimiter

  constructor (settings: RateLimitSettings, now?: () => number) {
    this.login = new RateLimiter(settings.loginPerMinute, now)
    this.loginEmail = new RateLimiter(settings.loginPerEmailPerMinute, now)
    this.launch = new RateLimiter(settings.launchPerMinute, now)
  }

  /** Throws MS_ERR_RATE_LIMITED (429) when this address has signed in too often. */
  checkLogin (request: FastifyRequest, email: string): void {
    const client = clientKey(request.ip)
    const wait = this.login.take(client) ?? this.loginEmail.take(`${client} ${email.toLowerCase()}`)
    if (wait !== undefined) throw limited(wait, `Too many sign-in attempts from your network; wait ${wait} seconds and try again.`)
  }

  /** Throws MS_ERR_RATE_LIMITED (429) when this address has launched too often. */
  checkLaunch (request: FastifyRequest): void {
    const wait = this.launch.take(clientKey(request.ip))
    if (wait !== undefined) throw limited(wait, `Too many course launches from your network; wait ${wait} seconds and launch the course again.`)
  }
}

/**
 * Who counts as one client: an IPv4 address, or an IPv6 /64 (one network: a client there can
 * pick any address of it, so counting addresses would let it start afresh at will).
 */
export function clientKey (address: string): string {
  if (isIP(address) !== 6 || /^::ffff:\d/i.test(address)) return address
  const groups = expandIpv6(address)
  return groups === undefined ? address : `${groups.slice(0, 4).join(':')}::/64`
}

function expandIpv6 (address: string): string[] | undefined {
  const [head = '', tail] = address.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  if (right.some(group => group.includes('.'))) return undefined
  const missing = 8 - left.length - right.length
  if (missing < 0 || (tail === undefined && missing !== 0)) return undefined
  return [...left, ...Array<string>(missing).fill('0'), ...right].map(group => group.toLowerCase().replace(/^0+(?=.)/, ''))
}

function limited (retryAfterSeconds: number, message: string): AppError {
  return new AppError('MS_ERR_RATE_LIMITED', message, { retryAfterSeconds })
}
