import { LRUCache } from 'lru-cache'
import { live, NEWEST_FIRST, recordPage } from '#/dataplane/keyset.js'
import type { Page, PageRequest } from '#/dataplane/pages.js'
import { getRecords, storedRecordOf, type StoredRecord } from '#/dataplane/records.js'
import { bucketCounts, exactTermsAgg, type FamilyIndex, type SearchRequest, type Searcher } from '#/dataplane/search.js'

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

/** [family index, field naming the subject] for each count. */
const POST_COUNTS: Record<keyof PostCounts, [FamilyIndex, string]> = {
  likes: ['likes', 'subjectUri'],
  reposts: ['reposts', 'subjectUri'],
  replies: ['posts', 'replyParent'],
  quotes: ['posts', 'quotedUri'],
  bookmarks: ['bookmarks', 'subject'],
}

/** Beyond this many descendants a thread is cut (the reference AppView has no bound at all). */
export const MAX_DESCENDANTS = 10_000

export interface PostCountsReader {
  (uris: string[]): Promise<Map<string, PostCounts>>
}

/**
 * Exact counts by terms aggregations (one `_msearch` per batch), reused for `ttlMs` because a
 * popular post is counted by every view of it.
 */
export function createPostCounts(search: Searcher, opts: { ttlMs: number }): PostCountsReader {
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
    if (missing.length === 0) return out
    const names = Object.keys(POST_COUNTS) as (keyof PostCounts)[]
    const results = await search.many(names.map((name) => countBy(...POST_COUNTS[name], missing)))
    const byName = names.map((name, i) => [name, bucketCounts(results[i]!.aggregations?.by)] as const)
    for (const uri of missing) {
      const counts = Object.fromEntries(byName.map(([name, c]) => [name, c.get(uri) ?? 0])) as unknown as PostCounts
      out.set(uri, counts)
      if (useCache) cache.set(uri, counts)
    }
    return out
  }
}

function countBy(index: FamilyIndex, field: string, values: string[]): SearchRequest {
  return {
    index,
    body: { size: 0, track_total_hits: false, query: live({ terms: { [field]: values } }), aggs: { by: exactTermsAgg(field, values, { few: true }) } },
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
export async function getReplyAuthorCounts(search: Searcher, parents: GatedReplies[]): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>()
  if (parents.length === 0) return out
  const results = await search.many(
    parents.map(({ parent, since, owner }) => ({
      index: 'posts',
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

export function replyParentOf(record: StoredRecord | undefined): string | undefined {
  const parent = (record?.record.reply as { parent?: { uri?: unknown } } | undefined)?.parent?.uri
  return typeof parent === 'string' ? parent : undefined
}

export function replyRootOf(record: StoredRecord | undefined): string | undefined {
  const root = (record?.record.reply as { root?: { uri?: unknown } } | undefined)?.root?.uri
  return typeof root === 'string' ? root : undefined
}
