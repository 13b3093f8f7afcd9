import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/** Process-wide metrics, exposed by the server at /metrics. */
export const registry = new Registry()

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
