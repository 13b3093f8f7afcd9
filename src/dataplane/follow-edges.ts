import { LRUCache } from 'lru-cache'
import { EDGE_SPEC } from '#/aggregates/specs.js'
import { reportCacheSize } from '#/metrics.js'
import { followsBetween, type RolledCounts } from '#/dataplane/rolled-counts.js'
import { distinctDids, MAX_FOLLOWED } from '#/dataplane/relationships.js'
import { NOT_DELETED, type Hit, type Searcher } from '#/dataplane/opensearch-reader.js'
import { edgePairKey, newestEdges } from '#/dataplane/settled-edges.js'

/**
 * The follows between a viewer and the accounts a page shows, both ways. The settled months
 * answer from the rollup's edge documents (settled-edges.ts: one `_mget` of the pairs); only the
 * live months, and settled ones without complete edges, are searched.
 */

export interface FollowEdges {
  /** The viewer's follow of each target it follows (its URI). */
  following: Map<string, string>
  /** Each target's follow of the viewer. */
  followedBy: Map<string, string>
}

type Direction = 'following' | 'followedBy'

const FOLLOWS = EDGE_SPEC.get('follows')!

export interface FollowEdgesReader {
  between(viewer: string, targets: string[]): Promise<FollowEdges>
  /** The accounts `viewer` follows of `targets` (its follow's URI each): one direction of `between`. */
  following(viewer: string, targets: string[]): Promise<Map<string, string>>
  /** Everyone `did` follows (distinct, at most MAX_FOLLOWED, in DID order), as getFollowedDids. */
  followed(did: string): Promise<string[]>
}

export function createFollowEdges(search: Searcher, rolled: Pick<RolledCounts, 'holding' | 'settledOf'>): FollowEdgesReader {
  // Whom an account follows in the settled months, under their key (a few hundred kB at most each).
  const settledFollowed = new LRUCache<string, string[]>({ maxSize: FOLLOWED_BYTES, sizeCalculation: followedListBytes })
  reportCacheSize('followed_settled', () => settledFollowed.calculatedSize)

  async function edges(viewer: string, targets: string[], direction: Direction): Promise<Map<string, string>> {
    const outward = direction === 'following'
    const pairOf = (target: string): [string, string] => (outward ? [viewer, target] : [target, viewer])
    const newest = await newestEdges(search, rolled, {
      spec: FOLLOWS,
      pairs: targets.map(pairOf),
      holding: () => (outward ? followsBetween(rolled, [viewer], targets) : followsBetween(rolled, targets, [viewer])),
      body: newestPer(viewer, targets, outward),
      pairOf: (hit) => pairOf(targetOf(hit, outward)),
    })
    return new Map(targets.flatMap((target) => {
      const uri = newest.get(edgePairKey(...pairOf(target)))
      return uri ? [[target, uri] as const] : []
    }))
  }

  return {
    async between(viewer, targets) {
      if (targets.length === 0) return { following: new Map(), followedBy: new Map() }
      const [following, followedBy] = await Promise.all([edges(viewer, targets, 'following'), edges(viewer, targets, 'followedBy')])
      return { following, followedBy }
    },

    following: (viewer, targets) => (targets.length === 0 ? Promise.resolve(new Map()) : edges(viewer, targets, 'following')),

    async followed(did) {
      const clause = { term: { did } }
      const [holding, { all, settled, key }] = await Promise.all([rolled.holding('follows', [did]), rolled.settledOf('follows')])
      const partitions = holding ?? all
      if (all.length === 0) return distinctDids(search, 'follows', clause, 'subjectDid')
      const old = partitions.filter((p) => settled.has(p))
      const cacheKey = `${did}\u0000${key}`
      const [fresh, kept] = await Promise.all([
        distinctDids(search, 'follows', clause, 'subjectDid', partitions.filter((p) => !settled.has(p))),
        old.length === 0 ? [] : (settledFollowed.get(cacheKey) ?? distinctDids(search, 'follows', clause, 'subjectDid', old)),
      ])
      if (old.length > 0) settledFollowed.set(cacheKey, kept)
      if (kept.length === 0) return fresh
      return [...new Set([...kept, ...fresh])].sort().slice(0, MAX_FOLLOWED)
    },
  }
}

/** What the lists of whom accounts follow may take in memory, per cache of them. */
export const FOLLOWED_BYTES = 64 * 1024 * 1024

/** A list of DIDs' weight in memory, roughly: the array and a short string per DID. */
export function followedListBytes(dids: string[]): number {
  return 64 + dids.length * 40
}

/** One hit per target, the newest (clients do write a follow twice), with its sort time. */
function newestPer(viewer: string, targets: string[], outward: boolean) {
  const filter = outward ? [{ term: { did: viewer } }, { terms: { subjectDid: targets } }] : [{ terms: { did: targets } }, { term: { subjectDid: viewer } }]
  const field = outward ? 'subjectDid' : 'did'
  return {
    size: targets.length,
    track_total_hits: false,
    query: { bool: { filter, must_not: [NOT_DELETED] } },
    collapse: { field },
    sort: [{ sortAt: 'desc' }],
    _source: false,
    docvalue_fields: [field],
  }
}

function targetOf(hit: Hit, outward: boolean): string {
  return String(hit.fields?.[outward ? 'subjectDid' : 'did']?.[0])
}
