import { live } from '#/dataplane/keyset.js'
import type { FollowEdgesReader } from '#/dataplane/follow-edges.js'
import { followsBetween, type RolledCounts } from '#/dataplane/rolled-counts.js'
import type { Searcher } from '#/dataplane/opensearch-reader.js'

/**
 * The graph facts threadgate rules ask about: does A follow B, is C on list L. Asked in
 * batches for every reply a page holds, so both answer with the subset of the given pairs
 * that hold, as `"<a> <b>"` keys.
 */

/** A search answers at most this many hits; pairs are checked in chunks below it. */
const MAX_HITS = 10_000

export const pairKey = (a: string, b: string) => `${a} ${b}`

/** The [follower, subject] pairs, of those given, where the follow exists. */
export async function getFollowPairs(
  search: Searcher,
  rolled: Pick<RolledCounts, 'holding'>,
  edges: Pick<FollowEdgesReader, 'following'>,
  pairs: [string, string][],
): Promise<Set<string>> {
  const byFollower = new Map<string, Set<string>>()
  for (const [a, b] of pairs) byFollower.set(a, (byFollower.get(a) ?? new Set()).add(b))
  // A page's gates name a few thread authors again and again: their follows are kept (follow-edges.ts).
  if (byFollower.size <= FEW_FOLLOWERS) {
    const found = new Set<string>()
    await Promise.all(
      [...byFollower].map(async ([a, bs]) => {
        for (const b of (await edges.following(a, [...bs])).keys()) found.add(pairKey(a, b))
      }),
    )
    return found
  }
  return existingPairs(search, pairs, 'follows', 'did', 'subjectDid', (source) => [source?.did, source?.record?.subject], (lefts, rights) =>
    followsBetween(rolled, lefts, rights),
  )
}

/** Up to this many distinct followers, pairs are asked one follower at a time through the kept answers. */
const FEW_FOLLOWERS = 4

/** The [list, member] pairs, of those given, where the member is on the list. */
export async function getListMemberships(search: Searcher, pairs: [string, string][]): Promise<Set<string>> {
  return existingPairs(search, pairs, 'listitems', 'listUri', 'subjectDid', (source) => [source?.record?.list, source?.record?.subject])
}

async function existingPairs(
  search: Searcher,
  pairs: [string, string][],
  index: 'follows' | 'listitems',
  leftField: string,
  rightField: string,
  read: (source: Record<string, any> | undefined) => [unknown, unknown],
  partitionsOf?: (lefts: string[], rights: string[]) => Promise<string[] | undefined>,
): Promise<Set<string>> {
  const wanted = new Set(pairs.map(([a, b]) => pairKey(a, b)))
  const found = new Set<string>()
  if (wanted.size === 0) return found
  // Grouped by left side: one clause per left value keeps the cross product from growing.
  const byLeft = new Map<string, Set<string>>()
  for (const [a, b] of pairs) byLeft.set(a, (byLeft.get(a) ?? new Set()).add(b))
  const groups = [...byLeft]
  for (let i = 0; i < groups.length; i += 100) {
    const chunk = groups.slice(i, i + 100)
    const should = chunk.map(([a, bs]) => ({ bool: { filter: [{ term: { [leftField]: a } }, { terms: { [rightField]: [...bs] } }] } }))
    const partitions = await partitionsOf?.(chunk.map(([a]) => a), [...new Set(chunk.flatMap(([, bs]) => [...bs]))])
    const { hits } = await search.one({
      index,
      partitions,
      body: {
        size: MAX_HITS,
        track_total_hits: false,
        query: live({ bool: { should, minimum_should_match: 1 } }),
        _source: index === 'follows' ? ['did', 'record.subject'] : ['record.list', 'record.subject'],
      },
    })
    for (const hit of hits) {
      const [a, b] = read(hit._source)
      if (typeof a !== 'string' || typeof b !== 'string') continue
      const key = pairKey(a, b)
      if (wanted.has(key)) found.add(key)
    }
  }
  return found
}
