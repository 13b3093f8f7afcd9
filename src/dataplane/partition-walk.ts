import { LRUCache } from 'lru-cache'
import { compareKeys, live, NEWEST_FIRST } from '#/dataplane/keyset.js'
import type { Page, PageRequest, SortKey } from '#/dataplane/pages.js'
import type { FamilyIndex, Hit, Searcher } from '#/dataplane/search.js'

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
}

interface Partition {
  family: FamilyIndex
  index: string
  /** The newest sortAt it holds (epoch ms). */
  newest: number
}

export type PartitionWalk = <T>(
  sources: WalkSource[],
  page: PageRequest,
  /** The item a hit stands for; undefined leaves it out. */
  itemOf: (family: FamilyIndex, hit: Hit) => T | undefined,
) => Promise<Page<T>>

export function createPartitionWalk(search: Searcher, opts: { ttlMs: number }): PartitionWalk {
  const cache = new LRUCache<FamilyIndex, Partition[]>({ max: 32, ttl: Math.max(opts.ttlMs, 1) })

  async function partitions(family: FamilyIndex): Promise<Partition[]> {
    const hit = opts.ttlMs > 0 ? cache.get(family) : undefined
    if (hit) return hit
    const found = await newestPerPartition(search, family)
    if (opts.ttlMs > 0) cache.set(family, found)
    return found
  }

  return async function walk<T>(sources: WalkSource[], { limit, after }: PageRequest, itemOf: (family: FamilyIndex, hit: Hit) => T | undefined) {
    // One more than asked for: it tells whether another page exists.
    const want = limit + 1
    const families = [...new Set(sources.map((s) => s.family))]
    const remaining = (await Promise.all(families.map(partitions))).flat().sort((a, b) => b.newest - a.newest)
    let page: { item: T; key: SortKey }[] = []
    // The partition with the newest item first, then a growing number until the page is full;
    // then once more, every partition that could still hold something newer than its last item.
    let batchSize = 1
    while (remaining.length > 0) {
      const full = page.length >= want
      const bound = full ? Number(page[want - 1]!.key[0]) : undefined
      const batch = full ? remaining.filter((p) => p.newest >= bound!) : remaining.slice(0, batchSize)
      if (batch.length === 0) break
      batchSize *= 2
      for (const p of batch) remaining.splice(remaining.indexOf(p), 1)
      const requests = sources.flatMap((source) => {
        const indices = batch.filter((p) => p.family === source.family).map((p) => p.index)
        return indices.length === 0 ? [] : [{ source, indices }]
      })
      const results = await search.many(
        requests.map(({ source, indices }) => ({
          index: source.family,
          partitions: indices,
          body: {
            size: want,
            track_total_hits: false,
            query: (source.withDeleted ? matchAll : live)({ terms: { _index: indices } }, ...source.filter),
            sort: NEWEST_FIRST,
            _source: source.source,
            ...(source.docvalues ? { docvalue_fields: source.docvalues } : {}),
            ...(after ? { search_after: after } : {}),
          },
        })),
      )
      requests.forEach(({ source }, i) => {
        for (const hit of results[i]!.hits) {
          const key = hit.sort as SortKey | undefined
          const item = key ? itemOf(source.family, hit) : undefined
          if (item !== undefined) page.push({ item, key: key! })
        }
      })
      page = page.sort((a, b) => compareKeys(a.key, b.key)).slice(0, want)
    }
    const items = page.slice(0, limit)
    return { items: items.map((c) => c.item), next: page.length > limit ? items.at(-1)?.key : undefined, keys: items.map((c) => c.key) }
  }
}

const matchAll = (...filter: object[]) => ({ bool: { filter } })

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
