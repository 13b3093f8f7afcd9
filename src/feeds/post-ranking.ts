import { LRUCache } from 'lru-cache'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { decodeCursor, encodeCursor } from '#/dataplane/cursor.js'

/**
 * Ranked feeds (what's hot, more like what I liked): a bounded list of posts scored once, reused
 * briefly, and paged by keyset on (score, uri). A cursor names the last item served, not a
 * position: a ranking recomputed between two pages does not shift the next page by whatever
 * moved above the cursor, and what was served stays above it as long as its score does not
 * fall (hot scores only grow with engagement; see each feed for why its scores hold still).
 */

export interface Ranked {
  uri: string
  score: number
}

/** Best first; equal scores by URI, so the order is total and a cursor is unambiguous. */
export function compareRanked(a: Ranked, b: Ranked): number {
  if (a.score !== b.score) return b.score - a.score
  return a.uri < b.uri ? 1 : a.uri > b.uri ? -1 : 0
}

/** Sorted best first, one entry per URI (the best score wins). */
export function rankOnce(items: Ranked[]): Ranked[] {
  const best = new Map<string, Ranked>()
  for (const item of items) {
    if (!Number.isFinite(item.score)) continue
    const seen = best.get(item.uri)
    if (!seen || item.score > seen.score) best.set(item.uri, item)
  }
  return [...best.values()].sort(compareRanked)
}

/** The `limit` items ranked after `after` (a [score, uri] of an earlier page's last item). */
export function rankedPage(ranked: Ranked[], limit: number, after?: Ranked): { items: Ranked[]; last?: Ranked } {
  const start = after ? ranked.findIndex((item) => compareRanked(item, after) > 0) : 0
  if (start < 0) return { items: [] }
  const items = ranked.slice(start, start + limit)
  return { items, last: start + limit < ranked.length ? items.at(-1) : undefined }
}

/** A cursor of `prefix` values (numbers) followed by the last item's score and URI. */
export function rankedCursor(last: Ranked | undefined, prefix: number[] = []): string | undefined {
  return last ? encodeCursor([...prefix, last.score, last.uri]) : undefined
}

/** The prefix values and the item a rankedCursor names, or InvalidRequest "Malformed cursor". */
export function readRankedCursor(cursor: string | undefined, prefixLength = 0): { prefix: number[]; after?: Ranked } {
  const values = decodeCursor(cursor, prefixLength + 2)
  if (!values) return { prefix: [] }
  const prefix = values.slice(0, prefixLength)
  const [score, uri] = values.slice(prefixLength)
  if (!prefix.every((v) => typeof v === 'number') || typeof score !== 'number' || typeof uri !== 'string') {
    throw new InvalidRequestError('Malformed cursor')
  }
  return { prefix: prefix as number[], after: { score, uri } }
}

/** Ranked items kept in all of a cache's rankings (about 150 bytes each). */
const MAX_CACHED_ITEMS = 200_000

/**
 * A ranking reused for `ttlMs` per key; past that, the stale one is still served while a fresh
 * one is computed (one computation per key at a time), so only a key never seen waits for it.
 * With `ttlMs` 0 every call computes.
 */
export function rankingCache<C>(ttlMs: number, compute: (key: string, context: C) => Promise<Ranked[]>) {
  if (ttlMs <= 0) return (key: string, context: C) => compute(key, context)
  const cache = new LRUCache<string, Ranked[], unknown>({
    // Bounded by what the rankings hold, not by how many: one per viewer adds up.
    maxSize: MAX_CACHED_ITEMS,
    sizeCalculation: (ranked) => Math.max(1, ranked.length),
    ttl: ttlMs,
    allowStale: true,
    fetchMethod: (key, _stale, { context }) => compute(key, context as C),
  })
  return async (key: string, context: C) => (await cache.fetch(key, { context })) ?? []
}
