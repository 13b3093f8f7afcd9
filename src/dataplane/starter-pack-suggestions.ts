import { live, NEWEST_FIRST } from '#/dataplane/keyset.js'
import { concatRanked, MAX_RANKED, type Ranked } from '#/dataplane/ranked-lists.js'
import { bucketCounts, type Searcher } from '#/dataplane/opensearch-reader.js'

/**
 * Starter packs to suggest: those the most accounts joined through (profiles name the pack they
 * joined with, `joinedViaStarterPack`), then the newest ones nobody joined through yet. Packs
 * deleted since are left out when they are hydrated.
 */
export async function getPopularStarterPacks(search: Searcher): Promise<Ranked[]> {
  const [joined, newest] = await search.many([
    {
      index: 'profiles',
      body: {
        size: 0,
        track_total_hits: false,
        query: live({ exists: { field: 'joinedViaStarterPack' } }),
        aggs: { packs: { terms: { field: 'joinedViaStarterPack', size: MAX_RANKED } } },
      },
    },
    { index: 'starterpacks', body: { size: MAX_RANKED, track_total_hits: false, _source: false, query: live(), sort: NEWEST_FIRST } },
  ])
  const byJoins = [...bucketCounts(joined!.aggregations?.packs)].map(([key, count]) => ({ key, score: count }))
  return concatRanked([byJoins, newest!.hits.map((hit) => ({ key: hit._id, score: 0 }))])
}
