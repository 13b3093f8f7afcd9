/**
 * The syntax of INDEX_SHARDS and INDEX_REPLICAS, read with the rest of the configuration; what
 * the numbers do to the indices is store/shard-layout.ts's.
 */

export interface ShardLayoutConfig {
  /** INDEX_SHARDS: `N` for every family, or `family=N,…` with `partitioned=N` / `single=N` for the two groups. */
  shards: FamilyCounts
  /** INDEX_REPLICAS: `auto`, `N`, or `family=N,…` (same keys). */
  replicas: FamilyCounts | 'auto'
  /** INDEX_WAIT_FOR_ACTIVE_SHARDS: `all` or a number of copies. */
  waitForActiveShards: string
}

/** Per-family numbers: `family` keys first, then the group (`partitioned` / `single`), then `*`. */
export type FamilyCounts = Record<string, number>

/** Parses `3` or `posts=4,likes=4,single=1` into counts; throws with the offending part. */
export function parseFamilyCounts(value: string, min: number): FamilyCounts {
  const out: FamilyCounts = {}
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(?:([a-z*][a-z0-9_*-]*)=)?(\d+)$/.exec(part)
    if (!m) throw new Error(`"${part}" is neither N nor family=N`)
    const n = Number(m[2])
    if (n < min || n > 1024) throw new Error(`"${part}": the number must be ${min}..1024`)
    out[m[1] ?? '*'] = n
  }
  return out
}
