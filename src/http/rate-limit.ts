// Rate limits on the routes that guess secrets or reach out to other systems: sign-in (a
// password per try) and launches (a launch key per try, and a call to the LMS or LRS the
// launch names). Counted per client address in fixed one-minute windows, in this process's
// memory: each instance counts for itself, so N instances allow N times the limit.
import type { FastifyRequest } from 'fastify'
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
    const wait = this.login.take(request.ip) ?? this.loginEmail.take(`${request.ip} ${email.toLowerCase()}`)
    if (wait !== undefined) throw limited(wait, `Too many sign-in attempts from your network; wait ${wait} seconds and try again.`)
  }

  /** Throws MS_ERR_RATE_LIMITED (429) when this address has launched too often. */
  checkLaunch (request: FastifyRequest): void {
    const wait = this.launch.take(request.ip)
    if (wait !== undefined) throw limited(wait, `Too many course launches from your network; wait ${wait} seconds and launch the course again.`)
  }
}

function limited (retryAfterSeconds: number, message: string): AppError {
  return new AppError('MS_ERR_RATE_LIMITED', message, { retryAfterSeconds })
}
