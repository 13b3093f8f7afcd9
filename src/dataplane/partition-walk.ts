import { LRUCache } from 'lru-cache'
import { compareKeys, live, NEWEST_FIRST } from '#/dataplane/keyset.js'
import type { Page, PageRequest, SortKey } from '#/dataplane/pages.js'
import type { FamilyIndex, Hit, Searcher } from '#/dataplane/opensearch-reader.js'

/**
 * Newest-first reads over time-partitioned families (feeds, notifications), partition by
 * partition. Records live in monthly indices by their rkey's time, so a page of recent items is
 * found in the newest few months; the walk asks the partition that may hold the newest items
 * first and stops as soon as no partition left could hold anything newer than the page's last
 * item. Which partitions could is known from each one's newest `sortAt` (one tiny sorted query
 * per partition, cached briefly), not from its name: rkeys and dates are chosen by clients, so a
 * record with an old rkey can be new and must still be found.
 */

/** One family's part of a walk: which of its documents belong, and what of them to read. */
export interface WalkSource {
  family: FamilyIndex
  filter: object[]
  /** `_source` of the hits: false when the id and sort key are enough. */
  source: boolean | string[]
  /** Fields read from doc values instead (`hit.fields`): no stored block to decompress. */
  docvalues?: string[]
  /** Tombstones may match too (its filter then decides which: deletions that are news). */
  withDeleted?: boolean
  /**
   * Only documents with a sortAt after this (epoch ms), as `filter` also says: partitions whose
   * newest is not after it are not asked. Without it a page that never fills (unread since a
   * recent seenAt) asked every partition of every family.
   */
  newerThan?: number
}

interface Partition {
  family: FamilyIndex
  index: string
  /** The newest sortAt it holds (epoch ms). */
  newest: number
}

export type PartitionWalk = (<T>(
  sources: WalkSource[],
  page: PageRequest,
  /** The item a hit stands for; undefined leaves it out. */
  itemOf: (family: FamilyIndex, hit: Hit) => T | undefined,
) => Promise<Page<T>>) & {
  /** The partitions of `family` that may hold a document with a sortAt after `bound` (epoch ms), as the walk decides. */
  partitionsNewerThan(family: FamilyIndex, bound: number): Promise<string[]>
}

export function createPartitionWalk(search: Searcher, opts: { ttlMs: number }): PartitionWalk {
  const cache = new LRUCache<FamilyIndex, Partition[]>({ max: 32, ttl: Math.max(opts.ttlMs, 1) })

  async function partitions(family: FamilyIndex): Promise<Partition[]> {
    const hit = opts.ttlMs > 0 ? cache.get(family) : undefined
    if (hit) return hit
    const found = await newestPerPartition(search, family)
    if (opts.ttlMs > 0) cache.set(family, found)
    return found
  }

  /** The family's partitions that may hold a sortAt after `bound` (all of them without one). */
  async function holdingNewer(family: FamilyIndex, bound: number | undefined): Promise<Partition[]> {
    const all = await partitions(family)
    return bound === undefined ? all : all.filter((p) => p.newest > bound)
  }

  return Object.assign(walk, {
    partitionsNewerThan: async (family: FamilyIndex, bound: number) => (await holdingNewer(family, bound)).map((p) => p.index),
  })

  async function walk<T>(sources: WalkSource[], { limit, after }: PageRequest, itemOf: (family: FamilyIndex, hit: Hit) => T | undefined): Promise<Page<T>> {
    // One more than asked for: it tells whether another page exists.
    const want = limit + 1
    const families = [...new Set(sources.map((s) => s.family))]
    const remaining = (await Promise.all(families.map((family) => holdingNewer(family, lowerBound(sources, family)))))
      .flat()
      .sort((a, b) => b.newest - a.newest)
    let page: { item: T; key: SortKey }[] = []
    // Each family's newest partition first (a page drawn from several families nearly always
    // needs all of them, and the last round would ask them anyway), then a growing number until
    // the page is full; then once more, every partition that could still hold something newer
    // than its last item.
    let batchSize = 1
    let batch = families.flatMap((family) => remaining.find((p) => p.family === family) ?? [])
    while (remaining.length > 0) {
      const full = page.length >= want
      const bound = full ? Number(page[want - 1]!.key[0]) : undefined
      if (full) batch = remaining.filter((p) => p.newest >= bound!)
      else if (batch.length === 0) batch = remaining.slice(0, batchSize)
      if (batch.length === 0) break
      batchSize *= 2
      for (const p of batch) remaining.splice(remaining.indexOf(p), 1)
      const requests = sources.flatMap((source) => {
        const indices = batch.filter((p) => p.family === source.family).map((p) => p.index)
        return indices.length === 0 ? [] : [{ source, indices }]
      })
      const results = await newestFirst(
        search,
        requests.map(({ source, indices }) => ({
          index: source.family,
          partitions: indices,
          query: (source.withDeleted ? matchAll : live)({ terms: { _index: indices } }, ...source.filter),
          source: source.source,
          docvalues: source.docvalues,
        })),
        want,
        after,
      )
      requests.forEach(({ source }, i) => {
        for (const { hit, key } of results[i]!) {
          const item = itemOf(source.family, hit)
          if (item !== undefined) page.push({ item, key })
        }
      })
      page = page.sort((a, b) => compareKeys(a.key, b.key)).slice(0, want)
      batch = []
    }
    const items = page.slice(0, limit)
    return { items: items.map((c) => c.item), next: page.length > limit ? items.at(-1)?.key : undefined, keys: items.map((c) => c.key) }
  }
}

const matchAll = (...filter: object[]) => ({ bool: { filter } })

/** The time every source of `family` only wants documents after, if all of them have one. */
function lowerBound(sources: WalkSource[], family: FamilyIndex): number | undefined {
  const bounds = sources.filter((s) => s.family === family).map((s) => s.newerThan)
  return bounds.every((b): b is number => b !== undefined && Number.isFinite(b)) ? Math.min(...bounds) : undefined
}

export interface NewestFirstRequest {
  index: FamilyIndex
  partitions: string[]
  query: { bool: { filter: object[]; must_not?: object[] } }
  source: boolean | string[]
  docvalues?: string[]
}

/** Hits read beyond a page to cover records sharing the page's last millisecond. */
const TIE_SLACK = 8

/**
 * The first `want` hits of each search in NEWEST_FIRST order after `after`, with their keys.
 * Sorted by `sortAt` alone, with the tie-breakers (cid, did) read from doc values for the hits
 * returned only: a keyword in the sort looks its term up for every competitive hit, which on a
 * busy partition was most of the search (a timeline's posts month: 4 ms with cid and did in the
 * sort, under 1 ms without). The keys, their order and so the cursors are the ones NEWEST_FIRST
 * gives. When the last millisecond read may be cut short and is needed for the page, or a hit
 * lacks a tie-breaker, that search is asked again sorted by NEWEST_FIRST.
 */
export async function newestFirst(search: Searcher, requests: NewestFirstRequest[], want: number, after: SortKey | undefined): Promise<{ hit: Hit; key: SortKey }[][]> {
  const size = want + TIE_SLACK
  const cheap = await search.many(
    requests.map((r) => ({
      index: r.index,
      partitions: r.partitions,
      body: {
        size,
        track_total_hits: false,
        query: after ? { bool: { ...r.query.bool, filter: [...r.query.bool.filter, { range: { sortAt: { lte: after[0] } } }] } } : r.query,
        sort: [{ sortAt: 'desc' }],
        _source: r.source,
        docvalue_fields: [...new Set([...(r.docvalues ?? []), ...TIE_FIELDS])],
      },
    })),
  )
  const out: ({ hit: Hit; key: SortKey }[] | undefined)[] = cheap.map(({ hits }, i) => keyed(hits, requests[i]!.docvalues, size, want, after))
  const again = requests.flatMap((r, i) => (out[i] ? [] : [i]))
  if (again.length > 0) {
    const sorted = await search.many(
      again.map((i) => {
        const r = requests[i]!
        return {
          index: r.index,
          partitions: r.partitions,
          body: {
            size: want,
            track_total_hits: false,
            query: r.query,
            sort: NEWEST_FIRST,
            _source: r.source,
            ...(r.docvalues ? { docvalue_fields: r.docvalues } : {}),
            ...(after ? { search_after: after } : {}),
          },
        }
      }),
    )
    again.forEach((i, j) => (out[i] = sorted[j]!.hits.flatMap((hit) => (hit.sort ? [{ hit, key: hit.sort as SortKey }] : []))))
  }
  return out as { hit: Hit; key: SortKey }[][]
}

const TIE_FIELDS = ['cid', 'did']

/** The hits after `after` in NEWEST_FIRST order with their keys, or undefined when they cannot be known from this answer. */
function keyed(hits: Hit[], asked: string[] | undefined, size: number, want: number, after: SortKey | undefined): { hit: Hit; key: SortKey }[] | undefined {
  const all: { hit: Hit; key: SortKey }[] = []
  for (const hit of hits) {
    const at = hit.sort?.[0]
    const cid = hit.fields?.cid?.[0]
    const did = hit.fields?.did?.[0]
    if (typeof at !== 'number' || typeof cid !== 'string' || typeof did !== 'string') return undefined
    all.push({ hit, key: [at, cid, did] })
  }
  // A full answer may hold only part of its oldest millisecond: only the newer ones are surely all there.
  const oldest = all.at(-1)?.key[0]
  const sure = hits.length < size ? all : all.filter((k) => k.key[0] !== oldest)
  const kept = sure.filter((k) => !after || compareKeys(after, k.key) < 0).sort((a, b) => compareKeys(a.key, b.key))
  if (kept.length < want && sure.length < all.length) return undefined
  for (const { hit, key } of kept) {
    // As a NEWEST_FIRST search answers it.
    hit.sort = key
    for (const field of TIE_FIELDS) if (!asked?.includes(field)) delete hit.fields![field]
  }
  return kept.slice(0, want)
}

/**
 * Every partition of the family behind its read alias, with the newest sortAt it holds; empty
 * ones are left out. Tombstones count: those that sources read carry a sortAt (plain ones have none).
 */
async function newestPerPartition(search: Searcher, family: FamilyIndex): Promise<Partition[]> {
  const indices = [...(await search.aliasedIndices([search.alias(family)])).keys()].sort()
  if (indices.length === 0) return []
  const results = await search.many(
    indices.map((index) => ({
      index: family,
      partitions: [index],
      // A sort over a whole partition whose answer only a write to it changes: the months no
      // longer written are answered from the cache.
      requestCache: true,
      body: {
        size: 1,
        track_total_hits: false,
        _source: false,
        query: { term: { _index: index } },
        sort: [{ sortAt: { order: 'desc' } }],
      },
    })),
  )
  return indices.flatMap((index, i) => {
    const newest = results[i]!.hits[0]?.sort?.[0]
    return typeof newest === 'number' ? [{ family, index, newest }] : []
  })
}
