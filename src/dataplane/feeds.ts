import { LRUCache } from 'lru-cache'
import { compareKeys, live, NEWEST_FIRST } from '#/dataplane/keyset.js'
import type { Page, PageRequest, SortKey } from '#/dataplane/pages.js'
import type { Hit, Searcher } from '#/dataplane/search.js'

/**
 * Author feeds and timelines: posts and reposts merged newest first, read partition by
 * partition. Posts and reposts live in monthly indices by their rkey's time, so a page of
 * recent items is found in the newest few months; the walk asks the partition that may hold the
 * newest items first and stops as soon as no partition left could hold anything newer than the
 * page's last item. Which partitions could is known from each one's newest `sortAt` (one tiny
 * sorted query per partition, cached like the counts), not from its name: rkeys and dates are
 * chosen by clients, so a post with an old rkey can be new and must still be found.
 */

/** A feed entry: a post, or a repost of one. */
export interface FeedItemRef {
  post: string
  /** The repost's URI, when the item is a repost. */
  repost?: string
}

export type AuthorFeedFilter = 'posts_with_replies' | 'posts_no_replies' | 'posts_with_media' | 'posts_and_author_threads' | 'posts_with_video'

type Family = 'posts' | 'reposts'

/** A family's part of a feed: which of its documents belong (filter clauses). */
interface FeedSource {
  family: Family
  filter: object[]
}

interface Partition {
  family: Family
  index: string
  /** The newest sortAt it holds (epoch ms). */
  newest: number
}

interface Candidate {
  item: FeedItemRef
  key: SortKey
}

export interface FeedReader {
  authorFeed(did: string, filter: AuthorFeedFilter, page: PageRequest): Promise<Page<FeedItemRef>>
  /** Posts and reposts by any of `dids` (the viewer and whom they follow). */
  timeline(dids: string[], page: PageRequest): Promise<Page<FeedItemRef>>
  /** Posts (not reposts, as in the reference AppView's list feeds) by any of `dids`. */
  posts(dids: string[], page: PageRequest): Promise<Page<FeedItemRef>>
}

export function createFeedReader(search: Searcher, opts: { ttlMs: number }): FeedReader {
  const cache = new LRUCache<Family, Partition[]>({ max: 4, ttl: Math.max(opts.ttlMs, 1) })

  async function partitions(family: Family): Promise<Partition[]> {
    const hit = opts.ttlMs > 0 ? cache.get(family) : undefined
    if (hit) return hit
    const found = await newestPerPartition(search, family)
    if (opts.ttlMs > 0) cache.set(family, found)
    return found
  }

  async function walk(sources: FeedSource[], { limit, after }: PageRequest): Promise<Page<FeedItemRef>> {
    // One more than asked for: it tells whether another page exists.
    const want = limit + 1
    const remaining = (await Promise.all(sources.map((s) => partitions(s.family)))).flat().sort((a, b) => b.newest - a.newest)
    let page: Candidate[] = []
    // The partition with the newest item first, then a growing number until the page is full;
    // then once more, every partition that could still hold something newer than its last item.
    let batchSize = 1
    while (remaining.length > 0) {
      const full = page.length >= want
      const bound = full ? Number(page[want - 1]!.key[0]) : undefined
      const batch = full ? remaining.filter((p) => p.newest >= bound!) : remaining.slice(0, batchSize)
      if (batch.length === 0) break
      batchSize *= 2
      for (const p of batch) remaining.splice(remaining.indexOf(p), 1)
      const requests = sources.flatMap((source) => {
        const indices = batch.filter((p) => p.family === source.family).map((p) => p.index)
        if (indices.length === 0) return []
        return [{ source, indices }]
      })
      const results = await search.many(
        requests.map(({ source, indices }) => ({
          index: source.family,
          body: {
            size: want,
            track_total_hits: false,
            query: live({ terms: { _index: indices } }, ...source.filter),
            sort: NEWEST_FIRST,
            _source: source.family === 'reposts' ? ['record.subject'] : false,
            ...(after ? { search_after: after } : {}),
          },
        })),
      )
      requests.forEach(({ source }, i) => {
        for (const hit of results[i]!.hits) {
          const candidate = candidateOf(source.family, hit)
          if (candidate) page.push(candidate)
        }
      })
      page = page.sort((a, b) => compareKeys(a.key, b.key)).slice(0, want)
    }
    const items = page.slice(0, limit)
    return { items: items.map((c) => c.item), next: page.length > limit ? items.at(-1)?.key : undefined }
  }

  return {
    authorFeed(did, filter, page) {
      return walk(authorFeedSources(did, filter), page)
    },
    timeline(dids, page) {
      const byAuthor = { terms: { did: [...new Set(dids)] } }
      return walk([{ family: 'posts', filter: [byAuthor] }, { family: 'reposts', filter: [byAuthor] }], page)
    },
    async posts(dids, page) {
      if (dids.length === 0) return { items: [] }
      return walk([{ family: 'posts', filter: [{ terms: { did: [...new Set(dids)] } }] }], page)
    },
  }
}

/** What each author-feed filter selects, as the reference AppView's feed types do. */
function authorFeedSources(did: string, filter: AuthorFeedFilter): FeedSource[] {
  const byAuthor = { term: { did } }
  const reposts: FeedSource = { family: 'reposts', filter: [byAuthor] }
  switch (filter) {
    case 'posts_no_replies':
      return [{ family: 'posts', filter: [byAuthor, { term: { isReply: false } }] }, reposts]
    case 'posts_with_media':
      // Images (also with a quote, and galleries); videos have their own filter. No reposts.
      return [{ family: 'posts', filter: [byAuthor, { range: { imageCount: { gt: 0 } } }] }]
    case 'posts_with_video':
      return [{ family: 'posts', filter: [byAuthor, { term: { hasVideo: true } }] }]
    case 'posts_and_author_threads':
      // Top-level posts and replies in the author's own threads (whether a reply's whole chain
      // is the author's is decided on the page, as the reference does).
      return [
        {
          family: 'posts',
          filter: [byAuthor, { bool: { should: [{ term: { isReply: false } }, { term: { replyRootDid: did } }], minimum_should_match: 1 } }],
        },
        reposts,
      ]
    default:
      return [{ family: 'posts', filter: [byAuthor] }, reposts]
  }
}

function candidateOf(family: Family, hit: Hit): Candidate | undefined {
  const key = hit.sort as SortKey | undefined
  if (!key) return undefined
  if (family === 'posts') return { item: { post: hit._id }, key }
  const subject = hit._source?.record?.subject?.uri
  return typeof subject === 'string' ? { item: { post: subject, repost: hit._id }, key } : undefined
}

/** Every partition of the family behind its read alias, with the newest sortAt it holds; empty ones are left out. */
async function newestPerPartition(search: Searcher, family: Family): Promise<Partition[]> {
  const res = await search.client.indices.getAlias({ name: search.alias(family) }, { ignore: [404] })
  const indices = res.statusCode === 404 ? [] : Object.keys((res.body ?? {}) as Record<string, unknown>).sort()
  if (indices.length === 0) return []
  const results = await search.many(
    indices.map((index) => ({
      index: family,
      body: {
        size: 1,
        track_total_hits: false,
        _source: false,
        query: live({ term: { _index: index } }),
        sort: [{ sortAt: { order: 'desc' } }],
      },
    })),
  )
  return indices.flatMap((index, i) => {
    const newest = results[i]!.hits[0]?.sort?.[0]
    return typeof newest === 'number' ? [{ family, index, newest }] : []
  })
}
