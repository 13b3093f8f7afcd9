import { randomUUID } from 'node:crypto'
import type { Client } from '@opensearch-project/opensearch'
import { readAlias, singleIndex } from '#/indexing/route.js'
import type { Config } from '#/config/env.js'
import type { Logger } from '#/log.js'
import {
  countedIn,
  countNamesOf,
  emptyRollupState,
  isLiveMonth,
  partitionKey,
  type RollupState,
} from '#/aggregates/partitions.js'
import { bulkUpdates } from '#/aggregates/bulk.js'
import { writeEdges } from '#/aggregates/edges.js'
import { COUNT_SPECS, EDGE_SPEC, fitsAsId, ROLLED_FAMILIES, ROLLUP_STATE_ID, type CountSpec, type PartitionedFamily } from '#/aggregates/specs.js'

/**
 * The rollup: counts of the settled partitions (months no longer written to) kept in one
 * aggregate document per subject, so that a count costs an `_mget` plus a search of the live
 * month (two in a month's first days) instead of a search of every partition.
 *
 * Each pass finds the partitions (outside the live months) whose shards moved since they were
 * last counted — or were never counted — and recounts them whole: a composite aggregation over
 * the subject field and `_index`, written as `[count, generation]` per partition into the
 * subjects' documents. A recount gets a fresh generation and the partition is only marked
 * settled again once its entries are all written and its shards did not move meanwhile; readers
 * trust an entry only if its generation is at least the partition's, so a subject whose last
 * like in that month was deleted (and so got no new entry) counts 0 there. Everything is
 * recomputed from the indices, never incremented: replays, deletes, a kill -9 mid-pass (the
 * partition stays unsettled and is recounted with a newer generation) all end exact.
 *
 * One process rolls up at a time (a lease in the state index); any number read.
 */

export interface RollupReport {
  /** Another process holds the lease. */
  skipped?: 'lease'
  recounted: { family: PartitionedFamily; indices: string[]; settled: string[]; entries: number; ms: number }[]
}

const COMPOSITE_PAGE = 5_000
const BULK_OPS = 4_000
const LEASE_MS = 60_000

export interface RollupOptions {
  now?: () => number
  /** Who holds the lease (default: a random id per process). */
  owner?: string
}

export class Rollup {
  private readonly aggIndex: string
  private readonly stateIndex: string
  private readonly owner: string
  private readonly now: () => number
  private leaseRenewedAt = 0
  /** Each partition's fingerprint at the previous pass: only a partition that held still since is recounted. */
  private readonly lastSeen = new Map<string, string>()

  constructor(
    private readonly client: Client,
    private readonly prefix: string,
    private readonly log: Logger,
    opts: RollupOptions = {},
  ) {
    this.aggIndex = singleIndex(prefix, 'aggregates')
    this.stateIndex = singleIndex(prefix, 'state')
    this.owner = opts.owner ?? `${process.pid}-${randomUUID()}`
    this.now = opts.now ?? Date.now
  }

  /** One pass over every rolled family: recounts what moved and then held still, settles it. */
  async pass(): Promise<RollupReport> {
    const report: RollupReport = { recounted: [] }
    if (!(await this.holdLease())) return { ...report, skipped: 'lease' }
    const state = await this.loadState()
    const seen = new Set<string>()
    let changed = false
    const toRecount = new Map<PartitionedFamily, string[]>()
    for (const family of ROLLED_FAMILIES) {
      const fingerprints = await this.fingerprints(family)
      for (const [index, fp] of fingerprints) {
        seen.add(index)
        const quiet = this.lastSeen.get(index) === fp
        this.lastSeen.set(index, fp)
        const known = state.partitions[index]
        // A partition settled before its family had edges, or one of its counts, is recounted once to write them.
        const upToDate =
          known?.settled &&
          known.fingerprint === fp &&
          (!EDGE_SPEC.has(family) || known.edges !== undefined) &&
          countNamesOf(family).every((name) => countedIn(known).includes(name))
        if (isLiveMonth(index, this.now()) || upToDate) continue
        if (known?.settled) {
          // Written to since it was counted: readers count it live from now on.
          state.partitions[index] = { ...known, settled: false }
          changed = true
        }
        // Still being written (a backfill): counted live until it goes quiet, rather than recounted again and again.
        if (quiet) toRecount.set(family, [...(toRecount.get(family) ?? []), index])
      }
    }
    // Partitions that are gone (retention, reindex) leave the state; their entries are ignored.
    for (const index of Object.keys(state.partitions)) {
      if (!seen.has(index)) {
        delete state.partitions[index]
        changed = true
      }
    }
    for (const index of this.lastSeen.keys()) if (!seen.has(index)) this.lastSeen.delete(index)
    if (changed) await this.saveState(state)
    for (const [family, indices] of toRecount) report.recounted.push(await this.recount(family, indices, state))
    return report
  }

  /** Recounts `indices` (partitions of `family`) with a new generation; settles those whose shards held still. */
  private async recount(family: PartitionedFamily, indices: string[], state: RollupState) {
    const started = performance.now()
    const gen = state.nextGen++
    // Unsettled before any entry of the new generation is written: readers count them live meanwhile.
    for (const index of indices) state.partitions[index] = { gen, settled: false }
    await this.saveState(state)
    const before = await this.fingerprints(family)
    await this.client.indices.refresh({ index: indices.join(',') })
    let entries = 0
    for (const spec of COUNT_SPECS.filter((s) => s.family === family)) entries += await this.recountSpec(spec, indices, gen)
    const edgeSpec = EDGE_SPEC.get(family)
    const edges = edgeSpec ? await writeEdges(this.client, this.prefix, edgeSpec, indices, gen, () => this.holdLease()) : undefined
    const after = await this.fingerprints(family)
    const settled: string[] = []
    for (const index of indices) {
      const fp = before.get(index)
      if (fp !== undefined && fp === after.get(index)) {
        state.partitions[index] = { gen, settled: true, fingerprint: fp, counted: countNamesOf(family), ...(edges ? { edges: !edges.incomplete.has(index) } : {}) }
        settled.push(index)
      }
    }
    await this.saveState(state)
    const ms = Math.round(performance.now() - started)
    this.log.info({ family, indices: indices.length, settled: settled.length, entries, edges: edges?.entries, ms }, 'aggregates recounted')
    return { family, indices, settled, entries, ms }
  }

  /** Writes `[count, gen]` of every subject with live documents in `indices`; answers how many entries. */
  private async recountSpec(spec: CountSpec, indices: string[], gen: number): Promise<number> {
    let after: Record<string, string> | undefined
    let entries = 0
    let pending: Map<string, Record<string, [number, number]>> = new Map()
    const flush = async () => {
      if (pending.size === 0) return
      const ops = [...pending]
      pending = new Map()
      for (let i = 0; i < ops.length; i += BULK_OPS) await this.writeEntries(spec, ops.slice(i, i + BULK_OPS))
    }
    for (;;) {
      const res = await this.client.search({
        index: indices.join(','),
        body: {
          size: 0,
          track_total_hits: false,
          query: { bool: { filter: [{ exists: { field: spec.field } }], must_not: [{ term: { tomb: true } }] } },
          aggs: {
            by: {
              composite: {
                size: COMPOSITE_PAGE,
                sources: [{ s: { terms: { field: spec.field } } }, { i: { terms: { field: '_index' } } }],
                ...(after ? { after } : {}),
              },
            },
          },
        },
      })
      const body = res.body as any
      if (body._shards?.failed > 0) throw new Error(`recount of ${spec.name} failed on a shard: ${JSON.stringify(body._shards.failures?.[0])}`)
      const buckets = (body.aggregations?.by?.buckets ?? []) as { key: { s: string; i: string }; doc_count: number }[]
      for (const { key, doc_count } of buckets) {
        if (!fitsAsId(key.s)) continue
        const entry = pending.get(key.s) ?? {}
        entry[partitionKey(this.prefix, key.i)] = [doc_count, gen]
        pending.set(key.s, entry)
        entries++
      }
      if (pending.size >= BULK_OPS) await flush()
      // A pass that outlived its lease stops: the partition stays unsettled for the holder to recount.
      if (!(await this.holdLease())) throw new Error('the aggregates lease passed to another process mid-recount')
      after = body.aggregations?.by?.after_key
      if (!after || buckets.length === 0) break
    }
    await flush()
    return entries
  }

  private async writeEntries(spec: CountSpec, ops: [string, Record<string, [number, number]>][]): Promise<void> {
    const body: object[] = []
    for (const [subject, entry] of ops) {
      body.push({ update: { _index: this.aggIndex, _id: subject, retry_on_conflict: 3 } })
      body.push({ doc: { c: { [spec.name]: entry } }, doc_as_upsert: true })
    }
    await bulkUpdates(this.client, body, `${spec.name} aggregates`)
  }

  /** Per concrete partition of the family: its uuid and its primaries' global checkpoints. */
  private async fingerprints(family: PartitionedFamily): Promise<Map<string, string>> {
    const res = await this.client.indices.stats(
      { index: `${readAlias(this.prefix, family)}-*`, level: 'shards', metric: 'docs', expand_wildcards: 'open' } as any,
      { ignore: [404] },
    )
    const out = new Map<string, string>()
    for (const [index, stats] of Object.entries(((res.body as any)?.indices ?? {}) as Record<string, any>)) {
      const shards = Object.entries((stats.shards ?? {}) as Record<string, any[]>)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([n, copies]) => `${n}=${copies.find((c) => c.routing?.primary)?.seq_no?.global_checkpoint ?? '?'}`)
      out.set(index, `${stats.uuid}:${shards.join(',')}`)
    }
    return out
  }

  async loadState(): Promise<RollupState> {
    const res = await this.client.get({ index: this.aggIndex, id: ROLLUP_STATE_ID }, { ignore: [404] })
    const body = res.body as { found?: boolean; _source?: { state?: RollupState } }
    return body.found && body._source?.state ? body._source.state : emptyRollupState()
  }

  private async saveState(state: RollupState): Promise<void> {
    await this.client.index({ index: this.aggIndex, id: ROLLUP_STATE_ID, body: { state } })
  }

  /** Takes or renews the lease; false while another live process holds it. */
  private async holdLease(): Promise<boolean> {
    const now = this.now()
    if (now - this.leaseRenewedAt < LEASE_MS / 4) return true
    const id = 'aggregates:lease'
    const res = await this.client.get({ index: this.stateIndex, id }, { ignore: [404] })
    const doc = res.body as { found?: boolean; _seq_no?: number; _primary_term?: number; _source?: { value?: { owner?: string; until?: number } } }
    const lease = doc.found ? doc._source?.value : undefined
    if (lease && lease.owner !== this.owner && (lease.until ?? 0) > now) return false
    const body = { kind: 'lease', value: { owner: this.owner, until: now + LEASE_MS }, updatedAt: new Date(now).toISOString() }
    const guard = doc.found ? { if_seq_no: doc._seq_no, if_primary_term: doc._primary_term } : { op_type: 'create' as const }
    const put = await this.client.index({ index: this.stateIndex, id, body, ...guard } as any, { ignore: [409] })
    if (put.statusCode === 409) return false
    this.leaseRenewedAt = now
    return true
  }

  /** Gives the lease up (a clean stop), so another process need not wait for it to expire. */
  async releaseLease(): Promise<void> {
    if (this.leaseRenewedAt === 0) return
    const id = 'aggregates:lease'
    const res = await this.client.get({ index: this.stateIndex, id }, { ignore: [404] })
    const doc = res.body as { found?: boolean; _seq_no?: number; _primary_term?: number; _source?: { value?: { owner?: string } } }
    if (!doc.found || doc._source?.value?.owner !== this.owner) return
    await this.client.delete({ index: this.stateIndex, id, if_seq_no: doc._seq_no, if_primary_term: doc._primary_term } as any, { ignore: [404, 409] })
    this.leaseRenewedAt = 0
  }
}

/** Default time between passes: a write to an old month is counted within about this long. */
export const ROLLUP_INTERVAL_MS = 2_000

/**
 * Runs passes until `signal` aborts (then gives the lease up). A failed pass is logged and
 * retried at the next interval; nothing is lost, since a pass recomputes from the indices.
 */
export function startRollup(client: Client, prefix: string, log: Logger, opts: { signal: AbortSignal; intervalMs?: number } & RollupOptions): Promise<void> {
  const rollup = new Rollup(client, prefix, log, opts)
  const interval = opts.intervalMs ?? ROLLUP_INTERVAL_MS
  return (async () => {
    while (!opts.signal.aborted) {
      try {
        await rollup.pass()
      } catch (err) {
        log.warn({ err }, 'aggregates rollup pass failed; retrying')
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, interval)
        opts.signal.addEventListener('abort', () => {
          clearTimeout(timer)
          resolve()
        }, { once: true })
      })
    }
    await rollup.releaseLease().catch(() => undefined)
  })()
}

/** The rollup beside a process that writes (up, ingest, backfill), unless ROLLUP_INTERVAL_MS is 0. */
export function rollupBeside(config: Pick<Config, 'INDEX_PREFIX' | 'ROLLUP_INTERVAL_MS'>, client: Client, log: Logger, signal: AbortSignal): Promise<void> {
  if (config.ROLLUP_INTERVAL_MS === 0) return Promise.resolve()
  return startRollup(client, config.INDEX_PREFIX, log, { signal, intervalMs: config.ROLLUP_INTERVAL_MS })
}
