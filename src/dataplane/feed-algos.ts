import type { FeedItemRef } from '#/dataplane/timelines.js'
import { live, NEWEST_FIRST } from '#/dataplane/keyset.js'
import type { Page, PageRequest } from '#/dataplane/pages.js'
import type { PartitionWalk } from '#/dataplane/partition-walk.js'
import { storedRecordOf, type StoredRecord } from '#/dataplane/records.js'
import type { Searcher } from '#/dataplane/opensearch-reader.js'

/** The queries behind Magpie's built-in feeds (src/feeds/): engagement over a window, similar posts, tagged posts. */

const POST_COLLECTION = 'app.bsky.feed.post'

/** A recent top-level post and what it drew since the window opened. */
export interface HotCandidate {
  uri: string
  /** When it was posted (epoch ms). */
  sortAt: number
  likes: number
  reposts: number
  /** Replies anywhere in its thread. */
  replies: number
}

export interface HotQuery {
  /** Start of the window (epoch ms): interactions and posts since then. */
  since: number
  /** How many of the most liked, most reposted and most replied-to are considered, each. */
  size: number
}

/**
 * Two steps. First, per kind of interaction, the subjects with the most of it since the window
 * opened (terms aggregations over likes, reposts and replies in the window: exact while a window
 * spans few partitions, close to it beyond the top `size`). Then which of those subjects are
 * live top-level posts made inside the window, with their time.
 */
export async function getHotCandidates(search: Searcher, q: HotQuery): Promise<HotCandidate[]> {
  const inWindow = { range: { sortAt: { gte: q.since } } }
  const top = (field: string) => ({ top: { terms: { field, size: q.size } } })
  const [likes, reposts, replies] = await search.many([
    { index: 'likes', body: { size: 0, track_total_hits: false, query: live(inWindow, { term: { subjectCollection: POST_COLLECTION } }), aggs: top('subjectUri') } },
    { index: 'reposts', body: { size: 0, track_total_hits: false, query: live(inWindow, { term: { subjectCollection: POST_COLLECTION } }), aggs: top('subjectUri') } },
    { index: 'posts', body: { size: 0, track_total_hits: false, query: live(inWindow, { term: { isReply: true } }), aggs: top('replyRoot') } },
  ])
  const counts = new Map<string, Omit<HotCandidate, 'uri' | 'sortAt'>>()
  const add = (result: typeof likes, kind: 'likes' | 'reposts' | 'replies') => {
    for (const bucket of (result!.aggregations?.top?.buckets ?? []) as { key: string; doc_count: number }[]) {
      const c = counts.get(bucket.key) ?? { likes: 0, reposts: 0, replies: 0 }
      c[kind] = bucket.doc_count
      counts.set(bucket.key, c)
    }
  }
  add(likes, 'likes')
  add(reposts, 'reposts')
  add(replies, 'replies')
  if (counts.size === 0) return []
  const { hits } = await search.one({
    index: 'posts',
    body: {
      size: counts.size,
      track_total_hits: false,
      _source: false,
      query: live({ ids: { values: [...counts.keys()] } }, { term: { isReply: false } }, inWindow),
      sort: [{ sortAt: 'desc' }],
    },
  })
  return hits.flatMap((hit) => {
    const sortAt = hit.sort?.[0]
    const c = counts.get(hit._id)
    return typeof sortAt === 'number' && c ? [{ uri: hit._id, sortAt, ...c }] : []
  })
}

export interface RecentLikes {
  /** The liked posts, newest like first. */
  subjects: string[]
  /** When the newest of those likes was made (epoch ms). */
  newest?: number
}

/** The subjects of the account's newest likes of posts, made at or before `until` (epoch ms) when given. */
export async function getRecentLikedPosts(search: Searcher, did: string, opts: { until?: number; limit: number }): Promise<RecentLikes> {
  const filter: object[] = [{ term: { did } }, { term: { subjectCollection: POST_COLLECTION } }]
  if (opts.until !== undefined) filter.push({ range: { sortAt: { lte: opts.until } } })
  const { hits } = await search.one({
    index: 'likes',
    body: { size: opts.limit, track_total_hits: false, query: live(...filter), sort: NEWEST_FIRST, _source: ['record.subject'] },
  })
  const subjects = hits.flatMap((hit) => {
    const uri = hit._source?.record?.subject?.uri
    return typeof uri === 'string' ? [uri] : []
  })
  const newest = hits[0]?.sort?.[0]
  return { subjects: [...new Set(subjects)], newest: typeof newest === 'number' ? newest : undefined }
}

export interface SimilarPostsQuery {
  /** Texts the posts should be like. */
  like: string[]
  /** Authors left out (the viewer and whom they follow). */
  excludeDids: string[]
  /** Posts left out (those already liked). */
  excludeUris: string[]
  /** Only posts made since (epoch ms). */
  since: number
  size: number
}

/**
 * Top-level posts whose text is most like the given texts (OpenSearch `more_like_this`: the
 * texts' most distinctive terms, by tf-idf, as one query), best first with their scores. The
 * texts are data for the query, never query syntax.
 */
export async function getSimilarPosts(search: Searcher, q: SimilarPostsQuery): Promise<{ uri: string; score: number }[]> {
  const like = q.like.filter((text) => text.trim() !== '')
  if (like.length === 0) return []
  const { hits } = await search.one({
    index: 'posts',
    body: {
      size: q.size,
      track_total_hits: false,
      _source: false,
      query: {
        bool: {
          must: [{ more_like_this: { fields: ['text'], like, min_term_freq: 1, min_doc_freq: 2, max_query_terms: 25, minimum_should_match: '30%' } }],
          filter: [{ term: { isReply: false } }, { range: { sortAt: { gte: q.since } } }],
          must_not: [{ term: { tomb: true } }, { terms: { did: q.excludeDids } }, { ids: { values: q.excludeUris } }],
        },
      },
    },
  })
  return hits.flatMap((hit) => (typeof hit._score === 'number' ? [{ uri: hit._id, score: hit._score }] : []))
}

export interface PostFilter {
  /** Any of these hashtags (normalized as indexed: lower case, no '#'); empty: any. */
  tags: string[]
  /** Any of these languages; empty: any. */
  langs: string[]
  includeReplies: boolean
}

/** Posts matching the filter, newest first, read partition by partition. */
export function getFilteredPostsPage(walk: PartitionWalk, filter: PostFilter, page: PageRequest): Promise<Page<FeedItemRef>> {
  const clauses: object[] = []
  if (filter.tags.length > 0) clauses.push({ terms: { tags: filter.tags } })
  if (filter.langs.length > 0) clauses.push({ terms: { langs: filter.langs } })
  if (!filter.includeReplies) clauses.push({ term: { isReply: false } })
  return walk([{ family: 'posts', filter: clauses, source: false }], page, (_family, hit) => ({ post: hit._id }))
}

/** Generator records naming `serviceDid` as their feed service, newest first. */
export async function getFeedGensByService(search: Searcher, serviceDid: string, limit: number): Promise<StoredRecord[]> {
  const { hits } = await search.one({
    index: 'feedgens',
    body: { size: limit, track_total_hits: false, query: live({ term: { serviceDid } }), sort: NEWEST_FIRST },
  })
  return hits.flatMap((hit) => storedRecordOf(hit) ?? [])
}
