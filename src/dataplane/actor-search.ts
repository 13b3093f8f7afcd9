import { bucketCounts, exactTermsAgg, NOT_DELETED, type Searcher } from '#/dataplane/opensearch-reader.js'
import { buildActorQueries, mergeActorHits, rankActors, type ScoredActor } from '#/search/actor-query.js'

/**
 * Actor search over two indices, merged per DID: handles come from `actors` (written by the
 * identity worker) and names from `profiles` (profile records). Neither is copied into the
 * other, so a handle change, a profile edit or delete, an account without a profile, and a
 * backfill arriving in any order are all right the moment the one document concerned is
 * indexed — there is no denormalized copy to fall behind.
 *
 * The best text matches (a window of RERANK_WINDOW) are re-ranked with exact follower counts
 * and the viewer's follows; further pages keep the text order.
 */

export const RERANK_WINDOW = 60
/** Deepest result served: deep pages of fuzzy matches help nobody and cost a large fetch. */
export const MAX_SEARCH_DEPTH = 1000

export interface ActorSearchRequest {
  /** Normalized (see normalizeActorQuery); empty finds nothing. */
  term: string
  viewer: string | null
  limit: number
  offset: number
  /** Match descriptions too (searchActors, not typeahead). */
  description: boolean
}

export interface ActorSearchPage {
  dids: string[]
  /** Offset of the next page, when there is one. */
  next?: number
}

const PROFILE_URI = /^at:\/\/([^/]+)\/app\.bsky\.actor\.profile\/self$/

export async function searchActors(search: Searcher, req: ActorSearchRequest): Promise<ActorSearchPage> {
  if (!req.term || req.offset >= MAX_SEARCH_DEPTH) return { dids: [] }
  const size = Math.min(Math.max(RERANK_WINDOW, req.offset + req.limit + 1), MAX_SEARCH_DEPTH + 1)
  const queries = buildActorQueries(req.term, { description: req.description })
  const common = { size, track_total_hits: false, _source: false }
  const [byHandle, byName] = await search.many([
    { index: 'actors', body: { ...common, query: queries.actors } },
    { index: 'profiles', body: { ...common, query: queries.profiles } },
  ])
  const scored = (hits: { _id: string; _score?: unknown }[], didOf: (id: string) => string | undefined): ScoredActor[] =>
    hits.flatMap((hit) => {
      const did = didOf(hit._id)
      return did ? [{ did, score: Number(hit._score ?? 0) }] : []
    })
  const merged = mergeActorHits(
    scored(byHandle!.hits as any, (id) => id),
    scored(byName!.hits as any, (id) => PROFILE_URI.exec(id)?.[1]),
  )
  const window = merged.slice(0, RERANK_WINDOW)
  const signals = await rankSignals(search, window.map((h) => h.did), req.viewer)
  const ranked = [...rankActors(window, signals), ...merged.slice(RERANK_WINDOW)]
  const end = req.offset + req.limit
  return { dids: ranked.slice(req.offset, end).map((h) => h.did), next: ranked.length > end && end < MAX_SEARCH_DEPTH ? end : undefined }
}

/** Followers of each candidate and which of them the viewer follows: one round trip. */
async function rankSignals(search: Searcher, dids: string[], viewer: string | null) {
  if (dids.length === 0) return { followers: new Map<string, number>(), followed: new Set<string>() }
  const live = (...filter: object[]) => ({ bool: { filter, must_not: [NOT_DELETED] } })
  const [followers, followed] = await search.many([
    {
      index: 'follows',
      body: {
        size: 0,
        track_total_hits: false,
        query: live({ terms: { subjectDid: dids } }),
        aggs: { n: exactTermsAgg('subjectDid', dids) },
      },
    },
    ...(viewer
      ? [
          {
            index: 'follows' as const,
            body: {
              size: 0,
              track_total_hits: false,
              query: live({ term: { did: viewer } }, { terms: { subjectDid: dids } }),
              aggs: { n: exactTermsAgg('subjectDid', dids) },
            },
          },
        ]
      : []),
  ])
  return {
    followers: bucketCounts(followers!.aggregations?.n),
    followed: new Set(followed ? bucketCounts(followed.aggregations?.n).keys() : []),
  }
}
