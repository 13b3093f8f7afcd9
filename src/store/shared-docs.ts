import { connectRedis, redisReady } from '#/store/shared-cache.js'

/**
 * Documents read from OpenSearch, kept in Redis so that every API process serves what any of
 * them has read (dataplane/cached-reads.ts checks each one's version before serving it, so this
 * store never decides what is current; it only saves decompressing the same `_source` again).
 */
export interface SharedDocs {
  /** The stored values of `keys`, in order; undefined where absent or when Redis does not answer in time. */
  getMany(keys: string[]): Promise<(string | undefined)[]>
  /** Stores values in the background: a request never waits on it. */
  setMany(entries: [key: string, value: string][]): void
  ready(timeoutMs?: number): Promise<boolean>
  close(): Promise<void>
}

export interface SharedDocsOptions {
  redisUrl: string
  /** Keys live under it (INDEX_PREFIX, so two deployments on one Redis never mix). */
  namespace: string
  /** How long an unread document stays; reads do not extend it. */
  ttlSec?: number
  /** The longest a lookup may hold up a read: a page is never slower for having Redis. */
  timeoutMs?: number
}

export function createSharedDocs(opts: SharedDocsOptions): SharedDocs {
  const redis = connectRedis(opts.redisUrl, opts.timeoutMs ?? 50)
  const ttlSec = opts.ttlSec ?? 3600
  const ns = (key: string) => `${opts.namespace}${key}`
  return {
    async getMany(keys) {
      if (keys.length === 0 || redis.status !== 'ready') return keys.map(() => undefined)
      const values: (string | null)[] = await redis.mget(...keys.map(ns)).catch(() => [])
      return keys.map((_, i) => values[i] ?? undefined)
    },
    setMany(entries) {
      if (entries.length === 0 || redis.status !== 'ready') return
      const batch = redis.pipeline()
      for (const [key, value] of entries) batch.set(ns(key), value, 'EX', ttlSec)
      batch.exec().catch(() => undefined)
    },
    ready: (timeoutMs) => redisReady(redis, timeoutMs),
    async close() {
      redis.disconnect()
    },
  }
}
