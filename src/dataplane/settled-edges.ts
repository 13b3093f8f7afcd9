import { partitionKey } from '#/aggregates/partitions.js'
import { edgeId, type EdgeSpec } from '#/aggregates/specs.js'
import type { Searcher } from '#/dataplane/opensearch-reader.js'
import { singleIndex } from '#/indexing/route.js'

/**
 * A follow, like or repost between two given accounts/records, as the settled months hold it:
 * read from the rollup's edge documents (src/aggregates/edges.ts) by the pair's id — one `_mget`
 * for a page's pairs instead of a search of every settled month. The live months, and settled
 * ones without complete edges, are still searched by the callers.
 */

export interface EdgeRecord {
  uri: string
  /** Its sortAt: the newest of a pair's records wins, as in the searches. */
  at: number
}

export const edgePairKey = (actor: string, subject: string) => `${actor}\u0000${subject}`

/**
 * The newest record of each (actor, subject) pair in `partitions` (settled partitions with
 * complete edges → the generation their entries must have), by `edgePairKey(actor, subject)`.
 */
export async function settledEdges(search: Searcher, spec: EdgeSpec, pairs: [string, string][], partitions: Map<string, number>): Promise<Map<string, EdgeRecord>> {
  const found = new Map<string, EdgeRecord>()
  if (partitions.size === 0 || pairs.length === 0) return found
  const gens = new Map([...partitions].map(([index, gen]) => [partitionKey(search.prefix, index), gen]))
  const byId = new Map(pairs.map((pair) => [edgeId(spec, pair[0], pair[1]), pair]))
  const index = singleIndex(search.prefix, 'edges')
  const docs = await search.getByIds([...byId.keys()].map((id) => ({ index, id })))
  for (const [id, doc] of docs) {
    const pair = byId.get(id)
    const entries = doc._source?.e as Record<string, [string, number, number]> | undefined
    if (!pair || !entries) continue
    let newest: EdgeRecord | undefined
    for (const [key, [rkey, at, gen]] of Object.entries(entries)) {
      const wanted = gens.get(key)
      // An entry older than its partition's last recount is a record that recount no longer found.
      if (wanted === undefined || gen < wanted) continue
      if (!newest || at > newest.at) newest = { uri: `at://${pair[0]}/${spec.collection}/${rkey}`, at }
    }
    if (newest) found.set(edgePairKey(pair[0], pair[1]), newest)
  }
  return found
}
