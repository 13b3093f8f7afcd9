/** CPU, memory and storage figures the benchmarks report, read from /proc and OpenSearch. */
import { readdirSync, readFileSync } from 'node:fs'
import type { Client } from '@opensearch-project/opensearch'

const TICK_MS = 10 // clock ticks are 1/100 s on Linux

/** Busy and total CPU time of the whole machine (all cores), in ms. */
export function machineCpuMs(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!
  const v = line.trim().split(/\s+/).slice(1).map(Number)
  const total = v.reduce((a, b) => a + b, 0)
  const idle = (v[3] ?? 0) + (v[4] ?? 0)
  return { busy: (total - idle) * TICK_MS, total: total * TICK_MS }
}

/** CPU time (user + system, all threads) of a process, in ms; undefined once it is gone. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) * TICK_MS
  } catch {
    return undefined
  }
}

/**
 * CPU time (ms) of a process and all its descendants alive now: a child started through a
 * shell or a wrapper script does its work in a grandchild.
 */
export function processTreeCpuMs(root: number): number {
  return processTree(root).reduce((total, pid) => total + (processCpuMs(pid) ?? 0), 0)
}

/** A process and all its descendants alive now (a scan of /proc: read once, not per request). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      const list = children.get(ppid) ?? []
      list.push(Number(entry))
      children.set(ppid, list)
    } catch {
      // gone meanwhile
    }
  }
  const tree: number[] = []
  const stack = [root]
  while (stack.length) {
    const pid = stack.pop()!
    tree.push(pid)
    stack.push(...(children.get(pid) ?? []))
  }
  return tree
}

/** Resident memory now and at its peak (VmHWM), in MiB; undefined once the process is gone. */
export function processMemoryMiB(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN)
    return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) }
  } catch {
    return undefined
  }
}

export async function opensearchCpuMs(client: Client): Promise<number> {
  // Every node of the cluster: one on a single node, all three on `scripts/opensearch cluster`.
  const res = await client.nodes.stats({ metric: ['process'] })
  const nodes = Object.values((res.body as any).nodes ?? {}) as { process?: { cpu?: { total_in_millis?: number } } }[]
  return nodes.length ? nodes.reduce((sum, n) => sum + (n.process?.cpu?.total_in_millis ?? NaN), 0) : NaN
}

/** The local node's process id, for CPU read from /proc at finer grain than node stats (refreshed ~1 s). */
export async function opensearchPid(client: Client): Promise<number | undefined> {
  const res = await client.nodes.info({ node_id: '_local', metric: ['process'] })
  const nodes = Object.values((res.body as any).nodes ?? {}) as { process?: { id?: number } }[]
  return nodes[0]?.process?.id
}

export async function dropBenchPrefix(client: Client, prefix: string): Promise<void> {
  await client.indices.delete({ index: `${prefix}*`, expand_wildcards: 'all' }, { ignore: [404] })
  await client.indices.deleteIndexTemplate({ name: `${prefix}*` }, { ignore: [404] })
  const policies = await client.transport.request({ method: 'GET', path: '/_plugins/_ism/policies' }, { ignore: [404, 400] })
  for (const p of ((policies.body as any)?.policies ?? []) as { _id: string }[]) {
    if (p._id.startsWith(prefix)) await client.transport.request({ method: 'DELETE', path: `/_plugins/_ism/policies/${p._id}` }, { ignore: [404] })
  }
}

/**
 * Waits until no shard of `pattern` keeps its operations for a recovery any more (every retention
 * lease past the shard's newest sequence number). Until then a merge keeps, beside each document,
 * the `_recovery_source` OpenSearch stores when `_source` leaves fields out (every template here
 * does): a force-merge straight after the writes kept it for good, 7-21 % of each family's bytes
 * (bench/LOG.md, 2026-12-08). The leases move on a periodic sync, about every 30 s. False when
 * `timeoutMs` passed first.
 */
export async function waitForRetentionLeases(client: Client, pattern: string, timeoutMs = 120_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await client.indices.stats({ index: pattern, metric: 'docs', level: 'shards' } as any)
    const shards = Object.values(((res.body as any).indices ?? {}) as Record<string, any>).flatMap((i) => Object.values(i.shards ?? {}).flat() as any[])
    const retained = shards.filter((s) => s.routing?.primary && (s.retention_leases?.leases ?? []).some((l: any) => l.retaining_seq_no <= s.seq_no?.max_seq_no))
    if (retained.length === 0) return true
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 2_000))
  }
}

/**
 * Documents and on-disk bytes per index family (partitions summed), optionally after a
 * force-merge to one segment, once the retention leases let it drop the recovery source.
 */
export async function storageByFamily(client: Client, prefix: string, opts: { forceMerge?: boolean } = {}): Promise<Record<string, { docs: number; bytes: number; bytesPerDoc: number }>> {
  await client.indices.refresh({ index: `${prefix}*` })
  if (opts.forceMerge) {
    if (!(await waitForRetentionLeases(client, `${prefix}*`))) process.stderr.write('retention leases still hold recent writes: the sizes below include their recovery source\n')
    await client.indices.forcemerge({ index: `${prefix}*`, max_num_segments: 1 }, { requestTimeout: 3_600_000 })
  }
  const cat = await client.cat.indices({ index: `${prefix}*`, format: 'json', bytes: 'b' })
  const out: Record<string, { docs: number; bytes: number; bytesPerDoc: number }> = {}
  for (const row of cat.body as unknown as { index: string; 'docs.count': string; 'store.size': string }[]) {
    const family = row.index.slice(prefix.length).replace(/-[^-]+$/, '')
    const f = (out[family] ??= { docs: 0, bytes: 0, bytesPerDoc: 0 })
    f.docs += Number(row['docs.count'])
    f.bytes += Number(row['store.size'])
  }
  for (const f of Object.values(out)) f.bytesPerDoc = f.docs > 0 ? Math.round(f.bytes / f.docs) : 0
  return out
}
