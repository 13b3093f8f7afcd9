import type { Client } from '@opensearch-project/opensearch'

/**
 * A version of a whole index that every write changes: its uuid and each primary shard's highest
 * sequence number. Documents read from an index whose version has not moved since are still
 * what it holds — found or not found — without asking for each of them again (cached-reads.ts).
 * Every index a read needs is asked in one `_stats` call, shared by the reads of the same
 * moment, and reused for `reuseMs` (0: asked for each read, exact as a real-time get).
 */
export interface IndexVersions {
  /** The version of each index; absent for an index that does not exist (nothing is kept for it). */
  of(indices: string[]): Promise<Map<string, string>>
}

export function createIndexVersions(client: Client, opts: { reuseMs: number; now?: () => number }): IndexVersions {
  const now = opts.now ?? Date.now
  const known = new Map<string, { at: number; version: string | undefined }>()
  let asking: { indices: Set<string>; answer: Promise<void> } | undefined

  function ask(indices: string[]): Promise<void> {
    // Indices wanted in the same turn of the event loop go out in one call.
    if (asking) {
      for (const index of indices) asking.indices.add(index)
      return asking.answer
    }
    const batch = { indices: new Set(indices), answer: Promise.resolve() }
    asking = batch
    batch.answer = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      asking = undefined
      const names = [...batch.indices]
      const asked = now()
      // Not knowing a version only means reading each document as before.
      const found = await shardVersions(client, names).catch(() => new Map<string, string>())
      for (const index of names) known.set(index, { at: asked, version: found.get(index) })
    })
    return batch.answer
  }

  return {
    async of(indices) {
      const fresh = (index: string) => {
        const entry = known.get(index)
        return entry !== undefined && opts.reuseMs > 0 && now() - entry.at < opts.reuseMs
      }
      const stale = [...new Set(indices)].filter((index) => !fresh(index))
      if (stale.length > 0) await ask(stale)
      const out = new Map<string, string>()
      for (const index of indices) {
        const version = known.get(index)?.version
        if (version !== undefined) out.set(index, version)
      }
      return out
    },
  }
}

async function shardVersions(client: Client, indices: string[]): Promise<Map<string, string>> {
  const res = await client.indices.stats({
    index: indices.join(','),
    level: 'shards',
    metric: 'docs',
    ignore_unavailable: true,
    filter_path: 'indices.*.uuid,indices.*.shards.*.routing.primary,indices.*.shards.*.seq_no.max_seq_no',
  } as any)
  const out = new Map<string, string>()
  for (const [index, stats] of Object.entries(((res.body as any)?.indices ?? {}) as Record<string, any>)) {
    const shards = Object.entries((stats.shards ?? {}) as Record<string, any[]>)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([n, copies]) => `${n}=${copies.find((c) => c.routing?.primary)?.seq_no?.max_seq_no}`)
    // A shard without a primary answering gives no version: its writes cannot be seen.
    if (typeof stats.uuid === 'string' && shards.length > 0 && !shards.some((s) => s.endsWith('=undefined'))) out.set(index, `${stats.uuid}:${shards.join(',')}`)
  }
  return out
}
