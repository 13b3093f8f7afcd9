import type { Client } from '@opensearch-project/opensearch'
import { bulkUpdates } from '#/aggregates/bulk.js'
import { partitionKey } from '#/aggregates/partitions.js'
import { edgeId, type EdgeSpec } from '#/aggregates/specs.js'
import { singleIndex } from '#/indexing/route.js'

/**
 * The edge documents of settled partitions: for every live follow, like and repost of the
 * partitions being recounted, `[record key, sortAt, generation]` under the partition's key in the
 * document of its (actor, subject) pair. Written with the counts' generation, so the readers'
 * rule is the counts' rule: an entry of an older generation than its partition's is a record the
 * last recount no longer found (deleted), and counts as absent.
 *
 * The partitions are read in index order (`_doc`, one pass over each, no sorting), so a pair
 * written twice in one month (clients do retry writes) meets its second record in any order: the
 * update keeps the newer by sortAt, as the readers' searches (newest first, one per pair) do.
 */

const SCAN_PAGE = 5_000
const BULK_OPS = 4_000
const SCROLL_KEEP = '2m'

/**
 * Keeps the entry with the later sortAt for this generation; an entry of another (older)
 * generation is replaced. Unchanged documents are not rewritten.
 */
const KEEP_NEWEST = `
  if (ctx._source.e == null) { ctx._source.e = new HashMap(); }
  def cur = ctx._source.e[params.p];
  if (cur == null || cur[2] != params.v[2] || cur[1] < params.v[1]) { ctx._source.e[params.p] = params.v; } else { ctx.op = 'noop'; }`

export interface EdgesWritten {
  /** Edge entries written (or kept). */
  entries: number
  /** Partitions holding records without a record key in doc values (written before it existed): their edges are incomplete. */
  incomplete: Set<string>
}

/** Writes the edge entries of `indices` (partitions of `spec.family`) at generation `gen`. */
export async function writeEdges(
  client: Client,
  prefix: string,
  spec: EdgeSpec,
  indices: string[],
  gen: number,
  stillHeld: () => Promise<boolean>,
): Promise<EdgesWritten> {
  const edgesIndex = singleIndex(prefix, 'edges')
  const incomplete = new Set<string>()
  let entries = 0
  let ops: object[] = []
  const flush = async () => {
    if (ops.length === 0) return
    const body = ops
    ops = []
    await bulkUpdates(client, body, `${spec.family} edges`)
  }
  let res = await client.search({
    index: indices.join(','),
    scroll: SCROLL_KEEP,
    body: {
      size: SCAN_PAGE,
      sort: ['_doc'],
      query: { bool: { filter: [{ exists: { field: spec.field } }], must_not: [{ term: { tomb: true } }] } },
      _source: false,
      stored_fields: ['_none_'],
      docvalue_fields: ['did', spec.field, 'rkey', { field: 'sortAt', format: 'epoch_millis' }],
    },
  } as any)
  let scrollId: string | undefined
  try {
    for (;;) {
      const body = res.body as any
      scrollId = body._scroll_id
      if (body._shards?.failed > 0) throw new Error(`edges of ${spec.family} failed on a shard: ${JSON.stringify(body._shards.failures?.[0])}`)
      const hits = (body.hits?.hits ?? []) as { _index: string; fields?: Record<string, unknown[]> }[]
      if (hits.length === 0) break
      for (const hit of hits) {
        const actor = hit.fields?.did?.[0]
        const subject = hit.fields?.[spec.field]?.[0]
        const rkey = hit.fields?.rkey?.[0]
        const at = Number(hit.fields?.sortAt?.[0])
        if (typeof rkey !== 'string') {
          incomplete.add(hit._index)
          continue
        }
        if (typeof actor !== 'string' || typeof subject !== 'string' || !Number.isFinite(at)) continue
        ops.push({ update: { _index: edgesIndex, _id: edgeId(spec, actor, subject), retry_on_conflict: 3 } })
        ops.push({ script: { lang: 'painless', source: KEEP_NEWEST, params: { p: partitionKey(prefix, hit._index), v: [rkey, at, gen] } }, scripted_upsert: true, upsert: {} })
        entries++
        if (ops.length >= BULK_OPS * 2) await flush()
      }
      // A pass that outlived its lease stops: the partition stays unsettled for the holder to recount.
      if (!(await stillHeld())) throw new Error('the aggregates lease passed to another process mid-recount')
      res = await client.scroll({ scroll_id: scrollId!, scroll: SCROLL_KEEP } as any)
    }
    await flush()
  } finally {
    if (scrollId) await client.clearScroll({ scroll_id: scrollId } as any).catch(() => undefined)
  }
  return { entries, incomplete }
}
