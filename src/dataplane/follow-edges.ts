import { LRUCache } from 'lru-cache'
import { followsBetween, type RolledCounts } from '#/dataplane/rolled-counts.js'
import { distinctDids, MAX_FOLLOWED } from '#/dataplane/relationships.js'
import { NOT_DELETED, type Hit, type SearchRequest, type Searcher } from '#/dataplane/opensearch-reader.js'

/**
 * The follows between a viewer and the accounts a page shows, both ways: asked by every page
 * for the same people again and again, and mostly held by old months. What the settled months
 * hold is kept per pair under the rollup's key of those months (rolled-counts.ts `settledOf`),
 * which changes whenever one of them is recounted, so only the live months are searched for a
 * pair seen before.
 */

export interface FollowEdges {
  /** The viewer's follow of each target it follows (its URI). */
  following: Map<string, string>
  /** Each target's follow of the viewer. */
  followedBy: Map<string, string>
}

/** The newest follow a set of months holds for a pair, or none. */
interface Newest {
  uri: string
  at: number
}

type Direction = 'following' | 'followedBy'

const DEFAULT_MAX_PAIRS = 200_000

export interface FollowEdgesReader {
  between(viewer: string, targets: string[]): Promise<FollowEdges>
  /** The accounts `viewer` follows of `targets` (its follow's URI each): one direction of `between`. */
  following(viewer: string, targets: string[]): Promise<Map<string, string>>
  /** Everyone `did` follows (distinct, at most MAX_FOLLOWED, in DID order), as getFollowedDids. */
  followed(did: string): Promise<string[]>
}

export function createFollowEdges(search: Searcher, rolled: Pick<RolledCounts, 'holding' | 'settledOf'>, opts: { maxPairs?: number } = {}): FollowEdgesReader {
  const settledAnswers = new LRUCache<string, Newest | 'none'>({ max: opts.maxPairs ?? DEFAULT_MAX_PAIRS })
  // Whom an account follows in the settled months, under their key (a few hundred kB at most each).
  const settledFollowed = new LRUCache<string, string[]>({ maxSize: FOLLOWED_BYTES, sizeCalculation: (dids) => 64 + dids.length * 40 })

  async function edges(viewer: string, targets: string[], direction: Direction): Promise<Map<string, string>> {
    const outward = direction === 'following'
    const [holding, { all, settled, key }] = await Promise.all([
      outward ? followsBetween(rolled, [viewer], targets) : followsBetween(rolled, targets, [viewer]),
      rolled.settledOf('follows'),
    ])
    const partitions = holding ?? all
    const live = partitions.filter((p) => !settled.has(p))
    const old = partitions.filter((p) => settled.has(p))
    const cacheKey = (target: string) => `${direction}\u0000${viewer}\u0000${target}\u0000${key}`
    const unknown = old.length === 0 ? [] : targets.filter((t) => !settledAnswers.has(cacheKey(t)))
    // With no partition list at all (a family without its alias yet) the alias is every partition: search it whole.
    const requests: SearchRequest[] = [{ index: 'follows', partitions: all.length === 0 ? undefined : live, body: newestPer(viewer, targets, outward) }]
    if (unknown.length > 0) requests.push({ index: 'follows', partitions: old, body: newestPer(viewer, unknown, outward) })
    const [fresh, fromOld] = await search.many(requests)

    const newest = new Map<string, Newest>()
    const consider = (target: string, found: Newest | undefined) => {
      const seen = newest.get(target)
      if (found && (!seen || found.at > seen.at)) newest.set(target, found)
    }
    for (const hit of fresh!.hits) consider(targetOf(hit, outward), newestOf(hit))
    if (fromOld) {
      const got = new Map(fromOld.hits.map((hit) => [targetOf(hit, outward), newestOf(hit)]))
      for (const target of unknown) settledAnswers.set(cacheKey(target), got.get(target) ?? 'none')
    }
    if (old.length > 0) {
      for (const target of targets) {
        const held = settledAnswers.get(cacheKey(target))
        if (held && held !== 'none') consider(target, held)
      }
    }
    return new Map([...newest].map(([target, n]) => [target, n.uri]))
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

const FOLLOWED_BYTES = 64 * 1024 * 1024

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

function newestOf(hit: Hit): Newest | undefined {
  const at = hit.sort?.[0]
  return typeof at === 'number' ? { uri: hit._id, at } : undefined
}
