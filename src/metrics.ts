import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'

/**
 * Process-wide metrics, every one of them registered here: exposed by the server at /metrics, and
 * by `ingest` and `backfill` on METRICS_PORT (server/metrics-listener.ts). ops/grafana/magpie.json
 * charts them (test/unit/grafana-dashboard.test.ts keeps its queries to these names).
 */
export const registry = new Registry()

// The process's own figures (resident memory, heap, event-loop lag, GC), under magpie_: what
// tells a cache filling up to its bound from a leak.
collectDefaultMetrics({ register: registry, prefix: 'magpie_' })

export const firehoseEvents = new Counter({
  name: 'magpie_firehose_events_total',
  help: 'Firehose messages handled, by type',
  labelNames: ['type'] as const,
  registers: [registry],
})

export const recordOps = new Counter({
  name: 'magpie_record_ops_total',
  help: 'Record operations turned into writes, by collection and action',
  labelNames: ['collection', 'action'] as const,
  registers: [registry],
})

export const recordsSkipped = new Counter({
  name: 'magpie_records_skipped_total',
  help: 'Records not indexed because they violate their lexicon or could not be read, by collection and reason',
  labelNames: ['collection', 'reason'] as const,
  registers: [registry],
})

export const linksBounded = new Counter({
  name: 'magpie_record_links_bounded_total',
  help: 'Records indexed with only part of their links (too deep, too many values or links), by the bound reached',
  labelNames: ['reason'] as const,
  registers: [registry],
})

export const badFrames = new Counter({
  name: 'magpie_firehose_bad_frames_total',
  help: 'Firehose frames or commits that could not be used (logged with the reason)',
  registers: [registry],
})

export const firehoseCursor = new Gauge({
  name: 'magpie_firehose_cursor',
  help: 'Last firehose sequence number whose writes OpenSearch acknowledged',
  registers: [registry],
})

export const firehoseEventTime = new Gauge({
  name: 'magpie_firehose_event_time_seconds',
  help: 'Time stamp (Unix seconds) the last handled firehose event carried',
  registers: [registry],
})

export const firehoseLag = new Gauge({
  name: 'magpie_firehose_lag_seconds',
  help: 'How long after its time stamp the last firehose event was handled',
  registers: [registry],
})

export const xrpcRequests = new Histogram({
  name: 'magpie_xrpc_request_seconds',
  help: 'XRPC requests served, by method and HTTP status',
  labelNames: ['nsid', 'status'] as const,
  buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
})

/**
 * Seconds of one `_bulk` request of the writer that ingest and backfill share (indexing/bulk-writer.ts:
 * records, accounts, labels), wide buckets since a request waits on merges and replicas under load.
 * The rollup's, reindex's and backfill progress's own small bulks are not in it.
 */
export const bulkRequests = new Histogram({
  name: 'magpie_bulk_request_seconds',
  help: 'Bulk requests of the ingest and backfill writer (records, accounts, labels), by outcome: ok (every item answered), retry (some items turned away for load, sent again), failed (the request itself failed)',
  labelNames: ['outcome'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry],
})

export const bulkRejections = new Counter({
  name: 'magpie_bulk_rejections_total',
  help:
    'Bulk items of the ingest and backfill writer that OpenSearch did not take, by reason: too_many_requests (429, retried), unavailable (5xx or a write block, retried), ' +
    'no_answer (the request failed without a status, retried), refused (the document itself, dropped and logged), ' +
    'version_conflict (the index holds the same or a newer revision: replays, expected)',
  labelNames: ['reason'] as const,
  registers: [registry],
})

export type BulkRejection = 'too_many_requests' | 'unavailable' | 'no_answer' | 'refused' | 'version_conflict'

/** Caches with a tier in this process and one in Redis (REDIS_URL), shared by every process. */
export type TieredCacheName =
  /** Documents the read API read before (dataplane/cached-reads.ts). */
  | 'documents'
  /** DID → signing key for commit verification (ingest/signing-keys.ts). */
  | 'signing_keys'

/**
 * The caches whose lookups are counted: a fixed set, so the label stays bounded. A tiered cache's
 * Redis tier is `<name>_shared`, asked only for what the process's own tier lacked.
 */
export type CacheName =
  | TieredCacheName
  | `${TieredCacheName}_shared`
  /** DID documents (identity/did-resolver.ts). */
  | 'did_documents'
  /** Handle → DID (identity/handle-resolver.ts). */
  | 'handles'
  /** Profile, list and starter pack counts (dataplane/counts.ts, READ_CACHE_MS). */
  | 'counts'
  /** Post counts (dataplane/posts.ts, READ_CACHE_MS). */
  | 'post_counts'

export const cacheLookups = new Counter({
  name: 'magpie_cache_lookups_total',
  help: 'Cache lookups by cache and result (hit: answered from the cache; miss: read or resolved afresh, including entries found stale). A *_shared cache is asked only for what the local one lacked',
  labelNames: ['cache', 'result'] as const,
  registers: [registry],
})

/** Counts `hits` and `misses` of a batch of lookups in one cache (zero counts still create the series, so rates exist from the start). */
export function countCacheLookups(cache: CacheName, hits: number, misses: number): void {
  cacheLookups.inc({ cache, result: 'hit' }, hits)
  cacheLookups.inc({ cache, result: 'miss' }, misses)
}

/** Counts one lookup. */
export function countCacheLookup(cache: CacheName, hit: boolean): void {
  cacheLookups.inc({ cache, result: hit ? 'hit' : 'miss' })
}

export const labelsIngested = new Counter({
  name: 'magpie_labels_total',
  help: 'Labels from labeler services by what became of them (stored, or why skipped); unreadable frames count as bad-frame',
  labelNames: ['outcome'] as const,
  registers: [registry],
})

export const worldFiltered = new Counter({
  name: 'magpie_world_filtered_events_total',
  help: 'Firehose messages a small world passed over before decoding them (outsiders)',
  registers: [registry],
})

export const worldEventsSeen = new Counter({
  name: 'magpie_world_seen_events_total',
  help: 'Firehose commits and account events a small world decided on, kept or not (none while no world is set)',
  registers: [registry],
})

export const worldEventsKept = new Counter({
  name: 'magpie_world_kept_events_total',
  help: 'Of the firehose events a small world decided on, those it kept something of',
  registers: [registry],
})

export const worldMembers = new Gauge({
  name: 'magpie_world_members',
  help: 'Accounts in the small world that its selectors name, list or follow (accounts placed by host selectors are not counted); 0 with no world',
  registers: [registry],
})

export const backfillRepos = new Counter({
  name: 'magpie_backfill_repos_total',
  help: 'Repos the backfill finished, by outcome (done, failed, unavailable, skipped as already done)',
  labelNames: ['outcome'] as const,
  registers: [registry],
})

export const backfillRecords = new Counter({
  name: 'magpie_backfill_records_total',
  help: 'Records the backfill turned into writes',
  registers: [registry],
})

export const backfillRemaining = new Gauge({
  name: 'magpie_backfill_repos_remaining',
  help: 'Repos known to the running backfill and not finished yet',
  registers: [registry],
})

let countRecords: (() => Promise<number | undefined>) | undefined

/** Where `magpie_records` is read from on a scrape: the server's cached index figures (server/service-status.ts). */
export function recordsFrom(source: () => Promise<number | undefined>): void {
  countRecords = source
}

export const indexedRecords = new Gauge({
  name: 'magpie_records',
  help: 'Records of the public families in the index (under a small world: what it keeps), as of at most a few seconds ago',
  registers: [registry],
  async collect() {
    const n = await countRecords?.().catch(() => undefined)
    if (n !== undefined) this.set(n)
  },
})

/** The in-process caches bounded by size, each reporting what it holds. */
export type SizedCacheName =
  /** Documents read by id (dataplane/cached-reads.ts), in bytes of their JSON, bounded by READ_CACHE_MB. */
  | 'documents'
  /** Whom accounts follow (dataplane/index.ts, follow-edges.ts), in estimated bytes. */
  | 'followed'
  | 'followed_settled'

// One reporter per cache name: the last one made (a process has one data plane; tests make many,
// and holding only the newest keeps the older ones collectable).
const cacheSizes = new Map<SizedCacheName, () => number>()

export const cacheBytes = new Gauge({
  name: 'magpie_cache_bytes',
  help: 'What each size-bounded in-process cache holds now, in (estimated) bytes',
  labelNames: ['cache'] as const,
  registers: [registry],
  collect() {
    for (const [cache, size] of cacheSizes) this.set({ cache }, size())
  },
})

/** Makes `size` the figure `magpie_cache_bytes{cache}` reports. */
export function reportCacheSize(cache: SizedCacheName, size: () => number): void {
  cacheSizes.set(cache, size)
}
