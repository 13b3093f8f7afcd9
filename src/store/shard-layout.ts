import type { Client } from '@opensearch-project/opensearch'
import type { FamilyCounts, ShardLayoutConfig } from '#/config/shard-settings.js'

/**
 * How many shards and copies each family's indices get, decided when setup applies the
 * templates (index-templates/ hold the single-node values; these replace them).
 *
 * Defaults follow the data's size and the cluster's shape:
 * - the partitioned families (posts, likes, reposts, follows) hold nearly all records, one index
 *   a month: on a cluster a partition gets one shard per data node (at most 3), so its writes and
 *   searches spread over the nodes; on one node, one shard;
 * - every other family is small beside them: one shard.
 * - Replicas: `auto_expand_replicas: 0-1`, which OpenSearch keeps at 0 while the cluster has one
 *   data node and 1 as soon as it has two, so one box stays green and a cluster survives the loss
 *   of any one node without a setting to change when nodes come or go.
 * - Writes wait for every configured copy (`wait_for_active_shards: all`): a write acknowledged
 *   on a cluster is on two nodes, so losing one never loses it; while a copy is being rebuilt,
 *   writes to that shard wait (the bulk writer retries) instead of landing on a lone primary.
 *
 * Shard-size guidance (docs/OPERATIONS.md): keep shards between ~10 and ~50 GB; at ~150 bytes a
 * record that is ~70–300 M records a shard. Raise a busy family's shards with INDEX_SHARDS
 * (e.g. `likes=6`): new partitions take it, existing ones keep theirs until `magpie reindex`.
 */

export interface FamilyLayout {
  number_of_shards: number
  number_of_replicas?: number
  auto_expand_replicas?: string
  'write.wait_for_active_shards': string
}

export const DEFAULT_LAYOUT: ShardLayoutConfig = { shards: {}, replicas: 'auto', waitForActiveShards: 'all' }

/** Most shards a partition gets by default on a cluster, however many data nodes it has. */
const MAX_DEFAULT_PARTITION_SHARDS = 3

function pick(counts: FamilyCounts, family: string, partitioned: boolean): number | undefined {
  return counts[family] ?? counts[partitioned ? 'partitioned' : 'single'] ?? counts['*']
}

/** The settings a family's indices get on a cluster with `dataNodes` data nodes. */
export function familyLayout(config: ShardLayoutConfig, family: string, partitioned: boolean, dataNodes: number): FamilyLayout {
  const defaultShards = partitioned ? Math.max(1, Math.min(dataNodes, MAX_DEFAULT_PARTITION_SHARDS)) : 1
  const shards = pick(config.shards, family, partitioned) ?? defaultShards
  const replicas = config.replicas === 'auto' ? undefined : pick(config.replicas, family, partitioned)
  return {
    number_of_shards: shards,
    // An explicit count turns auto-expansion off; `false` is how OpenSearch spells that.
    ...(replicas === undefined ? { auto_expand_replicas: '0-1' } : { number_of_replicas: replicas, auto_expand_replicas: 'false' }),
    'write.wait_for_active_shards': config.waitForActiveShards,
  }
}

/** Data nodes the cluster has now. */
export async function dataNodeCount(client: Client): Promise<number> {
  const res = await client.cluster.health({})
  return Number((res.body as { number_of_data_nodes?: number }).number_of_data_nodes ?? 1)
}

/** The layout's dynamic settings (what an existing index can be changed to) as OpenSearch reports them. */
export function dynamicSettings(layout: FamilyLayout): Record<string, string> {
  const out: Record<string, string> = {
    auto_expand_replicas: layout.auto_expand_replicas ?? 'false',
    'write.wait_for_active_shards': layout['write.wait_for_active_shards'],
  }
  if (layout.number_of_replicas !== undefined) out.number_of_replicas = String(layout.number_of_replicas)
  return out
}
