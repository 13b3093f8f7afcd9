import { live } from '#/dataplane/keyset.js'
import { MAX_RANKED, type Ranked } from '#/dataplane/ranked-lists.js'
import { bucketCounts, exactTermsAgg, type Searcher } from '#/dataplane/opensearch-reader.js'

/**
 * Accounts to follow, ranked by aggregations over the follows index: those many of the
 * viewer's follows follow (follows of follows), those the followers of an account follow more
 * than everyone does (co-follows), and the most followed lately (the fallback when there is no
 * network to go by).
 */

/** Followers of an account whose follows describe its audience: its newest ones. */
const FOLLOWER_SAMPLE = 1000
/** Accounts most followed by that audience that are ranked against their follower counts. */
const CO_FOLLOW_CANDIDATES = 100

/** A terms aggregation's answer. */
type Buckets = Parameters<typeof bucketCounts>[0]

/** One aggregation of the live follows matching `filter`, by accounts (its buckets' keys are DIDs). */
async function accountsAgg(search: Searcher, filter: object, agg: object): Promise<Buckets> {
  const { aggregations } = await search.one({ index: 'follows', body: { size: 0, track_total_hits: false, query: live(filter), aggs: { accounts: agg } } })
  return aggregations?.accounts
}

/** A terms aggregation's buckets as a ranked list, in its order (most documents first, ties by key). */
const rankedOf = (agg: Buckets): Ranked[] => [...bucketCounts(agg)].map(([key, count]) => ({ key, score: count }))

/**
 * Accounts followed by `followers`, by how many of them follow each (ties by DID), leaving out
 * `exclude` inside the aggregation so they take no places in the list.
 */
export async function getFollowedByMany(search: Searcher, followers: string[], exclude: string[]): Promise<Ranked[]> {
  if (followers.length === 0) return []
  return rankedOf(await accountsAgg(search, { terms: { did: followers } }, { terms: { field: 'subjectDid', size: MAX_RANKED, exclude } }))
}

/** The accounts that gained the most follows since `since` (epoch ms). */
export async function getPopularActors(search: Searcher, since: number): Promise<Ranked[]> {
  return rankedOf(await accountsAgg(search, { range: { sortAt: { gte: since } } }, { terms: { field: 'subjectDid', size: MAX_RANKED } }))
}

/**
 * Accounts the followers of `actor` follow unusually often: of the accounts most followed by its
 * newest followers, ranked by how many of them follow each against how many follow it at all
 * (rankCoFollowed), so that an account everybody follows does not crowd out the ones this
 * audience in particular does. (OpenSearch's significant_terms asks the same question, but
 * it scores every term of each shard: seconds, not milliseconds, on a large follows index.)
 */
export async function getCoFollowed(search: Searcher, actor: string, exclude: string[]): Promise<Ranked[]> {
  const { hits } = await search.one({
    index: 'follows',
    body: {
      size: FOLLOWER_SAMPLE,
      track_total_hits: false,
      query: live({ term: { subjectDid: actor } }),
      sort: [{ sortAt: 'desc' }],
      _source: ['did'],
    },
  })
  const followers = [...new Set(hits.map((hit) => hit._source?.did).filter((did): did is string => typeof did === 'string'))]
  if (followers.length === 0) return []
  const common = bucketCounts(
    await accountsAgg(search, { terms: { did: followers } }, {
      terms: { field: 'subjectDid', size: CO_FOLLOW_CANDIDATES, min_doc_count: coFollowMinCount(followers.length), exclude },
    }),
  )
  if (common.size === 0) return []
  const candidates = [...common.keys()]
  const everyone = await accountsAgg(search, { terms: { subjectDid: candidates } }, exactTermsAgg('subjectDid', candidates))
  return rankCoFollowed(common, bucketCounts(everyone))
}

/**
 * Co-followed accounts best first: cosine similarity of follower sets, i.e. followers in common
 * over the square root of the account's followers (the actor's side is the same for all), ties
 * by DID.
 */
export function rankCoFollowed(common: Map<string, number>, followers: Map<string, number>): Ranked[] {
  return [...common]
    .map(([key, shared]) => ({ key, score: shared / Math.sqrt(Math.max(followers.get(key) ?? 0, shared)) }))
    .sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

/**
 * How many of the sampled followers must follow an account for it to count: one while the
 * audience is small (any signal is signal), three once it is large enough that an account one
 * or two of them happen to follow is noise, which the ranking would otherwise favour for
 * having few followers.
 */
export function coFollowMinCount(followers: number): number {
  return followers >= 20 ? 3 : 1
}
