import { LRUCache } from 'lru-cache'

/**
 * Token buckets, one per key (an address, an account): `limit` points, refilled evenly over
 * `windowMs`, so a caller may spend a burst of `limit` at once and then `limit` per window.
 */

export interface BucketStatus {
  limit: number
  /** Whole points left after this request. */
  remaining: number
  /** Until the bucket is full again. */
  msToFull: number
  /** Until the request refused could be made (0 when it was allowed). */
  msBeforeNext: number
  windowMs: number
}

/** Buckets kept at most: one left out is simply full, as any untouched a window long is. */
const MAX_KEYS = 100_000

export class TokenBuckets {
  private readonly buckets: LRUCache<string, { tokens: number; at: number }>
  private readonly perMs: number

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    this.perMs = limit / windowMs
    // A bucket untouched for a window has refilled: forgetting it then changes nothing.
    this.buckets = new LRUCache({ max: MAX_KEYS, ttl: windowMs, ttlAutopurge: false })
  }

  /** The bucket's points now, without spending any. */
  level(key: string, now: number): number {
    const b = this.buckets.get(key)
    return b ? Math.min(this.limit, b.tokens + (now - b.at) * this.perMs) : this.limit
  }

  /** Spend `cost` points (the caller checked `level` first: several buckets are spent together or not at all). */
  spend(key: string, cost: number, now: number): void {
    this.buckets.set(key, { tokens: this.level(key, now) - cost, at: now })
  }

  status(tokens: number, cost: number): BucketStatus {
    return {
      limit: this.limit,
      remaining: Math.max(0, Math.floor(tokens)),
      msToFull: Math.ceil((this.limit - tokens) / this.perMs),
      msBeforeNext: tokens >= cost ? 0 : Math.ceil((cost - tokens) / this.perMs),
      windowMs: this.windowMs,
    }
  }
}
