/**
 * What indexing a generated stream left in OpenSearch, counted and compared with what the
 * stream's manifest says it must produce (stream-cache.ts): shared by live-ingest.ts and soak.ts.
 */
import type { Client } from '@opensearch-project/opensearch'
import type { StreamManifest } from './stream-cache.js'

export interface DocCounts {
  recordDocs: number
  liveRecordDocs: number
  actors: number
  byIndex: Record<string, number>
  /** Of those, the documents that are not tombstones. */
  liveByIndex: Record<string, number>
}

/** Record documents (all, live), actors and record documents per index base name, after a refresh. */
export async function countDocs(client: Client, prefix: string): Promise<DocCounts> {
  await client.indices.refresh({ index: `${prefix}*` })
  const records = `${prefix}*,-${prefix}actors-*,-${prefix}state-*,-${prefix}aggregates-*,-${prefix}edges-*`
  const notTomb = { bool: { must_not: [{ term: { tomb: true } }] } }
  const count = async (index: string, query?: unknown): Promise<number> =>
    ((await client.count({ index, body: query ? { query } : undefined }, { ignore: [404] })).body as any).count ?? 0
  const byIndex: Record<string, number> = {}
  const liveByIndex: Record<string, number> = {}
  const indices = new Map<string, string[]>()
  const cat = await client.cat.indices({ index: `${prefix}*`, format: 'json' })
  for (const row of cat.body as unknown as { index: string; 'docs.count': string }[]) {
    const base = row.index.slice(prefix.length).replace(/-[^-]+$/, '')
    if (base === 'actors' || base === 'state' || base === 'aggregates') continue
    byIndex[base] = (byIndex[base] ?? 0) + Number(row['docs.count'])
    indices.set(base, [...(indices.get(base) ?? []), row.index])
  }
  for (const [base, names] of indices) liveByIndex[base] = await count(names.join(','), notTomb)
  return {
    recordDocs: await count(records),
    liveRecordDocs: await count(records, notTomb),
    actors: await count(`${prefix}actors-all`),
    byIndex,
    liveByIndex,
  }
}

/**
 * How `c` differs from what the whole stream must produce. Alone (a fresh prefix): the record
 * documents, live ones, and per index. On top of `base` (what the prefix held before the stream)
 * and `extra` (documents written beside it, e.g. a prelude frame's record): per index, live per
 * index and actors, for the indices the stream writes (others, such as materialized
 * notifications, are not predicted by the manifest). Empty when equal.
 */
export function countProblems(c: DocCounts, expected: StreamManifest['expected'], base?: DocCounts, extra?: Partial<DocCounts>): string[] {
  const problems: string[] = []
  const check = (what: string, got: number, want: number) => {
    if (got !== want) problems.push(`${what}: ${got} != expected ${want} (${got > want ? '+' : ''}${got - want})`)
  }
  if (!base) {
    check('record docs', c.recordDocs, expected.recordDocs)
    check('live record docs', c.liveRecordDocs, expected.liveRecordDocs)
  } else {
    check('actors', c.actors, base.actors + expected.actors + (extra?.actors ?? 0))
  }
  const indices = new Set([...Object.keys(expected.byIndex), ...Object.keys(extra?.byIndex ?? {})])
  for (const index of indices) {
    check(index, c.byIndex[index] ?? 0, (expected.byIndex[index] ?? 0) + (base?.byIndex[index] ?? 0) + (extra?.byIndex?.[index] ?? 0))
    if (base) check(`${index} live`, c.liveByIndex[index] ?? 0, (expected.liveByIndex[index] ?? 0) + (base.liveByIndex[index] ?? 0) + (extra?.liveByIndex?.[index] ?? 0))
  }
  return problems
}
