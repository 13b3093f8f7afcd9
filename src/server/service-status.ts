import { readdirSync } from 'node:fs'
import path from 'node:path'
import type { Client } from '@opensearch-project/opensearch'
import { firehoseCursor, firehoseEventTime, firehoseEvents, firehoseLag, recordOps, recordsFrom } from '#/metrics.js'
import { clusterHealth, type ClusterHealth } from '#/store/cluster-health.js'
import { TEMPLATE_DIR } from '#/store/setup.js'
import { readStoredWorld, worldStatus, type WorldStatus } from '#/world/world-status.js'

/**
 * GET /status: what the search page's ingest panel shows, as JSON. The public answer is what a
 * visitor needs — whether the index store answers, ingest progress and lag, how many records
 * each public family holds, the version — and nothing else: no error text (it names hosts and
 * ports), no count of what only their owners see (mutes, bookmarks, notification state), no
 * per-index sizes. With the admin token (MAGPIE_ADMIN_TOKEN) it has all of those.
 *
 * The cluster's figures are asked for at most once per cache period, however many ask
 * meanwhile: a page open in many tabs, or polling fast, costs OpenSearch nothing more.
 *
 * Rates come from this process's metrics registry, so they are this process's ingest: `magpie up`
 * runs ingest and server together; a bare `magpie serve` reports zero events and no lag.
 */

export interface IndexFamilyStatus {
  /** The family's read alias without the prefix, e.g. `posts`. */
  family: string
  indices: number
  docs: number
  bytes: number
}

export interface Status {
  time: string
  version: string
  /** The index store answered (within the cache period). */
  healthy: boolean
  /** OpenSearch's own health (colour, nodes, shards not placed); null when it did not answer. */
  cluster: ClusterHealth | null
  ingest: {
    events: number
    eventsPerSecond: number
    recordOps: number
    recordOpsPerSecond: number
    /** Seconds the two rates are averaged over. */
    windowSeconds: number
    cursor: number | null
    lastEventTime: string | null
    /** How long after its own time stamp the last event was handled. */
    lagSeconds: number | null
  }
  indices: IndexStats | PublicIndexStats | { error: string }
  /** The small world (world/world-status.ts): with none, `active` is false and everything is kept. */
  world: WorldStatus
}

export interface IndexStats {
  families: IndexFamilyStatus[]
  totalDocs: number
  totalBytes: number
}

/** Records per public family only. */
export interface PublicIndexStats {
  families: { family: string; docs: number }[]
  totalDocs: number
}

/**
 * Families of public records (what any repo or labeler publishes) and the accounts built from
 * them. Named rather than inferred: a family added later stays out of the public status until
 * someone decides it belongs (mutes, bookmarks and notification state are private; the counts
 * rollup is internal).
 */
export const PUBLIC_FAMILIES: ReadonlySet<string> = new Set([
  'actors', 'posts', 'likes', 'reposts', 'follows', 'blocks', 'lists', 'listitems', 'listblocks', 'listoptouts',
  'profiles', 'feedgens', 'threadgates', 'postgates', 'starterpacks', 'labelers', 'verifications', 'statuses',
  'notif-declarations', 'chat-declarations', 'labels', 'records',
])

/** How long the cluster's figures are reused. */
const STATS_CACHE_MS = 5_000

const VERSION = process.env.npm_package_version ?? '0.1.0'

/** Rates are averaged over about this long: short enough to show a burst, long enough not to flicker. */
const RATE_WINDOW_MS = 60_000

const MIN_SAMPLE_GAP_MS = 1000

interface Sample {
  at: number
  events: number
  ops: number
}

/**
 * A moving window of counter samples, one taken per status request. The first request has no
 * earlier sample, so it averages over the process's life (counters start at zero with it).
 */
export class RateWindow {
  /** The baseline (the newest sample at least a window old, or the first) and the samples since. */
  private base: Sample
  private newer: Sample[] = []

  constructor(private readonly windowMs = RATE_WINDOW_MS, startedAt = Date.now() - process.uptime() * 1000) {
    this.base = { at: startedAt, events: 0, ops: 0 }
  }

  add(sample: Sample): { eventsPerSecond: number; recordOpsPerSecond: number; windowSeconds: number } {
    // Keep the newest sample older than the window as the baseline, so the window stays full.
    while (this.newer[0] && this.newer[0].at <= sample.at - this.windowMs) this.base = this.newer.shift()!
    const { base } = this
    // A page polling every few seconds, or many pages, need not grow the window: a second apart is enough.
    const last = this.newer.at(-1) ?? base
    if (sample.at - last.at >= MIN_SAMPLE_GAP_MS) this.newer.push(sample)
    const seconds = (sample.at - base.at) / 1000
    if (seconds <= 0) return { eventsPerSecond: 0, recordOpsPerSecond: 0, windowSeconds: 0 }
    return {
      eventsPerSecond: round((sample.events - base.events) / seconds),
      recordOpsPerSecond: round((sample.ops - base.ops) / seconds),
      windowSeconds: round(seconds),
    }
  }
}

const round = (n: number): number => Math.round(n * 100) / 100

async function counterTotal(metric: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> {
  return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0)
}

/** A gauge nobody has set reads 0, which for a cursor or a time stamp means "not yet". */
async function gaugeValue(metric: { get(): Promise<{ values: { value: number }[] }> }): Promise<number | null> {
  const [v] = (await metric.get()).values
  return v && v.value !== 0 ? v.value : null
}

let familyNames: string[] | undefined
/** The index families, one per template file (`posts.json` → alias `<prefix>posts`). */
function families(): string[] {
  familyNames ??= readdirSync(TEMPLATE_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => path.basename(f, '.json'))
  return familyNames
}

/**
 * Docs and store size per family, from `_cat/aliases` (which concrete indices each read alias
 * covers) and `_cat/indices` (their counts and bytes). Matching aliases exactly keeps a prefix
 * like `magpie-` from counting another deployment's `magpie-demo-…` indices.
 */
export async function indexFamilyStats(client: Client, prefix: string): Promise<IndexStats> {
  const known = new Set(families())
  const [aliases, indices] = await Promise.all([
    client.cat.aliases({ name: `${prefix}*`, format: 'json' }, { ignore: [404] }),
    client.cat.indices({ index: `${prefix}*`, format: 'json', bytes: 'b', h: ['index', 'docs.count', 'store.size'] }, { ignore: [404] }),
  ])
  const familyOf = new Map<string, string>()
  for (const row of (aliases.body ?? []) as { alias?: string; index?: string }[]) {
    if (!row.alias?.startsWith(prefix) || !row.index) continue
    const family = row.alias.slice(prefix.length)
    if (known.has(family)) familyOf.set(row.index, family)
  }
  const byFamily = new Map<string, IndexFamilyStatus>()
  for (const row of (indices.body ?? []) as Record<string, string>[]) {
    const family = row.index === undefined ? undefined : familyOf.get(row.index)
    if (!family) continue
    const entry = byFamily.get(family) ?? { family, indices: 0, docs: 0, bytes: 0 }
    entry.indices++
    entry.docs += Number(row['docs.count']) || 0
    entry.bytes += Number(row['store.size']) || 0
    byFamily.set(family, entry)
  }
  const list = [...byFamily.values()].sort((a, b) => b.docs - a.docs || a.family.localeCompare(b.family))
  return {
    families: list,
    totalDocs: list.reduce((n, f) => n + f.docs, 0),
    totalBytes: list.reduce((n, f) => n + f.bytes, 0),
  }
}

/** What the public may see of the index figures. */
export function publicIndexStats(stats: IndexStats): PublicIndexStats {
  const families = stats.families.filter((f) => PUBLIC_FAMILIES.has(f.family)).map(({ family, docs }) => ({ family, docs }))
  return { families, totalDocs: families.reduce((n, f) => n + f.docs, 0) }
}

type Stats<T = IndexStats> = { ok: true; stats: T } | { ok: false; error: string }

/**
 * `read()` answers the figures of at most `ttlMs` ago; callers arriving while they are being
 * fetched wait for that one fetch. A failure is kept as long, so a cluster that does not answer
 * is not asked again by every request.
 */
export function cachedStats<T = IndexStats>(fetch: () => Promise<T>, ttlMs = STATS_CACHE_MS, now = Date.now): () => Promise<Stats<T>> {
  let kept: { at: number; value: Promise<Stats<T>> } | undefined
  return () => {
    if (kept && now() - kept.at < ttlMs) return kept.value
    const value = fetch().then(
      (stats): Stats<T> => ({ ok: true, stats }),
      (err): Stats<T> => ({ ok: false, error: err instanceof Error ? err.message : String(err) }),
    )
    kept = { at: now(), value }
    // The period starts when the answer came, so a slow cluster is not asked again at once.
    void value.then(() => {
      if (kept?.value === value) kept.at = now()
    })
    return value
  }
}

export interface StatusReaderOptions {
  /** How long the cluster's figures are reused, in ms. */
  cacheMs?: number
}

/** A status reader for one server: its own rate window; the cluster's figures cached (cachedStats). */
export function createStatusReader(client: Client, prefix: string, opts: StatusReaderOptions = {}): (view: { admin: boolean }) => Promise<Status> {
  const window = new RateWindow()
  const stats = cachedStats(() => indexFamilyStats(client, prefix), opts.cacheMs)
  const health = cachedStats(() => clusterHealth(client), opts.cacheMs)
  const world = cachedStats(() => readStoredWorld(client, prefix), opts.cacheMs)
  const publicRecords = async (): Promise<number | undefined> => {
    const got = await stats()
    return got.ok ? publicIndexStats(got.stats).totalDocs : undefined
  }
  recordsFrom(publicRecords)
  return async ({ admin }) => {
    const now = Date.now()
    const [events, ops, cursor, eventTime, lag, indexStats, cluster, stored] = await Promise.all([
      counterTotal(firehoseEvents),
      counterTotal(recordOps),
      gaugeValue(firehoseCursor),
      gaugeValue(firehoseEventTime),
      gaugeValue(firehoseLag),
      stats(),
      health(),
      world(),
    ])
    const rates = window.add({ at: now, events, ops })
    // The ingest half is still worth showing when the cluster does not answer.
    const indices: Status['indices'] = indexStats.ok
      ? admin
        ? indexStats.stats
        : publicIndexStats(indexStats.stats)
      : { error: admin ? indexStats.error : 'the index store is not answering' }
    return {
      time: new Date(now).toISOString(),
      version: VERSION,
      healthy: indexStats.ok,
      cluster: cluster.ok ? cluster.stats : null,
      ingest: {
        events,
        recordOps: ops,
        ...rates,
        cursor,
        lastEventTime: eventTime === null ? null : new Date(eventTime * 1000).toISOString(),
        lagSeconds: eventTime === null ? null : round(lag ?? 0),
      },
      indices,
      world: await worldStatus(stored.ok ? stored.stats : undefined, indexStats.ok ? publicIndexStats(indexStats.stats).totalDocs : null, admin),
    }
  }
}
