import { createHash } from 'node:crypto'
import type { Page, PageRequest } from '#/dataplane/pages.js'
import type { FamilyIndex, Hit, Searcher } from '#/dataplane/opensearch-reader.js'

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

/**
 * The id of one account's private document (a mute, bookmark, draft, subscription, push
 * registration): a digest of the account and the parts that make the document unique to it,
 * because a did:web and an AT URI together may exceed OpenSearch's 512-byte id limit.
 */
export const viewerDocId = (viewer: string, ...parts: string[]): string =>
  createHash('sha256').update([viewer, ...parts].join('\n')).digest('base64url')
