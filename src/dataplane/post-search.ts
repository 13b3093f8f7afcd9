import { live, NEWEST_FIRST } from '#/dataplane/keyset.js'
import type { SortKey } from '#/dataplane/pages.js'
import type { PartitionWalk } from '#/dataplane/partition-walk.js'
import type { PostCounts, PostCountsReader } from '#/dataplane/posts.js'
import { recommendationOptOuts } from '#/dataplane/recommendation-opt-outs.js'
import { getRecords } from '#/dataplane/records.js'
import type { Searcher } from '#/dataplane/opensearch-reader.js'
import { didOfUri } from '#/records/at-uri.js'
import { postSearchQuery, type PostSearch } from '#/search/post-query.js'

/**
 * Post search. `latest` is the feeds' partition walk (newest first, keyset paging, so it goes
 * as deep as the index). `top` ranks in blocks: each block is the next BLOCK best matches by
 * text relevance × recency (a decay around a time pinned in the cursor, so scores and thus
 * `search_after` stay stable while paging), reranked by engagement. Likes, reposts, replies
 * and quotes live in other indices, so they are counted for the block's posts
 * (getPostCounts) rather than kept up to date on every post document.
 */

export interface PostSearchRequest {
  search: PostSearch
  sort: 'latest' | 'top'
  limit: number
  /** From the previous page: a latest key [sortAt, cid, did], or a top key [origin, offset, score, sortAt, cid, did]. */
  after?: SortKey
  /** Count the matches too (for `latest` an extra request; first pages only, by the callers). */
  withTotal?: boolean
}

export interface PostSearchPage {
  uris: string[]
  next?: SortKey
  hitsTotal?: number
}

/** Candidates reranked together for `top`. */
const BLOCK = 100
/** Recency: a post this old keeps half of its relevance… */
const HALF_LIFE = '3d'
/** …and even a very old one keeps this much, so an exact old match still surfaces. */
const RECENCY_FLOOR = 0.15

export async function searchPosts(search: Searcher, walk: PartitionWalk, counts: PostCountsReader, req: PostSearchRequest): Promise<PostSearchPage> {
  const query = postSearchQuery(req.search)
  // `top` reads every partition anyway: its search counts the matches as it goes.
  if (req.sort === 'top') return topPage(search, counts, query, req)
  // The count runs beside the page, and both are awaited together: a count left pending when the
  // page fails would reject with no one listening, and an unhandled rejection ends the process.
  const [page, hitsTotal] = await Promise.all([latestPage(walk, query, req), req.withTotal ? countPosts(search, query) : undefined])
  return { ...page, hitsTotal }
}

async function latestPage(walk: PartitionWalk, query: object, req: PostSearchRequest): Promise<PostSearchPage> {
  const page = await walk([{ family: 'posts', filter: [query], source: false }], { after: req.after, limit: req.limit }, (_family, hit) => hit._id)
  return { uris: page.items, next: page.next }
}

async function topPage(search: Searcher, counts: PostCountsReader, query: object, req: PostSearchRequest): Promise<PostSearchPage> {
  const [origin, offset, ...blockAfter] = req.after ?? [Date.now(), 0]
  const after = blockAfter.length === 4 && blockAfter[0] !== -1 ? blockAfter : undefined
  const { hits, total } = await search.one({
    index: 'posts',
    body: {
      size: BLOCK,
      // Every match is scored (the decay leaves none out), so counting them costs little more.
      track_total_hits: req.withTotal === true,
      _source: false,
      query: {
        function_score: {
          query: live(query),
          functions: [
            { exp: { sortAt: { origin: new Date(Number(origin)).toISOString(), scale: HALF_LIFE, decay: 0.5 } } },
            { weight: RECENCY_FLOOR },
          ],
          score_mode: 'sum',
          boost_mode: 'multiply',
        },
      },
      sort: [{ _score: 'desc' }, ...NEWEST_FIRST],
      ...(after ? { search_after: after } : {}),
    },
  })
  const uris = hits.map((h) => h._id)
  // An author who asked not to be recommended is still found by its words, but not lifted by engagement.
  const [engagement, optedOut] = await Promise.all([
    counts(uris),
    recommendationOptOuts((ids) => getRecords(search, ids), uris.map(didOfUri)),
  ])
  const boost = (uri: string) => (optedOut.has(didOfUri(uri)) ? 1 : engagementBoost(engagement.get(uri)))
  const ranked = hits
    .map((hit, i) => ({ uri: hit._id, i, rank: Number(hit.sort?.[0] ?? 0) * boost(hit._id) }))
    .sort((a, b) => b.rank - a.rank || a.i - b.i)
  const start = Number(offset)
  const served = ranked.slice(start, start + req.limit)
  let next: SortKey | undefined
  if (start + req.limit < ranked.length) next = [Number(origin), start + req.limit, ...(after ?? [-1, 0, '', ''])] as SortKey
  else if (hits.length === BLOCK) next = [Number(origin), 0, ...(hits.at(-1)!.sort as SortKey)]
  return { uris: served.map((r) => r.uri), next, hitsTotal: req.withTotal ? (total ?? 0) : undefined }
}

/** 1 for no engagement, growing with its logarithm: a hundred likes lift a post, a million do not bury everything else. */
export function engagementBoost(c: PostCounts | undefined): number {
  if (!c) return 1
  return 1 + 0.25 * Math.log1p(c.likes + 2 * c.reposts + c.replies + c.quotes)
}

async function countPosts(search: Searcher, query: object): Promise<number> {
  const res = await search.one({ index: 'posts', body: { size: 0, track_total_hits: true, query: live(query) } })
  return res.total ?? 0
}

export interface FacetBucket {
  value: string
  count: number
}

export interface PostFacets {
  total: number
  languages: FacetBucket[]
  hashtags: FacetBucket[]
  authors: FacetBucket[]
  domains: FacetBucket[]
  /** [with media, without]. */
  hasMedia: { withMedia: number; withoutMedia: number }
  /** Posts per interval of `sortAt`, oldest first; the interval fits the span of the matches. */
  histogram: { interval: string; buckets: { start: string; count: number }[] }
}

/** Counts over every match of the search (not just a page): the facets of the faceted endpoint. */
export async function postFacets(search: Searcher, postSearch: PostSearch, size: number): Promise<PostFacets> {
  const terms = (field: string) => ({ terms: { field, size } })
  const res = await search.one({
    index: 'posts',
    body: {
      size: 0,
      track_total_hits: true,
      query: live(postSearchQuery(postSearch)),
      aggs: {
        languages: terms('langs'),
        hashtags: terms('tags'),
        authors: terms('did'),
        domains: terms('domains'),
        media: { filter: { term: { hasMedia: true } } },
        histogram: { auto_date_histogram: { field: 'sortAt', buckets: 30, format: 'strict_date_time' } },
      },
    },
  })
  const aggs = res.aggregations ?? {}
  const buckets = (name: string): FacetBucket[] => (aggs[name]?.buckets ?? []).map((b: any) => ({ value: String(b.key), count: b.doc_count }))
  const total = res.total ?? 0
  const withMedia = aggs.media?.doc_count ?? 0
  return {
    total,
    languages: buckets('languages'),
    hashtags: buckets('hashtags'),
    authors: buckets('authors'),
    domains: buckets('domains'),
    hasMedia: { withMedia, withoutMedia: total - withMedia },
    histogram: {
      interval: aggs.histogram?.interval ?? '1d',
      buckets: (aggs.histogram?.buckets ?? []).map((b: any) => ({ start: String(b.key_as_string), count: b.doc_count })),
    },
  }
}
