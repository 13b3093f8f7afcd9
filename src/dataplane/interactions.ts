import { EDGE_SPEC } from '#/aggregates/specs.js'
import type { FollowEdgesReader } from '#/dataplane/follow-edges.js'
import { getFollowPairs, pairKey } from '#/dataplane/gate-checks.js'
import { live, recordPage } from '#/dataplane/keyset.js'
import type { Page, PageRequest } from '#/dataplane/pages.js'
import type { StoredRecord } from '#/dataplane/records.js'
import type { RolledCounts } from '#/dataplane/rolled-counts.js'
import type { Searcher } from '#/dataplane/opensearch-reader.js'
import { edgePairKey, newestEdges } from '#/dataplane/settled-edges.js'

/**
 * Likes and reposts: who interacted with a subject, what an account liked, an account's own
 * interactions, and which of a post's likers the viewer follows.
 */

/** An account's like and repost of one subject (URIs of its records). */
export interface Interactions {
  like?: string
  repost?: string
}

const POST_COLLECTION = 'app.bsky.feed.post'

export function getLikesBySubject(search: Searcher, uri: string, page: PageRequest): Promise<Page<StoredRecord>> {
  return recordPage(search, 'likes', [{ term: { subjectUri: uri } }], page)
}

export function getRepostsBySubject(search: Searcher, uri: string, page: PageRequest): Promise<Page<StoredRecord>> {
  return recordPage(search, 'reposts', [{ term: { subjectUri: uri } }], page)
}

/** The account's likes of posts, newest first (likes of feeds and labelers are not feed items). */
export function getActorLikes(search: Searcher, did: string, page: PageRequest): Promise<Page<StoredRecord>> {
  return recordPage(search, 'likes', [{ term: { did } }, { term: { subjectCollection: POST_COLLECTION } }], page)
}

/** Subjects asked about per search: one hit each, within a search's result window. */
const CHUNK = 5_000

/** `actor`'s like and repost of each subject, if any (the newest, should a client have duplicated one). */
export async function getInteractionsBy(search: Searcher, rolled: Pick<RolledCounts, 'holding' | 'settledOf'>, actor: string, subjects: string[]): Promise<Map<string, Interactions>> {
  const unique = [...new Set(subjects)]
  const out = new Map<string, Interactions>()
  for (let i = 0; i < unique.length; i += CHUNK) await interactionsIn(search, rolled, actor, unique.slice(i, i + CHUNK), out)
  return out
}

async function interactionsIn(search: Searcher, rolled: Pick<RolledCounts, 'holding' | 'settledOf'>, actor: string, unique: string[], out: Map<string, Interactions>): Promise<void> {
  const [likes, reposts] = await Promise.all([newestBy(search, rolled, 'likes', actor, unique), newestBy(search, rolled, 'reposts', actor, unique)])
  const entry = (subject: string) => out.get(subject) ?? out.set(subject, {}).get(subject)!
  for (const subject of unique) {
    const like = likes.get(edgePairKey(actor, subject))
    const repost = reposts.get(edgePairKey(actor, subject))
    if (like) entry(subject).like = like
    if (repost) entry(subject).repost = repost
  }
}

/**
 * `actor`'s newest like (repost) of each subject: the settled months from the rollup's edge
 * documents (one `_mget`), the others searched — for a page of recent posts, the live months only.
 */
function newestBy(search: Searcher, rolled: Pick<RolledCounts, 'holding' | 'settledOf'>, family: 'likes' | 'reposts', actor: string, subjects: string[]): Promise<Map<string, string>> {
  return newestEdges(search, rolled, {
    spec: EDGE_SPEC.get(family)!,
    pairs: subjects.map((subject) => [actor, subject]),
    holding: () => rolled.holding(family, subjects),
    body: newestPerSubject(actor, subjects),
    pairOf: (hit) => {
      const subject = hit.fields?.subjectUri?.[0]
      return typeof subject === 'string' ? [actor, subject] : undefined
    },
  })
}

function newestPerSubject(actor: string, subjects: string[]) {
  return {
    size: subjects.length,
    track_total_hits: false,
    query: live({ term: { did: actor } }, { terms: { subjectUri: subjects } }),
    collapse: { field: 'subjectUri' },
    sort: [{ sortAt: 'desc' }],
    // The subject from doc values (the indexed subjectUri the query matched) and the id: no source to read.
    _source: false,
    docvalue_fields: ['subjectUri'],
  }
}

/** Of a post's likers, those the viewer follows: how many, and the most recent few. */
export interface KnownLikers {
  count: number
  dids: string[]
}

/** Only a subject's most recent likes are looked at for likers the viewer knows. */
const RECENT_LIKES = 500

/** Known likers of each subject that has any, most recent like first (`limit` DIDs each). */
export async function getKnownLikers(
  search: Searcher,
  rolled: Pick<RolledCounts, 'holding'>,
  edges: Pick<FollowEdgesReader, 'following'>,
  viewer: string,
  subjects: string[],
  limit: number,
): Promise<Map<string, KnownLikers>> {
  const out = new Map<string, KnownLikers>()
  const unique = [...new Set(subjects)]
  if (unique.length === 0 || limit <= 0) return out
  const holding = await Promise.all(unique.map((subject) => rolled.holding('likes', [subject])))
  const results = await search.many(
    unique.map((subject, i) => ({
      index: 'likes' as const,
      partitions: holding[i],
      body: {
        size: RECENT_LIKES,
        track_total_hits: false,
        query: live({ term: { subjectUri: subject } }),
        sort: [{ sortAt: 'desc' }],
        _source: false,
        stored_fields: ['_none_'],
        docvalue_fields: ['did'],
      },
    })),
  )
  const likers = results.map((result) => result.hits.flatMap((hit) => {
    const did = hit.fields?.did?.[0]
    return typeof did === 'string' ? [did] : []
  }))
  const followed = await getFollowPairs(search, rolled, edges, [...new Set(likers.flat())].map((did): [string, string] => [viewer, did]))
  unique.forEach((subject, i) => {
    const known = likers[i]!.filter((did) => followed.has(pairKey(viewer, did)))
    if (known.length > 0) out.set(subject, { count: known.length, dids: known.slice(0, limit) })
  })
  return out
}
