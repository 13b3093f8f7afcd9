import type { Client } from '@opensearch-project/opensearch'
import { partitionKey, partitionMonth } from '#/aggregates/partitions.js'
import { familyForCollection } from '#/indexing/families.js'
import { OTHER_PARTITION, partitionForRkey, singleIndex } from '#/indexing/route.js'
import type { Logger } from '#/log.js'

/**
 * Retention for a small world: records older than N days go, a whole monthly partition at a
 * time — deleting an index is O(1) whatever it holds, where deleting its records one by one
 * would cost a write each. A month goes once all of it is older than N days, so what remains
 * is never short of a record younger than that. The `-other` partitions (keys that are not
 * TIDs, or times outside the partitioned range) have no month and are kept.
 */

/** The first month (as year × 12 + month index) that is kept; every partition before it is dropped. */
export function firstKeptMonth(retentionDays: number, now: number): number {
  const cutoff = new Date(now - retentionDays * 86_400_000)
  return cutoff.getUTCFullYear() * 12 + cutoff.getUTCMonth()
}

/**
 * Whether a record would land in a partition retention drops: ingest and backfill leave such
 * records out, or each would bring its dropped month back.
 */
export function isExpiredRecord(collection: string, rkey: string, keptFrom: number | undefined): boolean {
  if (keptFrom === undefined || !familyForCollection(collection).partitioned) return false
  const partition = partitionForRkey(rkey)
  if (partition === OTHER_PARTITION) return false
  const [y, m] = partition.split('.').map(Number)
  return y! * 12 + m! - 1 < keptFrom
}

export interface RetentionReport {
  dropped: string[]
  keptFrom: string
}

/**
 * Drops every monthly partition older than the retention, and then the dropped months' entries
 * from the aggregate documents: readers already ignore entries of partitions that are gone
 * (they only count partitions behind the aliases), but the entries would otherwise stay
 * forever, and a partition of the same name recreated later must not inherit them.
 */
export async function applyRetention(client: Client, prefix: string, retentionDays: number, log: Logger, now = Date.now()): Promise<RetentionReport> {
  const keptFrom = firstKeptMonth(retentionDays, now)
  const res = await client.cat.indices({ index: `${prefix}*`, format: 'json', h: ['index'] }, { ignore: [404] })
  const names = ((res.body as { index: string }[]) ?? []).map((r) => r.index).filter((i) => i.startsWith(prefix))
  const dropped = names.filter((index) => {
    const month = partitionMonth(index)
    return month !== undefined && month < keptFrom
  })
  if (dropped.length > 0) {
    log.info({ indices: dropped, retentionDays }, 'retention: dropping partitions')
    await client.indices.delete({ index: dropped.join(',') })
    const keys = dropped.map((i) => partitionKey(prefix, i))
    await stripAggregateEntries(client, prefix, keys)
    await stripEdgeEntries(client, prefix, keys)
  }
  const y = Math.floor(keptFrom / 12)
  return { dropped, keptFrom: `${y}.${String((keptFrom % 12) + 1).padStart(2, '0')}` }
}

/** Removes the entries of `keys` (partition keys) from every aggregate document that has one. */
function stripAggregateEntries(client: Client, prefix: string, keys: string[]): Promise<void> {
  return stripEntries(client, singleIndex(prefix, 'aggregates'), keys, `
    if (ctx._source.c == null) { ctx.op = 'noop'; return; }
    boolean changed = false;
    for (def counts : ctx._source.c.values()) {
      for (def key : params.keys) { if (counts.remove(key) != null) changed = true; }
    }
    if (!changed) ctx.op = 'noop';`)
}

/** Removes the entries of `keys` from the edge documents, and the documents left with none. */
function stripEdgeEntries(client: Client, prefix: string, keys: string[]): Promise<void> {
  return stripEntries(client, singleIndex(prefix, 'edges'), keys, `
    if (ctx._source.e == null) { ctx.op = 'delete'; return; }
    boolean changed = false;
    for (def key : params.keys) { if (ctx._source.e.remove(key) != null) changed = true; }
    if (ctx._source.e.isEmpty()) ctx.op = 'delete';
    else if (!changed) ctx.op = 'noop';`)
}

async function stripEntries(client: Client, index: string, keys: string[], source: string): Promise<void> {
  // These indices refresh rarely (they are read by id): what the query must see, it sees now.
  await client.indices.refresh({ index }, { ignore: [404] })
  await client.updateByQuery({
    index,
    conflicts: 'proceed',
    refresh: true,
    body: { query: { match_all: {} }, script: { lang: 'painless', source, params: { keys } } },
  } as any, { ignore: [404] })
}
