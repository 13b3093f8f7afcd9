import { Redis } from 'ioredis'
import { LRUCache } from 'lru-cache'
import { countCacheLookup, type TieredCacheName } from '#/metrics.js'

/**
 * A small key → string cache that several Magpie processes can share. With REDIS_URL it lives in
 * Redis (so a restarted or second ingest process does not resolve every DID again); without it,
 * in this process. Lookups are always answered from a local LRU first: the hot path never waits on
 * a network round trip for something it has seen recently.
 */
export interface SharedCache {
  get(key: string): Promise<string | undefined>
  set(key: string, value: string, ttlSec: number): Promise<void>
  delete(key: string): Promise<void>
  /** Resolves once the shared store is connected (at once without one); false after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<boolean>
  close(): Promise<void>
}

export interface SharedCacheOptions {
  redisUrl?: string
  namespace: string
  localMax?: number
  /** Counts lookups in `magpie_cache_lookups_total` under this name (the local tier) and `<name>_shared` (Redis); unset: not counted. */
  metric?: TieredCacheName
}

export function createSharedCache(opts: SharedCacheOptions): SharedCache {
  const local = new LRUCache<string, string>({ max: opts.localMax ?? 100_000, ttlAutopurge: false })
  const lookedUp = <T>(value: T | undefined): T | undefined => {
    if (opts.metric) countCacheLookup(opts.metric, value !== undefined)
    return value
  }
  if (!opts.redisUrl) {
    return {
      get: async (key) => lookedUp(local.get(key)),
      set: async (key, value, ttlSec) => void local.set(key, value, { ttl: ttlSec * 1000 }),
      delete: async (key) => void local.delete(key),
      ready: async () => true,
      close: async () => undefined,
    }
  }
  const redis = connectRedis(opts.redisUrl)
  const ns = (key: string) => `${opts.namespace}${key}`
  /** The value and its remaining lifetime in ms (≤ 0: none, or no expiry), in one round trip. */
  const sharedEntry = async (key: string): Promise<[string | null, number]> => {
    const replies = await redis.multi().get(key).pttl(key).exec().catch(() => null)
    const [value, ttl] = (replies ?? []).map(([err, reply]) => (err ? null : reply))
    return [typeof value === 'string' ? value : null, typeof ttl === 'number' ? ttl : -1]
  }
  return {
    async get(key) {
      const hit = lookedUp(local.get(key))
      if (hit !== undefined) return hit
      const [value, ttlMs] = await sharedEntry(ns(key))
      if (opts.metric) countCacheLookup(`${opts.metric}_shared`, value !== null)
      if (value === null) return undefined
      // The local copy lives no longer than the shared entry: without a TTL it would outlive
      // every refresh another process makes (a rotated signing key trusted for ever).
      if (ttlMs > 0) local.set(key, value, { ttl: ttlMs })
      return value
    },
    async set(key, value, ttlSec) {
      local.set(key, value, { ttl: ttlSec * 1000 })
      await redis.set(ns(key), value, 'EX', ttlSec).catch(() => undefined)
    },
    async delete(key) {
      local.delete(key)
      await redis.del(ns(key)).catch(() => undefined)
    },
    ready: (timeoutMs) => redisReady(redis, timeoutMs),
    async close() {
      redis.disconnect()
    },
  }
}

/**
 * A Redis connection whose every wait is bounded: a slow or absent Redis degrades the caller to
 * what it holds locally, it never stalls ingest or a request.
 */
export function connectRedis(url: string, commandTimeoutMs = 500): Redis {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1, commandTimeout: commandTimeoutMs, enableOfflineQueue: false })
  redis.on('error', () => undefined)
  return redis
}

/** Resolves once connected; false after `timeoutMs`. */
export function redisReady(redis: Redis, timeoutMs = 5000): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs)
    redis.once('ready', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}
