import { live } from '#/dataplane/keyset.js'
import type { Searcher } from '#/dataplane/opensearch-reader.js'
import type { TopicStat } from '#/dataplane/trending.js'

/**
 * Trends (getTrends): the trending topics with what the app shows of each — how many posts the
 * recent window has on it, when the first of them was made, and the accounts that posted on
 * it most. One search for all topics: a filters aggregation with a bucket per topic.
 */

export interface Trend {
  topic: TopicStat
  /** Posts on the topic in the recent window. */
  postCount: number
  /** The first of those posts (ISO 8601). */
  startedAt: string
  /** Accounts with the most posts on the topic in the window, most first (ties by DID). */
  dids: string[]
}

/** Accounts kept per trend: more than are shown, so blocks and opt-outs leave enough. */
export const TREND_ACTOR_CANDIDATES = 20

/**
 * A topic's posts: a hashtag's by its normalized tag, a word's by the analyzed term that
 * significant_text found, so both are exact term lookups and no topic is parsed as a query.
 */
function topicFilter(topic: TopicStat): object {
  return topic.kind === 'hashtag' ? { term: { tags: topic.topic } } : { term: { text: topic.topic } }
}

export async function getTrends(search: Searcher, topics: TopicStat[], windowMs: number, now: number): Promise<Trend[]> {
  if (topics.length === 0) return []
  const filters = Object.fromEntries(topics.map((t, i) => [String(i), topicFilter(t)]))
  const { aggregations } = await search.one({
    index: 'posts',
    body: {
      size: 0,
      track_total_hits: false,
      query: live({ range: { sortAt: { gte: now - windowMs } } }),
      aggs: {
        topics: {
          filters: { filters },
          aggs: {
            startedAt: { min: { field: 'sortAt' } },
            authors: { terms: { field: 'did', size: TREND_ACTOR_CANDIDATES, order: [{ _count: 'desc' }, { _key: 'asc' }] } },
          },
        },
      },
    },
  })
  const buckets = (aggregations?.topics?.buckets ?? {}) as Record<string, TrendBucket>
  return topics.flatMap((topic, i) => {
    const bucket = buckets[String(i)]
    // A topic whose posts left the window (or were deleted) since it was ranked is no trend now.
    if (!bucket || bucket.doc_count === 0 || typeof bucket.startedAt?.value !== 'number') return []
    return [{
      topic,
      postCount: bucket.doc_count,
      startedAt: new Date(bucket.startedAt.value).toISOString(),
      dids: (bucket.authors?.buckets ?? []).map((b) => b.key),
    }]
  })
}

interface TrendBucket {
  doc_count: number
  startedAt?: { value: number | null }
  authors?: { buckets: { key: string; doc_count: number }[] }
}
