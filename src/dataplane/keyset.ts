import type { Page, PageRequest, SortKey } from '#/dataplane/pages.js'
import { storedRecordOf, type StoredRecord } from '#/dataplane/records.js'
import { NOT_DELETED, type FamilyIndex, type Searcher } from '#/dataplane/opensearch-reader.js'

/**
 * Keyset paging over posts, likes and reposts with the graph listings' convention (pages.ts):
 * newest first by (sortAt, cid, did), resuming strictly after the last key served. These pages
 * carry whole records, since their views need the records' content anyway.
 */

export const NEWEST_FIRST = [{ sortAt: 'desc' }, { cid: 'desc' }, { did: 'desc' }]

/** Live records matching the filter clauses (tombstones left out). */
export const live = (...filter: object[]) => ({ bool: { filter, must_not: [NOT_DELETED] } })

/** Newest first, as NEWEST_FIRST sorts: negative when `a` comes before `b`. */
export function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i]
    const y = b[i]
    if (x === y) continue
    if (x === undefined) return 1
    if (y === undefined) return -1
    return x < y ? 1 : -1
  }
  return 0
}

/** One page of live records of a family, newest first (one more fetched to tell whether another page exists). */
export async function recordPage(search: Searcher, index: FamilyIndex, filter: object[], page: PageRequest): Promise<Page<StoredRecord>> {
  const { hits } = await search.one({
    index,
    body: {
      size: page.limit + 1,
      track_total_hits: false,
      query: live(...filter),
      sort: NEWEST_FIRST,
      ...(page.after ? { search_after: page.after } : {}),
    },
  })
  const kept = hits.slice(0, page.limit)
  return {
    items: kept.flatMap((hit) => storedRecordOf(hit) ?? []),
    next: hits.length > page.limit ? (kept.at(-1)?.sort as SortKey | undefined) : undefined,
  }
}
