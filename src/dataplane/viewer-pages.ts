import type { Page, PageRequest } from '#/dataplane/pages.js'
import type { FamilyIndex, Hit, Searcher } from '#/dataplane/search.js'

/**
 * A page of one account's private documents (bookmarks, drafts, activity subscriptions), newest
 * first by `sort` (a date field, then a keyword breaking ties), continuing after a cursor's key.
 */
export async function pageOfViewer<T>(
  search: Searcher,
  index: FamilyIndex,
  viewer: string,
  opts: { sort: [date: string, tieBreak: string]; source: string[]; item(hit: Hit): T },
  page: PageRequest,
): Promise<Page<T>> {
  const [date, tieBreak] = opts.sort
  const { hits } = await search.one({
    index,
    body: {
      size: page.limit + 1,
      track_total_hits: false,
      query: { term: { viewer } },
      sort: [{ [date]: 'desc' }, { [tieBreak]: 'desc' }],
      _source: opts.source,
      ...(page.after ? { search_after: page.after } : {}),
    },
  })
  const items = hits.slice(0, page.limit)
  return { items: items.map(opts.item), next: hits.length > page.limit ? (items.at(-1)?.sort as Page<T>['next']) : undefined }
}
