import type { Client } from '@opensearch-project/opensearch'

/**
 * The cluster's health as operators read it: green (every copy of every shard placed), yellow
 * (every shard answers, some replica missing: one more node loss may lose reads), red (some shard
 * has no copy: reads of it fail with a reason, writes to it wait).
 */
export interface ClusterHealth {
  status: 'green' | 'yellow' | 'red'
  nodes: number
  dataNodes: number
  activeShards: number
  /** Shard copies not placed on any node (a node left, or a replica with nowhere to go). */
  unassignedShards: number
  initializingShards: number
  relocatingShards: number
}

export async function clusterHealth(client: Client, timeout = '2s'): Promise<ClusterHealth> {
  const res = await client.cluster.health({ timeout })
  const h = res.body as Record<string, any>
  return {
    status: h.status,
    nodes: h.number_of_nodes,
    dataNodes: h.number_of_data_nodes,
    activeShards: h.active_shards,
    unassignedShards: h.unassigned_shards,
    initializingShards: h.initializing_shards,
    relocatingShards: h.relocating_shards,
  }
}
