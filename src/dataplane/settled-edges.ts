import { partitionKey } from '#/aggregates/partitions.js'
import { edgeId, type EdgeSpec } from '#/aggregates/specs.js'
import type { Hit, Searcher } from '#/dataplane/opensearch-reader.js'
import type { RolledCounts } from '#/dataplane/rolled-counts.js'
import { singleIndex } from '#/indexing/route.js'

/**
 * A follow, like or repost between two given accounts/records, as the settled months hold it:
 * read from the rollup's edge documents (src/aggregates/edges.ts) by the pair's id — one `_mget`
 * for a page's pairs instead of a search of every settled month. The live months, and settled
 * ones without complete edges, are searched.
 */

interface EdgeRecord {
  uri: string
  /** Its sortAt: the newest of a pair's records wins, as in the searches. */
  at: number
}

export const edgePairKey = (actor: string, subject: string) => `${actor}\u0000${subject}`

export interface EdgeQuestion {
  spec: EdgeSpec
  /** The pairs asked about: [actor, subject]. */
  pairs: [string, string][]
  /** The settled months that can hold these pairs (RolledCounts `holding`): asked only while some settled month has no edges. */
  holding: () => Promise<string[] | undefined>
  /** The search of the months without edges: one hit per pair, its newest record, sorted by `sortAt` alone. */
  body: Record<string, unknown>
  /** The pair a hit of that search is a record of. */
  pairOf: (hit: Hit) => [string, string] | undefined
}

/** The URI of each pair's newest record, by `edgePairKey(actor, subject)`; pairs with none are absent. */
export async function newestEdges(search: Searcher, rolled: Pick<RolledCounts, 'settledOf'>, q: EdgeQuestion): Promise<Map<string, string>> {
  const { all, settled, withEdges } = await rolled.settledOf(q.spec.family)
  // Which settled months hold these pairs only matters for months without edges.
  const holding = [...settled].some((p) => !withEdges.has(p)) ? await q.holding() : undefined
  const partitions = holding ?? all
  const fromEdges = new Map(partitions.flatMap((p) => (withEdges.has(p) ? [[p, withEdges.get(p)!] as const] : [])))
  // With no partition list at all (a family without its alias yet) the alias is every partition: search it whole.
  const searched = all.length === 0 ? undefined : partitions.filter((p) => !fromEdges.has(p))
  const [newest, live] = await Promise.all([settledEdges(search, q.spec, q.pairs, fromEdges), search.one({ index: q.spec.family, partitions: searched, body: q.body })])
  for (const hit of live.hits) {
    const pair = q.pairOf(hit)
    const at = hit.sort?.[0]
    if (!pair || typeof at !== 'number') continue
    const key = edgePairKey(pair[0], pair[1])
    const seen = newest.get(key)
    if (!seen || at > seen.at) newest.set(key, { uri: hit._id, at })
  }
  return new Map([...newest].map(([key, record]) => [key, record.uri]))
}

/**
 * The newest record of each (actor, subject) pair in `partitions` (settled partitions with
 * complete edges → the generation their entries must have), by `edgePairKey(actor, subject)`.
 */
async function settledEdges(search: Searcher, spec: EdgeSpec, pairs: [string, string][], partitions: Map<string, number>): Promise<Map<string, EdgeRecord>> {
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
