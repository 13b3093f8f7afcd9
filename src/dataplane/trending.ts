import { live } from '#/dataplane/keyset.js'
import type { Searcher } from '#/dataplane/search.js'

/**
 * Trending topics from the posts index: hashtags used unusually often in a recent window
 * (the foreground) compared with a longer window before now (the background), by OpenSearch's
 * `significant_terms`; and, as "suggested" topics, the hashtags most accounts used over the
 * background window. A topic needs several distinct authors, and a tag pushed by a few accounts
 * posting it over and over scores as little as its authors are few, so one account cannot make
 * a tag trend by repeating it.
 */

export interface TrendingOptions {
  /** The recent window, ms. */
  windowMs: number
  /** The background window the recent one is compared against, ms (longer; it includes the recent one). */
  backgroundMs: number
  /** The fewest distinct accounts a tag needs, in the window it is counted over. */
  minAuthors: number
}

export interface TopicStat {
  /** The normalized tag (lower case, no `#`). */
  tag: string
  posts: number
  /** Distinct authors (approximate above a few thousand). */
  authors: number
  /** Trending: significance, discounted by how few authors the posts have. Popular: authors. */
  score: number
}

export interface TrendingTopics {
  trending: TopicStat[]
  /** The most used tags over the background window that are not trending. */
  popular: TopicStat[]
}

/** Topics kept per list: the most the lexicon lets a client ask for. */
export const MAX_TOPICS = 25
/** Candidate tags asked of OpenSearch per list, before the author threshold thins them. */
const CANDIDATES = 200

export interface TagBucket {
  key: string
  doc_count: number
  score?: number
  authors?: { value: number }
}

export async function getTrendingTopics(search: Searcher, opts: TrendingOptions, now: number): Promise<TrendingTopics> {
  const recent = live({ range: { sortAt: { gte: now - opts.windowMs } } }, { exists: { field: 'tags' } })
  const background = live({ range: { sortAt: { gte: now - opts.backgroundMs } } }, { exists: { field: 'tags' } })
  const authors = { authors: { cardinality: { field: 'did' } } }
  const [foreground, longer] = await search.many([
    {
      index: 'posts',
      body: {
        size: 0,
        track_total_hits: false,
        query: recent,
        aggs: {
          topics: {
            significant_terms: { field: 'tags', size: CANDIDATES, min_doc_count: opts.minAuthors, background_filter: background },
            aggs: authors,
          },
        },
      },
    },
    {
      index: 'posts',
      body: {
        size: 0,
        track_total_hits: false,
        query: background,
        aggs: { topics: { terms: { field: 'tags', size: CANDIDATES, min_doc_count: opts.minAuthors }, aggs: authors } },
      },
    },
  ])
  const trending = rankTrending(foreground!.aggregations?.topics?.buckets ?? [], opts.minAuthors).slice(0, MAX_TOPICS)
  const shown = new Set(trending.map((t) => t.tag))
  const popular = rankPopular(longer!.aggregations?.topics?.buckets ?? [], opts.minAuthors, shown).slice(0, MAX_TOPICS)
  return { trending, popular }
}

/**
 * Significant tags with enough authors, best first. The significance (JLH: how much more often
 * than in the background, weighted by how often) is multiplied by authors per post, which is
 * about 1 for a tag many people use once and small for a burst from a few accounts.
 */
export function rankTrending(buckets: TagBucket[], minAuthors: number): TopicStat[] {
  return buckets
    .map(statOf)
    .filter((t) => t.authors >= minAuthors && t.score > 0)
    .map((t) => ({ ...t, score: t.score * Math.min(1, t.authors / t.posts) }))
    .sort((a, b) => b.score - a.score || compareTags(a, b))
}

/** Tags by how many accounts used them (then posts), leaving out `exclude`. */
export function rankPopular(buckets: TagBucket[], minAuthors: number, exclude: Set<string>): TopicStat[] {
  return buckets
    .map(statOf)
    .filter((t) => t.authors >= minAuthors && !exclude.has(t.tag))
    .map((t) => ({ ...t, score: t.authors }))
    .sort((a, b) => b.authors - a.authors || b.posts - a.posts || compareTags(a, b))
}

function statOf(bucket: TagBucket): TopicStat {
  // Cardinality is approximate; it can never exceed the posts counted.
  const posts = bucket.doc_count
  return { tag: bucket.key, posts, authors: Math.min(bucket.authors?.value ?? 0, posts), score: bucket.score ?? 0 }
}

const compareTags = (a: TopicStat, b: TopicStat) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0)
