import { live, NEWEST_FIRST } from '#/dataplane/keyset.js'
import { NOT_DELETED, type Searcher } from '#/dataplane/opensearch-reader.js'
import { concatRanked, MAX_RANKED, type Ranked } from '#/dataplane/ranked-lists.js'

/**
 * Feed generators to discover, ranked from the likes index: the most liked overall (or of
 * those matching a text query), and those liked by the accounts a viewer follows.
 */

const GENERATOR = 'app.bsky.feed.generator'
/** The viewer's own generator likes read to leave them out: more than this is not a person. */
const MAX_VIEWER_LIKES = 1000
/** The longest text query used; the rest is ignored. */
const MAX_QUERY_LENGTH = 256

/** Feed generators by their likes (by anyone), then the newest ones with none. */
export async function getPopularFeedGens(search: Searcher): Promise<Ranked[]> {
  const [liked, newest] = await Promise.all([likedFeedGens(search, undefined), newestFeedGens(search)])
  return concatRanked([liked, newest.map((key) => ({ key, score: 0 }))])
}

/**
 * Feed generators whose name or description match the words of `query` (the last may be a
 * prefix), by likes, equally liked ones by relevance. The words go to a match query, never to
 * a query language.
 */
export async function searchFeedGens(
  search: Searcher,
  likeCounts: (uris: string[]) => Promise<Map<string, number>>,
  query: string,
): Promise<Ranked[]> {
  const { hits } = await search.one({
    index: 'feedgens',
    body: {
      size: MAX_RANKED,
      track_total_hits: false,
      _source: false,
      query: {
        bool: {
          must: [{ multi_match: { query: query.slice(0, MAX_QUERY_LENGTH), type: 'bool_prefix', fields: ['displayName^2', 'description'], operator: 'and' } }],
          must_not: [NOT_DELETED],
        },
      },
      sort: ['_score', ...NEWEST_FIRST],
    },
  })
  const uris = hits.map((hit) => hit._id)
  return rankByLikes(uris, await likeCounts(uris))
}

/** The generators the viewer likes. */
export async function viewerFeedGenLikes(search: Searcher, viewer: string): Promise<Set<string>> {
  const { aggregations } = await search.one({
    index: 'likes',
    body: {
      size: 0,
      track_total_hits: false,
      query: live({ term: { did: viewer } }, { term: { subjectCollection: GENERATOR } }),
      aggs: { feeds: { terms: { field: 'subjectUri', size: MAX_VIEWER_LIKES } } },
    },
  })
  return new Set(((aggregations?.feeds?.buckets ?? []) as { key: string }[]).map((b) => b.key))
}

/** Generators liked (by `likers`, or anyone), most likes first; generators deleted since are left out. */
export async function likedFeedGens(search: Searcher, likers: string[] | undefined): Promise<Ranked[]> {
  const { aggregations } = await search.one({
    index: 'likes',
    body: {
      size: 0,
      track_total_hits: false,
      query: live({ term: { subjectCollection: GENERATOR } }, ...(likers ? [{ terms: { did: likers } }] : [])),
      // Ties by URI (the terms aggregation's own tie order), so the ranking is the same each time.
      aggs: { feeds: { terms: { field: 'subjectUri', size: MAX_RANKED } } },
    },
  })
  const buckets = (aggregations?.feeds?.buckets ?? []) as { key: string; doc_count: number }[]
  const existing = await liveFeedGens(search, buckets.map((b) => b.key))
  return buckets.filter((b) => existing.has(b.key)).map((b) => ({ key: b.key, score: b.doc_count }))
}

async function liveFeedGens(search: Searcher, uris: string[]): Promise<Set<string>> {
  if (uris.length === 0) return new Set()
  const { hits } = await search.one({
    index: 'feedgens',
    body: { size: uris.length, track_total_hits: false, _source: false, query: live({ ids: { values: uris } }) },
  })
  return new Set(hits.map((hit) => hit._id))
}

async function newestFeedGens(search: Searcher): Promise<string[]> {
  const { hits } = await search.one({
    index: 'feedgens',
    body: { size: MAX_RANKED, track_total_hits: false, _source: false, query: live(), sort: NEWEST_FIRST },
  })
  return hits.map((hit) => hit._id)
}

/** `uris` (in relevance order) by likes, most first; equally liked ones keep their order. */
export function rankByLikes(uris: string[], likes: Map<string, number>): Ranked[] {
  return [...new Set(uris)].map((key) => ({ key, score: likes.get(key) ?? 0 })).sort((a, b) => b.score - a.score)
}
