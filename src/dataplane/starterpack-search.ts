import { pageRecords, type Page, type PageRequest, type RecordRef } from '#/dataplane/pages.js'
import type { Searcher } from '#/dataplane/opensearch-reader.js'

/**
 * Starter packs whose name holds every word of the query, newest first (the reference AppView
 * matches on the name and orders by time too, so its cursors and Magpie's page alike). The
 * words reach a `match` clause only: quotes, colons, wildcards are text, never query syntax.
 * `total` counts every match.
 */
export function searchStarterPacks(search: Searcher, text: string, page: PageRequest): Promise<Page<RecordRef>> {
  if (!text.trim()) return Promise.resolve({ items: [], total: 0 })
  return pageRecords(search, 'starterpacks', [{ match: { name: { query: text, operator: 'and' } } }], page, true)
}
