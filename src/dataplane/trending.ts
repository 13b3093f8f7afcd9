import { live } from '#/dataplane/keyset.js'
import type { Searcher } from '#/dataplane/opensearch-reader.js'
import { isTopicWord } from '#/dataplane/topic-words.js'

/**
 * Trending topics from the posts index: hashtags, and words of post text, used unusually often
 * in a recent window (the foreground) compared with a longer window before now (the
 * background), by OpenSearch's `significant_terms` and `significant_text`; and, as "suggested"
 * topics, the hashtags most accounts used over the background window. A topic needs several
 * distinct authors, and one account repeating a topic cannot make it trend: a tag scores as
 * little as its authors are few, and words are read from a sample holding one post per author.
 */

export interface TrendingOptions {
  /** The recent window, ms. */
  windowMs: number
  /** The background window the recent one is compared against, ms (longer; it includes the recent one). */
  backgroundMs: number
  /** The fewest distinct accounts a topic needs, in the window it is counted over. */
  minAuthors: number
}

export interface TopicStat {
  /** A hashtag (normalized: lower case, no `#`), or a word as the text analyzer folds it. */
  topic: string
  kind: 'hashtag' | 'word'
  /** Posts in the window (for words, in the sample: one per author). */
  posts: number
  /** Distinct authors (approximate above a few thousand). */
  authors: number
  /** Trending: significance, discounted by how few authors the posts have. Popular: authors. */
  score: number
}

export interface TrendingTopics {
  /** Trending hashtags and words, taken in turn from the two rankings (see mergeTrending). */
  trending: TopicStat[]
  /** The most used tags over the background window that are not trending. */
  popular: TopicStat[]
}

/** Topics kept per list: the most the lexicon lets a client ask for. */
export const MAX_TOPICS = 25
/** Candidate tags asked of OpenSearch per list, before the author threshold thins them. */
const CANDIDATES = 200
/** Candidate words: more than are shown, as stop words and link pieces are dropped afterwards. */
const WORD_CANDIDATES = 100
/**
 * Posts per shard whose text is read for words (at random, one per author). Reading and
 * re-analyzing each post's text is what significant_text costs (about a millisecond a post on
 * a busy node, decompressing its stored source), so this bounds a call's cost however busy the
 * window; a word then needs 1.5% of the sampled accounts (at 3 authors) to trend.
 */
export const WORD_SAMPLE = 200

export interface TagBucket {
  key: string
  doc_count: number
  score?: number
  authors?: { value: number }
}

export async function getTrendingTopics(search: Searcher, opts: TrendingOptions, now: number): Promise<TrendingTopics> {
  const inWindow = { range: { sortAt: { gte: now - opts.windowMs } } }
  const inBackground = { range: { sortAt: { gte: now - opts.backgroundMs } } }
  const recent = live(inWindow, { exists: { field: 'tags' } })
  const background = live(inBackground, { exists: { field: 'tags' } })
  const authors = { authors: { cardinality: { field: 'did' } } }
  const [foreground, longer, text] = await search.many([
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
    {
      index: 'posts',
      body: {
        size: 0,
        track_total_hits: false,
        query: {
          // A random score makes the sample an even one of the whole window (by the newest, on a
          // busy network, it would be the last few seconds). The seed holds for a minute, so
          // calls close together read the same sample.
          function_score: {
            query: live(inWindow),
            random_score: { seed: Math.floor(now / 60_000), field: '_seq_no' },
            boost_mode: 'replace',
          },
        },
        aggs: {
          sample: {
            // One post per author: a word's count in the sample is how many accounts wrote it (per
            // partition: in the rare window across two, an account can count in each).
            diversified_sampler: { field: 'did', shard_size: WORD_SAMPLE, max_docs_per_value: 1 },
            aggs: {
              words: {
                significant_text: {
                  field: 'text',
                  // The text is kept in _source only inside the record.
                  source_fields: ['record.text'],
                  // Copies of the same passage (quotes of a template, bots) count once.
                  filter_duplicate_text: true,
                  size: WORD_CANDIDATES,
                  min_doc_count: opts.minAuthors,
                  background_filter: live(inBackground),
                },
              },
            },
          },
        },
      },
    },
  ])
  const tags = rankTrending(foreground!.aggregations?.topics?.buckets ?? [], opts.minAuthors)
  const words = rankWords(text!.aggregations?.sample?.words?.buckets ?? [], opts.minAuthors)
  const trending = mergeTrending(tags, words).slice(0, MAX_TOPICS)
  const shown = new Set(trending.map((t) => t.topic))
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
    .sort((a, b) => b.score - a.score || compareTopics(a, b))
}

export interface WordBucket {
  key: string
  /** Sampled posts with the word: one per author. */
  doc_count: number
  score?: number
}

/** Significant words that can be topics (topic-words.ts), written by enough accounts, best first. */
export function rankWords(buckets: WordBucket[], minAuthors: number): TopicStat[] {
  return buckets
    .filter((b) => b.doc_count >= minAuthors && (b.score ?? 0) > 0 && isTopicWord(b.key))
    .map((b): TopicStat => ({ topic: b.key, kind: 'word', posts: b.doc_count, authors: b.doc_count, score: b.score! }))
    .sort((a, b) => b.score - a.score || compareTopics(a, b))
}

/**
 * Trending tags and words in one list: a tag, then a word, in turn, each in its own order. The
 * two significances come from different foregrounds (tagged posts; a sample of all posts) and
 * are not comparable, their ranks are. A word that is also a trending tag (the text of
 * `#eclipse` has the word "eclipse") is that topic already, and is left out.
 */
export function mergeTrending(tags: TopicStat[], words: TopicStat[]): TopicStat[] {
  const tagged = new Set(tags.map((t) => t.topic))
  const others = words.filter((w) => !tagged.has(w.topic))
  const merged: TopicStat[] = []
  for (let i = 0; i < Math.max(tags.length, others.length); i++) {
    if (i < tags.length) merged.push(tags[i]!)
    if (i < others.length) merged.push(others[i]!)
  }
  return merged
}

/** Tags by how many accounts used them (then posts), leaving out `exclude`. */
export function rankPopular(buckets: TagBucket[], minAuthors: number, exclude: Set<string>): TopicStat[] {
  return buckets
    .map(statOf)
    .filter((t) => t.authors >= minAuthors && !exclude.has(t.topic))
    .map((t) => ({ ...t, score: t.authors }))
    .sort((a, b) => b.authors - a.authors || b.posts - a.posts || compareTopics(a, b))
}

function statOf(bucket: TagBucket): TopicStat {
  // Cardinality is approximate; it can never exceed the posts counted.
  const posts = bucket.doc_count
  return { topic: bucket.key, kind: 'hashtag', posts, authors: Math.min(bucket.authors?.value ?? 0, posts), score: bucket.score ?? 0 }
}

const compareTopics = (a: TopicStat, b: TopicStat) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0)
