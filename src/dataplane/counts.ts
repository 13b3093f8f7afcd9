import { LRUCache } from 'lru-cache'
import { countCacheLookups } from '#/metrics.js'
import type { RolledCounts } from '#/dataplane/rolled-counts.js'
import { bucketCounts, exactTermsAgg, NOT_DELETED, type FamilyIndex, type SearchRequest, type Searcher } from '#/dataplane/opensearch-reader.js'

/**
 * Exact aggregates computed from the indices (no counter tables to drift): one `_msearch` of
 * terms aggregations per batch, cached for a few seconds because the same profile is counted
 * by every view of it.
 */

export interface ProfileCounts {
  followers: number
  follows: number
  posts: number
  lists: number
  feedgens: number
  starterPacks: number
}

export interface StarterPackJoins {
  allTime: number
  lastWeek: number
}

export interface Counts {
  profileCounts(dids: string[]): Promise<Map<string, ProfileCounts>>
  /** Members of each list. */
  listItemCounts(listUris: string[]): Promise<Map<string, number>>
  /** Accounts whose profile says they joined through each starter pack (all time, last 7 days). */
  starterPackJoins(uris: string[]): Promise<Map<string, StarterPackJoins>>
}

/** The profile counts over partitioned families, read through the rollup (rolled-counts.ts). */
const ROLLED = ['followers', 'follows', 'posts'] as const

/** [family index, field of the family that names the subject] for the other profile counts (single-index families). */
const PROFILE_COUNTS: Record<Exclude<keyof ProfileCounts, (typeof ROLLED)[number]>, [FamilyIndex, string]> = {
  lists: ['lists', 'did'],
  feedgens: ['feedgens', 'did'],
  starterPacks: ['starterpacks', 'did'],
}

const WEEK_MS = 7 * 24 * 3600_000

export function createCounts(search: Searcher, rolled: RolledCounts, opts: { ttlMs: number; maxEntries?: number }): Counts {
  const cache = new LRUCache<string, object>({ max: opts.maxEntries ?? 100_000, ttl: Math.max(opts.ttlMs, 1) })
  const useCache = opts.ttlMs > 0

  /** Cached values for `keys`, fetching the missing ones in one batch. */
  async function cached<V extends object>(kind: string, keys: string[], fetch: (missing: string[]) => Promise<Map<string, V>>) {
    const out = new Map<string, V>()
    const missing: string[] = []
    for (const key of new Set(keys)) {
      const hit = useCache ? (cache.get(`${kind}\u0000${key}`) as V | undefined) : undefined
      if (hit) out.set(key, hit)
      else missing.push(key)
    }
    if (useCache) countCacheLookups('counts', out.size, missing.length)
    if (missing.length > 0) {
      const fetched = await fetch(missing)
      for (const [key, value] of fetched) {
        out.set(key, value)
        if (useCache) cache.set(`${kind}\u0000${key}`, value)
      }
    }
    return out
  }

  function countBy(index: FamilyIndex, field: string, values: string[], extra: object[] = []): SearchRequest {
    return {
      index,
      body: {
        size: 0,
        track_total_hits: false,
        query: { bool: { filter: [{ terms: { [field]: values } }, ...extra], must_not: [NOT_DELETED] } },
        aggs: { by: exactTermsAgg(field, values) },
      },
    }
  }

  return {
    profileCounts: (dids) =>
      cached('profile', dids, async (missing) => {
        const names = Object.keys(PROFILE_COUNTS) as (keyof typeof PROFILE_COUNTS)[]
        const [counted, results] = await Promise.all([
          rolled.count(ROLLED, missing),
          search.many(names.map((name) => countBy(...PROFILE_COUNTS[name], missing))),
        ])
        const byName = names.map((name, i) => [name, bucketCounts(results[i]!.aggregations?.by)] as const)
        return new Map(
          missing.map((did) => {
            const c = counted.get(did)!
            const others = Object.fromEntries(byName.map(([name, counts]) => [name, counts.get(did) ?? 0]))
            return [did, { followers: c.followers, follows: c.follows, posts: c.posts, ...others } as ProfileCounts]
          }),
        )
      }),

    async listItemCounts(listUris) {
      const counts = await cached('listitems', listUris, async (missing) => {
        const [result] = await search.many([countBy('listitems', 'listUri', missing)])
        const byList = bucketCounts(result!.aggregations?.by)
        return new Map(missing.map((uri) => [uri, { count: byList.get(uri) ?? 0 }]))
      })
      return new Map([...counts].map(([uri, v]) => [uri, v.count]))
    },

    starterPackJoins: (uris) =>
      cached('joins', uris, async (missing) => {
        const weekAgo = new Date(Date.now() - WEEK_MS).toISOString()
        const [allTime, lastWeek] = await search.many([
          countBy('profiles', 'joinedViaStarterPack', missing),
          countBy('profiles', 'joinedViaStarterPack', missing, [{ range: { createdAt: { gt: weekAgo } } }]),
        ])
        const all = bucketCounts(allTime!.aggregations?.by)
        const week = bucketCounts(lastWeek!.aggregations?.by)
        return new Map(missing.map((uri) => [uri, { allTime: all.get(uri) ?? 0, lastWeek: week.get(uri) ?? 0 }]))
      }),
  }
}
