import { live } from '#/dataplane/keyset.js'
import type { Searcher } from '#/dataplane/opensearch-reader.js'

/**
 * Reference-list opt-outs (app.bsky.graph.referencelistoptout): accounts asking to be left out
 * of a reference list, such as a starter pack's, when others look at it. Only the first record
 * per (account, list) counts, as the lexicon says; enforcing them is up to the caller, who knows
 * whether the list is still a reference list and who is looking.
 */

/** Bounded like a list's members: more opt-outs than this from one list is not a person's list. */
const MAX_OPT_OUTS = 10_000

/** Accounts that opted out of the list. */
export async function getListOptOutDids(search: Searcher, listUri: string): Promise<string[]> {
  const { aggregations } = await search.one({
    index: 'listoptouts',
    body: { size: 0, track_total_hits: false, query: live({ term: { listUri } }), aggs: { dids: { terms: { field: 'did', size: MAX_OPT_OUTS } } } },
  })
  return ((aggregations?.dids?.buckets ?? []) as { key: string }[]).map((b) => b.key)
}

/** The viewer's opt-out record of each list it opted out of (its first, when it made several). */
export async function getListOptOutsBy(search: Searcher, viewer: string, listUris: string[]): Promise<Map<string, string>> {
  const wanted = [...new Set(listUris)]
  if (wanted.length === 0) return new Map()
  const { hits } = await search.one({
    index: 'listoptouts',
    body: {
      size: wanted.length,
      track_total_hits: false,
      query: live({ term: { did: viewer } }, { terms: { listUri: wanted } }),
      collapse: { field: 'listUri' },
      sort: [{ sortAt: 'asc' }],
      _source: ['record.subject'],
    },
  })
  const out = new Map<string, string>()
  for (const hit of hits) {
    const list = hit._source?.record?.subject
    if (typeof list === 'string') out.set(list, hit._id)
  }
  return out
}
