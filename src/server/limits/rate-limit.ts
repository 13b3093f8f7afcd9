import { isLoopback, rateKeyOfIp } from '#/server/limits/client-ip.js'
import { TokenBuckets, type BucketStatus } from '#/server/limits/token-bucket.js'

/**
 * Who may ask how much. A caller with a verified service token is limited as its account (the
 * token's issuer), whatever address it comes from: the app's requests reach an AppView through
 * the user's PDS, so one PDS address carries many accounts. A caller without one is limited by
 * address. Each has a bucket for everything and a smaller one for the expensive methods
 * (searches, aggregations); anonymous buckets are the smaller.
 */

export interface RateLimitSettings {
  /** Points per minute; 0 turns that bucket off. */
  anonPerMinute: number
  anonExpensivePerMinute: number
  accountPerMinute: number
  accountExpensivePerMinute: number
  /**
   * Limit anonymous callers on loopback too. Off by default: loopback is this machine's own
   * tools and tests, or a reverse proxy not (yet) named in TRUSTED_PROXIES, for which one
   * bucket would be everybody's.
   */
  limitLoopback: boolean
  /** Over how long a bucket refills; one minute unless a test needs it quicker. */
  windowMs?: number
}

export interface Caller {
  ip: string
  /** The verified token's issuer, or null when there is none. */
  account: string | null
}

export interface RateDecision {
  allowed: boolean
  /** The bucket that refused, or else the one closest to refusing: what the RateLimit-* headers describe. */
  status: BucketStatus
}

export interface RateLimiter {
  /** Spend one point of each bucket the request falls in, or none if any is empty; undefined when no limit applies. */
  take(caller: Caller, expensive: boolean, now?: number): RateDecision | undefined
}

const WINDOW_MS = 60_000

export function createRateLimiter(settings: RateLimitSettings): RateLimiter {
  const windowMs = settings.windowMs ?? WINDOW_MS
  const buckets = (perWindow: number) => (perWindow > 0 ? new TokenBuckets(perWindow, windowMs) : undefined)
  const anon = buckets(settings.anonPerMinute)
  const anonExpensive = buckets(settings.anonExpensivePerMinute)
  const account = buckets(settings.accountPerMinute)
  const accountExpensive = buckets(settings.accountExpensivePerMinute)

  return {
    take(caller, expensive, now = Date.now()) {
      let key: string
      let applicable: (TokenBuckets | undefined)[]
      if (caller.account) {
        key = caller.account
        applicable = [account, expensive ? accountExpensive : undefined]
      } else {
        if (isLoopback(caller.ip) && !settings.limitLoopback) return undefined
        key = rateKeyOfIp(caller.ip)
        applicable = [anon, expensive ? anonExpensive : undefined]
      }
      const levels = applicable.filter((b) => b !== undefined).map((bucket) => ({ bucket, tokens: bucket.level(key, now) }))
      if (levels.length === 0) return undefined
      const refused = levels.filter((l) => l.tokens < 1).map((l) => l.bucket.status(l.tokens, 1))
      if (refused.length > 0) return { allowed: false, status: refused.reduce((a, b) => (b.msBeforeNext > a.msBeforeNext ? b : a)) }
      for (const l of levels) l.bucket.spend(key, 1, now)
      const after = levels.map((l) => l.bucket.status(l.tokens - 1, 1))
      return { allowed: true, status: after.reduce((a, b) => (b.remaining < a.remaining ? b : a)) }
    },
  }
}

/**
 * The headers the reference PDS and AppView send (draft-ietf-httpapi-ratelimit-headers, as
 * @atproto/xrpc-server writes them): the limit, what is left, when the bucket is full again
 * (epoch seconds), and the policy as `<limit>;w=<window seconds>`.
 */
export function rateLimitHeaders(status: BucketStatus, now = Date.now()): Record<string, string> {
  return {
    'RateLimit-Limit': String(status.limit),
    'RateLimit-Remaining': String(status.remaining),
    'RateLimit-Reset': String(Math.ceil((now + status.msToFull) / 1000)),
    'RateLimit-Policy': `${status.limit};w=${Math.round(status.windowMs / 1000)}`,
  }
}

/** Whole seconds until a refused request would be let through (at least 1). */
export function retryAfterSeconds(status: BucketStatus): string {
  return String(Math.max(1, Math.ceil(status.msBeforeNext / 1000)))
}
