import { LRUCache } from 'lru-cache'
import { countCacheLookups } from '#/metrics.js'
import { live, NEWEST_FIRST, recordPage } from '#/dataplane/keyset.js'
import type { Page, PageRequest } from '#/dataplane/pages.js'
import { getRecords, storedRecordOf, type StoredRecord } from '#/dataplane/records.js'
import type { CountName } from '#/aggregates/specs.js'
import type { RolledCounts } from '#/dataplane/rolled-counts.js'
import { bucketCounts, exactTermsAgg, type Searcher } from '#/dataplane/opensearch-reader.js'

/**
 * Posts as threads and subjects: interaction counts, quotes, a thread's ancestors and
 * descendants, and who replied under a threadgate.
 */

/** Interactions with a record (likes and reposts apply to any subject; replies and quotes to posts). */
export interface PostCounts {
  likes: number
  reposts: number
  replies: number
  quotes: number
  /** Bookmarks by anyone (only the count is public). */
  bookmarks: number
}

/** Beyond this many descendants a thread is cut (the reference AppView has no bound at all). */
export const MAX_DESCENDANTS = 10_000

export interface PostCountsReader {
  (uris: string[]): Promise<Map<string, PostCounts>>
}

/** The counts of the partitioned families, read through the rollup (rolled-counts.ts). */
const ROLLED: readonly CountName[] = ['likes', 'reposts', 'replies', 'quotes']

/**
 * Exact counts: likes, reposts, replies and quotes through the rollup, bookmarks (one small
 * index) by a terms aggregation; reused for `ttlMs` because a popular post is counted by every
 * view of it.
 */
export function createPostCounts(search: Searcher, rolled: RolledCounts, opts: { ttlMs: number }): PostCountsReader {
  const cache = new LRUCache<string, PostCounts>({ max: 100_000, ttl: Math.max(opts.ttlMs, 1) })
  const useCache = opts.ttlMs > 0
  return async (uris) => {
    const out = new Map<string, PostCounts>()
    const missing: string[] = []
    for (const uri of new Set(uris)) {
      const hit = useCache ? cache.get(uri) : undefined
      if (hit) out.set(uri, hit)
      else missing.push(uri)
    }
    if (useCache) countCacheLookups('post_counts', out.size, missing.length)
    if (missing.length === 0) return out
    const [counted, [bookmarks]] = await Promise.all([
      rolled.count(ROLLED, missing),
      search.many([
        {
          index: 'bookmarks',
          body: {
            size: 0,
            track_total_hits: false,
            query: live({ terms: { subject: missing } }),
            aggs: { by: exactTermsAgg('subject', missing, { few: true }) },
          },
        },
      ]),
    ])
    const bookmarked = bucketCounts(bookmarks!.aggregations?.by)
    for (const uri of missing) {
      const c = counted.get(uri)!
      const counts: PostCounts = { likes: c.likes, reposts: c.reposts, replies: c.replies, quotes: c.quotes, bookmarks: bookmarked.get(uri) ?? 0 }
      out.set(uri, counts)
      if (useCache) cache.set(uri, counts)
    }
    return out
  }
}

/** Posts quoting `uri` (record or record-with-media embeds), newest first. */
export function getQuotes(search: Searcher, uri: string, page: PageRequest): Promise<Page<StoredRecord>> {
  return recordPage(search, 'posts', [{ term: { quotedUri: uri } }], page)
}

/**
 * Replies under `uri` down to `depth` levels, level by level, each level newest first (so each
 * post's replies come newest first, as the reference AppView returns them). A search per level:
 * thread.ts reads a thread in one search by its root and falls back to this walk.
 */
export async function getDescendants(search: Searcher, uri: string, depth: number): Promise<StoredRecord[]> {
  const out: StoredRecord[] = []
  const seen = new Set([uri])
  let frontier = [uri]
  for (let level = 1; level <= depth && frontier.length > 0 && out.length < MAX_DESCENDANTS; level++) {
    const { hits } = await search.one({
      index: 'posts',
      body: {
        size: MAX_DESCENDANTS - out.length,
        track_total_hits: false,
        query: live({ terms: { replyParent: frontier } }),
        sort: NEWEST_FIRST,
      },
    })
    frontier = []
    for (const hit of hits) {
      const record = storedRecordOf(hit)
      // A reply loop (possible with forged parents) must not walk forever.
      if (!record || seen.has(record.uri)) continue
      seen.add(record.uri)
      out.push(record)
      frontier.push(record.uri)
    }
  }
  return out
}

export interface GatedReplies {
  /** The post whose direct replies are counted. */
  parent: string
  /** When its thread's gate came to be: replies from before are not held to it. */
  since: string
  /** The thread's author, whose replies are always allowed. */
  owner: string
}

/** For each gated parent: how many direct replies each author made since the gate. */
export async function getReplyAuthorCounts(search: Searcher, rolled: Pick<RolledCounts, 'holding'>, parents: GatedReplies[]): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>()
  if (parents.length === 0) return out
  const holding = await Promise.all(parents.map(({ parent }) => rolled.holding('replies', [parent])))
  const results = await search.many(
    parents.map(({ parent, since, owner }, i) => ({
      index: 'posts',
      partitions: holding[i],
      body: {
        size: 0,
        track_total_hits: false,
        query: {
          bool: {
            filter: [{ term: { replyParent: parent } }, { range: { sortAt: { gte: since } } }],
            must_not: [{ term: { tomb: true } }, { term: { did: owner } }],
          },
        },
        aggs: { by: { terms: { field: 'did', size: 10_000 } } },
      },
    })),
  )
  parents.forEach(({ parent }, i) => out.set(parent, bucketCounts(results[i]!.aggregations?.by)))
  return out
}
