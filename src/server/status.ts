import { readdirSync } from 'node:fs'
import path from 'node:path'
import type { Client } from '@opensearch-project/opensearch'
import { firehoseCursor, firehoseEventTime, firehoseEvents, firehoseLag, recordOps } from '#/metrics.js'
import { TEMPLATE_DIR } from '#/store/setup.js'

/**
 * GET /status: what the search page's ingest panel shows, as JSON. Everything in it is already
 * public elsewhere (/metrics, index names and sizes); no DIDs, no record content, no config.
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
  indices: { families: IndexFamilyStatus[]; totalDocs: number; totalBytes: number } | { error: string }
}

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
export async function indexFamilyStats(client: Client, prefix: string): Promise<Status['indices']> {
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

/** A status reader for one server: its own rate window, the cluster's numbers asked for each time. */
export function createStatusReader(client: Client, prefix: string): () => Promise<Status> {
  const window = new RateWindow()
  return async () => {
    const now = Date.now()
    const [events, ops, cursor, eventTime, lag] = await Promise.all([
      counterTotal(firehoseEvents),
      counterTotal(recordOps),
      gaugeValue(firehoseCursor),
      gaugeValue(firehoseEventTime),
      gaugeValue(firehoseLag),
    ])
    const rates = window.add({ at: now, events, ops })
    let indices: Status['indices']
    try {
      indices = await indexFamilyStats(client, prefix)
    } catch (err) {
      // The ingest half is still worth showing when the cluster does not answer.
      indices = { error: err instanceof Error ? err.message : String(err) }
    }
    return {
      time: new Date(now).toISOString(),
      ingest: {
        events,
        recordOps: ops,
        ...rates,
        cursor,
        lastEventTime: eventTime === null ? null : new Date(eventTime * 1000).toISOString(),
        lagSeconds: eventTime === null ? null : round(lag ?? 0),
      },
      indices,
    }
  }
}
