import { live } from '#/dataplane/keyset.js'
import type { Searcher } from '#/dataplane/opensearch-reader.js'

/**
 * The add-to-list and add-to-starter-pack dialogs: for each of the viewer's lists, the listitem
 * record that puts one account on it. The lists come from one page of a listing (at most 100),
 * so one search answers them all.
 */
export async function getListItemsOf(search: Searcher, subject: string, listUris: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  if (listUris.length === 0) return out
  const { hits } = await search.one({
    index: 'listitems',
    body: {
      // An account listed twice on one list (two listitems) still names one list: a few spare.
      size: listUris.length * 2,
      track_total_hits: false,
      query: live({ term: { subjectDid: subject } }, { terms: { listUri: listUris } }),
      // Oldest first, so the record kept per list is the same whichever of two duplicates came last.
      sort: [{ sortAt: 'asc' }, { cid: 'asc' }],
      _source: ['record.list'],
    },
  })
  for (const hit of hits) {
    const list = hit._source?.record?.list
    if (typeof list === 'string' && !out.has(list)) out.set(list, hit._id)
  }
  return out
}
