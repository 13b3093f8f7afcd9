/**
 * Live-ingest benchmark: a cached, validly signed firehose stream (gen-stream.ts) replayed by a
 * local relay as fast as Magpie reads it, into the OpenSearch node, in this process.
 *
 *   node --import tsx bench/live-ingest.ts [--modes trusted,verified,raw] [--accounts 2000
 *     --events 300000 --seed 1 --p256 0.1] [--limit N] [--rate EVENTS_PER_S] [--sample-every 100]
 *     [--relay-hwm BYTES] [--idle 10] [--keep] [--raw-rate DOCS_PER_S] [--rollup] [--prefix bench-live-]
 *
 * Modes, each on a fresh INDEX_PREFIX (deleted afterwards unless --keep):
 *   trusted   VERIFY_COMMITS=false: the relay is trusted
 *   verified  VERIFY_COMMITS=true: every commit's signature and MST proofs are checked
 *   world     trusted, inside a small world of every `--world-every`th account (default 100: 1%),
 *             outsiders' records that touch members kept (the default policy): the cost of the
 *             filter and how nearly free the rest of the network becomes
 *   raw       the ceiling: the same documents (built beforehand with Magpie's own transforms) sent
 *             as `_bulk` requests by a minimal client, same batch size and requests in flight
 *
 * Per mode it reports events/s from the relay's first frame to the moment OpenSearch has
 * acknowledged the writes of the last one (Magpie's persisted-cursor gauge), the steady rate
 * (10%→90% of events), documents counted after a refresh against what the stream must produce,
 * the latency from the relay sending a post's frame to that post being searchable (a side loop
 * searches the read alias by _id every 50 ms), and CPU time: Magpie's thread, the relay's
 * thread, the rest of this process, OpenSearch, and the whole machine.
 *
 * OpenSearch: OPENSEARCH_URL, else http://127.0.0.1:9200 (`scripts/opensearch start`).
 * Configuration (BULK_FLUSH_BYTES, BULK_FLUSH_MS, BULK_MAX_IN_FLIGHT, …) comes from the environment.
 */
import { randomBytes } from 'node:crypto'
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import type { Client } from '@opensearch-project/opensearch'
import { Frame } from '@atproto/xrpc-server'
import { loadConfig, type Config } from '#/config/env.js'
import type { BulkOp } from '#/indexing/bulk-writer.js'
import { readCommitTrusted } from '#/ingest/commit-verifier.js'
import { opsForCommit } from '#/ingest/commit-ops.js'
import { startLiveIngest } from '#/ingest/wire.js'
import { startRollup } from '#/aggregates/rollup.js'
import { createLogger } from '#/log.js'
import { badFrames, firehoseCursor, firehoseEvents, recordsSkipped, worldFiltered } from '#/metrics.js'
import { StateStore } from '#/store/state.js'
import { WorldStore } from '#/world/definition.js'
import { createOpenSearchClient } from '#/store/client.js'
import { applySetup } from '#/store/setup.js'
import { countDocs as countDocsOf, countProblems, type DocCounts } from './doc-counts.js'
import { generateStream } from './gen-stream.js'
import { startIdentityServices } from './identity-services.js'
import { dropBenchPrefix, machineCpuMs, opensearchCpuMs } from './machine-stats.js'
import { postAll, rawBulkSender } from './raw-bulk.js'
import type { RelayWorkerData, RelayWorkerMessage } from './relay-worker.js'
import { loadDidDocs, loadFrames, loadManifest, streamFiles, streamOptions, streamParamsFrom, type StreamManifest, type StreamParams } from './stream-cache.js'

const { values: args } = parseArgs({
  options: {
    modes: { type: 'string', default: 'trusted,verified,raw' },
    ...streamOptions,
    limit: { type: 'string' },
    rate: { type: 'string', default: '0' },
    'sample-every': { type: 'string', default: '100' },
    'relay-hwm': { type: 'string', default: String(1024 * 1024) },
    idle: { type: 'string', default: '10' },
    keep: { type: 'boolean', default: false },
    'raw-rate': { type: 'string', default: '0' },
    rollup: { type: 'boolean', default: false },
    'world-every': { type: 'string', default: '100' },
    /** Index prefix of each mode's run: `<prefix><run id>-<mode>-` (another's benchmark on a shared node keeps apart). */
    prefix: { type: 'string', default: 'bench-live-' },
  },
})

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const OPENSEARCH_URL = process.env.OPENSEARCH_URL || 'http://127.0.0.1:9200'
const now = (): number => performance.timeOrigin + performance.now()
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const out = (line: string): void => {
  process.stdout.write(`${line}\n`)
}

// Stream -------------------------------------------------------------------------------------
const params: StreamParams = streamParamsFrom(args)
const files = streamFiles(params)
await generateStream(params, { log: (s) => process.stderr.write(`${s}\n`) })
const manifest = loadManifest(files.manifest)
const limit = args.limit === undefined ? manifest.frames : Math.min(manifest.frames, Number(args.limit))
const seqLast = manifest.seqFirst + limit - 1
const full = limit === manifest.frames
const sampleEvery = Math.max(50, Number(args['sample-every']))
const samples = new Map<number, string>()
manifest.postSamples.forEach(([seq, uri], i) => {
  if (i % Math.round(sampleEvery / 50) === 0 && seq <= seqLast) samples.set(seq, uri)
})
const modes = args.modes.split(',').map((m) => m.trim()).filter(Boolean)
const rate = Number(args.rate)

// OpenSearch ---------------------------------------------------------------------------------
const client = createOpenSearchClient(OPENSEARCH_URL)
const probe = createOpenSearchClient(OPENSEARCH_URL) // latency probes: never queued behind bulk requests
try {
  await client.cluster.health({ wait_for_status: 'yellow', timeout: '10s' })
} catch (err) {
  out(`OpenSearch at ${OPENSEARCH_URL} does not answer (${String(err)}); start one with scripts/opensearch start`)
  process.exit(1)
}
const runId = randomBytes(3).toString('hex')
const log = createLogger(process.env.LOG_LEVEL ?? 'warn', 'magpie-bench')

// Identity services: a static PLC and a handle resolver, both on loopback ------------------------
const identity = await startIdentityServices(loadDidDocs(files.didDocs))
const handleResolverUrl = identity.handleResolverUrl

// The relay, in its own thread ---------------------------------------------------------------
type SentListener = (msg: Extract<RelayWorkerMessage, { kind: 'sent' }>) => void
let onSent: SentListener = () => {}
let relayUrl = ''
let relayCpu: ((ms: number) => void) | undefined
const relayData: RelayWorkerData = {
  framesFile: files.frames,
  limit,
  seqFirst: manifest.seqFirst,
  sampleSeqs: [...samples.keys()],
  rate,
  highWaterMark: Number(args['relay-hwm']),
}
const relay = new Worker(new URL('./relay-worker.ts', import.meta.url), { workerData: relayData })
await new Promise<void>((resolve, reject) => {
  relay.on('error', reject)
  relay.on('message', (msg: RelayWorkerMessage) => {
    if (msg.kind === 'listening') {
      relayUrl = msg.url
      resolve()
    } else if (msg.kind === 'sent') onSent(msg)
    else if (msg.kind === 'cpu') relayCpu?.(msg.ms)
  })
})
const relayCpuMs = (): Promise<number> =>
  new Promise((resolve) => {
    relayCpu = resolve
    relay.postMessage({ kind: 'cpu' })
  })

// CPU accounting -----------------------------------------------------------------------------
interface CpuSnapshot {
  t: number
  process: number
  mainThread: number
  relayThread: number
  opensearch: number
  machineBusy: number
  machineTotal: number
}

function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100
}

async function snapshot(): Promise<CpuSnapshot> {
  const u = process.cpuUsage()
  const m = machineCpuMs()
  return {
    t: now(),
    process: (u.user + u.system) / 1000,
    mainThread: mainThreadCpuMs(),
    relayThread: await relayCpuMs(),
    opensearch: await opensearchCpuMs(client),
    machineBusy: m.busy,
    machineTotal: m.total,
  }
}

function cpuReport(a: CpuSnapshot, b: CpuSnapshot, events: number): Record<string, number> {
  const s = (ms: number): number => Math.round(ms) / 1000
  const wall = (b.t - a.t) / 1000
  const proc = b.process - a.process
  const main = b.mainThread - a.mainThread
  const relayMs = b.relayThread - a.relayThread
  const osMs = b.opensearch - a.opensearch
  const busy = b.machineBusy - a.machineBusy
  return {
    cpu_window_s: Math.round(wall * 10) / 10,
    cpu_magpie_main_thread_s: s(main),
    cpu_relay_thread_s: s(relayMs),
    cpu_process_other_threads_s: s(proc - main - relayMs),
    cpu_opensearch_s: s(osMs),
    cpu_machine_busy_s: s(busy),
    cpu_other_processes_s: s(busy - proc - osMs),
    machine_busy_pct: Math.round((busy / (b.machineTotal - a.machineTotal)) * 1000) / 10,
    magpie_us_per_event: Math.round(((proc - relayMs) * 1000) / events),
    opensearch_us_per_event: Math.round((osMs * 1000) / events),
  }
}

// Helpers ------------------------------------------------------------------------------------
function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

const dropPrefix = (prefix: string): Promise<void> => dropBenchPrefix(client, prefix)

const countDocs = (prefix: string): Promise<DocCounts> => countDocsOf(client, prefix)
const checkCounts = (c: DocCounts, m: StreamManifest): string[] => (full ? countProblems(c, m.expected) : [])

const results: Record<string, unknown>[] = []

// Magpie modes -------------------------------------------------------------------------------
/**
 * A small world of every Nth account of the stream, stored as `magpie world add` would, and
 * marked as already brought in line (no member to backfill): the run measures the live filter.
 */
async function defineWorld(prefix: string): Promise<number> {
  const every = Math.max(1, Number(args['world-every']))
  const dids = Object.keys(loadDidDocs(files.didDocs)).sort().filter((_, i) => i % every === 0)
  await new WorldStore(client, prefix).update((w) => ({ ...w, selectors: dids.map((did) => ({ kind: 'account' as const, did })) }))
  await new StateStore(client, prefix).put('world:applied', 'world', { members: dids, definers: [] })
  return dids.length
}

async function runMagpie(mode: 'trusted' | 'verified' | 'world'): Promise<Record<string, unknown>> {
  const prefix = `${args.prefix}${runId}-${mode[0]}-`
  await dropPrefix(prefix)
  await applySetup(client, prefix, log)
  const worldMembers = mode === 'world' ? await defineWorld(prefix) : undefined
  const config: Config = loadConfig({
    ...process.env,
    OPENSEARCH_URL,
    INDEX_PREFIX: prefix,
    PLC_URL: identity.plcUrl,
    HANDLE_RESOLVER_URL: handleResolverUrl,
    HANDLE_RESOLUTION: 'xrpc',
    ALLOW_PRIVATE_NETWORK: 'true',
    VERIFY_COMMITS: String(mode === 'verified'),
  })
  firehoseCursor.set(0)
  const total = async (metric: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> =>
    (await metric.get()).values.reduce((n, v) => n + v.value, 0)
  const eventsBefore = await total(firehoseEvents)
  const badBefore = await total(badFrames)
  const skippedBefore = await total(recordsSkipped)
  const filteredBefore = await total(worldFiltered)

  // Latency probes: posts whose frame went out and that are not searchable yet.
  const pending = new Map<string, number>()
  const latencies: number[] = []
  let firstSent = NaN
  let lastSent = NaN
  onSent = (msg) => {
    if (msg.first) firstSent = msg.t
    if (msg.last) lastSent = msg.t
    const uri = samples.get(msg.seq)
    if (uri) pending.set(uri, msg.t)
  }
  let probing = true
  const alias = `${prefix}posts`
  const prober = (async () => {
    while (probing || pending.size > 0) {
      const started = now()
      if (pending.size > 0) {
        const ids = [...pending.keys()]
        try {
          const res = await probe.search({ index: alias, body: { query: { ids: { values: ids } }, size: ids.length, _source: false } }, { ignore: [404] })
          const t = now()
          for (const hit of ((res.body as any)?.hits?.hits ?? []) as { _id: string }[]) {
            const sent = pending.get(hit._id)
            if (sent !== undefined) {
              latencies.push(t - sent)
              pending.delete(hit._id)
            }
          }
        } catch {
          // the alias may not exist yet
        }
      }
      await sleep(Math.max(0, 50 - (now() - started)))
    }
  })()

  // Progress: the persisted-cursor gauge reaches the last seq once every write is acknowledged.
  const timeline: { t: number; acked: number }[] = []
  let allAcked = NaN
  let cpuAtAck: CpuSnapshot | undefined
  let tracking = true
  const tracker = (async () => {
    while (tracking) {
      const cursor = (await firehoseCursor.get()).values[0]?.value ?? 0
      const t = now()
      if (cursor >= manifest.seqFirst) timeline.push({ t, acked: cursor - manifest.seqFirst + 1 })
      if (cursor >= seqLast && Number.isNaN(allAcked)) {
        allAcked = t
        // The CPU window ends here, not after the idle wait that lets the ingest stop.
        cpuAtAck = await snapshot()
      }
      await sleep(20)
    }
  })()

  process.stderr.write(`[${mode}] ingesting ${limit.toLocaleString('en')} events into ${prefix}* …\n`)
  const cpu0 = await snapshot()
  // The counts rollup beside ingest, as `magpie ingest` runs it (the write-cost trade-off of issue 12).
  const rollupStop = new AbortController()
  const rollup = args.rollup ? startRollup(client, prefix, log, { signal: rollupStop.signal }) : Promise.resolve()
  const summary = await startLiveIngest(config, client, log, { service: relayUrl, exitWhenIdleSec: Number(args.idle) })
  rollupStop.abort()
  await rollup
  tracking = false
  await tracker
  if (Number.isNaN(allAcked)) allAcked = now()
  const cpuEnd = cpuAtAck ?? (await snapshot())
  const probeDeadline = now() + 5000
  probing = false
  while (pending.size > 0 && now() < probeDeadline) await sleep(50)
  const unseen = pending.size
  pending.clear()
  await prober
  onSent = () => {}

  const eventsHandled = (await total(firehoseEvents)) - eventsBefore
  const bad = (await total(badFrames)) - badBefore
  const skipped = (await total(recordsSkipped)) - skippedBefore
  const counts = await countDocs(prefix)
  // A world keeps a part of the stream: the full-stream expectations do not apply.
  const problems = worldMembers === undefined ? checkCounts(counts, manifest) : []
  if (summary.events !== limit) problems.push(`ingest read ${summary.events} events, the relay holds ${limit}`)
  if (summary.rejected > 0) problems.push(`${summary.rejected} writes rejected by OpenSearch`)
  if (bad > 0) problems.push(`${bad} frames or commits refused (bad frame, failed verification)`)
  if (skipped > 0) problems.push(`${skipped} records not indexed (invalid)`)

  const wallS = (allAcked - firstSent) / 1000
  const steady = steadyRate(timeline, limit)
  latencies.sort((a, b) => a - b)
  const result: Record<string, unknown> = {
    bench: 'live-ingest',
    mode,
    run: runId,
    events: limit,
    events_handled: eventsHandled,
    rate_limit: rate || null,
    wall_s: round(wallS, 2),
    events_per_s: Math.round(limit / wallS),
    events_per_s_steady: steady === undefined ? null : Math.round(steady),
    send_span_s: round((lastSent - firstSent) / 1000, 2),
    bulk_ops: summary.ops,
    records_per_s: Math.round(manifest.expected.recordOps * (limit / manifest.frames) / wallS),
    stale: summary.stale,
    rejected: summary.rejected,
    bad_frames: bad,
    records_skipped: skipped,
    record_docs: counts.recordDocs,
    expected_record_docs: full ? manifest.expected.recordDocs : null,
    live_record_docs: counts.liveRecordDocs,
    expected_live_record_docs: full ? manifest.expected.liveRecordDocs : null,
    actors: counts.actors,
    expected_actors: full ? manifest.expected.actors : null,
    docs_match: full && worldMembers === undefined ? problems.length === 0 : null,
    world_members: worldMembers ?? null,
    world_filtered_events: worldMembers === undefined ? null : (await total(worldFiltered)) - filteredBefore,
    latency_samples: latencies.length,
    latency_unseen: unseen,
    p50_ms: round(quantile(latencies, 0.5), 0),
    p90_ms: round(quantile(latencies, 0.9), 0),
    p99_ms: round(quantile(latencies, 0.99), 0),
    max_ms: round(latencies.at(-1) ?? NaN, 0),
    ...cpuReport(cpu0, cpuEnd, limit),
    flush_bytes: config.BULK_FLUSH_BYTES,
    flush_ms: config.BULK_FLUSH_MS,
    max_in_flight: config.BULK_MAX_IN_FLIGHT,
    problems,
  }
  if (!args.keep) await dropPrefix(prefix)
  return result
}

/** Events per second between 10% and 90% of the stream being acknowledged. */
function steadyRate(timeline: { t: number; acked: number }[], total: number): number | undefined {
  const at = (fraction: number) => timeline.find((p) => p.acked >= total * fraction)
  const a = at(0.1)
  const b = at(0.9)
  if (!a || !b || b.t <= a.t) return undefined
  return (b.acked - a.acked) / ((b.t - a.t) / 1000)
}

function round(x: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

// Raw _bulk ceiling --------------------------------------------------------------------------
async function runRaw(): Promise<Record<string, unknown>> {
  const prefix = `${args.prefix}${runId}-r-`
  await dropPrefix(prefix)
  await applySetup(client, prefix, log)
  const config = loadConfig({ ...process.env, INDEX_PREFIX: prefix })
  process.stderr.write(`[raw] building the documents of ${limit.toLocaleString('en')} events with Magpie's transforms (not timed) …\n`)
  const frames = (await loadFrames(files.frames)).slice(0, limit)
  const indexedAt = new Date().toISOString()
  const batches: Buffer[] = []
  const batchDocs: number[] = []
  let lines: string[] = []
  let size = 0
  let docs = 0
  const seal = (): void => {
    if (lines.length === 0) return
    batches.push(Buffer.from(lines.join('')))
    batchDocs.push(lines.length)
    lines = []
    size = 0
  }
  for (const chunk of frames) {
    const frame = Frame.fromBytes(chunk)
    if (!frame.isMessage() || frame.type !== '#commit') continue
    const read = readCommitTrusted(frame.body as never)
    if (!read.ok) continue
    for (const op of opsForCommit(prefix, read.ops, indexedAt, log) as BulkOp[]) {
      lines.push(`${JSON.stringify(op.action)}\n${op.body}\n`)
      docs++
      // The same sealing rule as Magpie's BulkWriter: body bytes + 120 per op.
      size += (op.body?.length ?? 0) + 120
      if (size >= config.BULK_FLUSH_BYTES) seal()
    }
  }
  seal()
  frames.length = 0

  process.stderr.write(`[raw] sending ${docs.toLocaleString('en')} documents in ${batches.length} _bulk requests, ${config.BULK_MAX_IN_FLIGHT} in flight …\n`)
  const sender = rawBulkSender(OPENSEARCH_URL, config.BULK_MAX_IN_FLIGHT)
  const cpu0 = await snapshot()
  const t0 = now()
  // --raw-rate paces the requests to that many documents per second (OpenSearch's cost per
  // document depends on how fast documents arrive: refreshes make smaller segments to merge).
  const rawRate = Number(args['raw-rate'])
  const docsBefore: number[] = []
  for (let i = 0, n = 0; i < batches.length; i++) {
    docsBefore.push(n)
    n += batchDocs[i]!
  }
  await postAll(sender, batches.length, (i) => batches[i]!, config.BULK_MAX_IN_FLIGHT, async (i) => {
    if (rawRate > 0) await sleep(Math.max(0, t0 + (docsBefore[i]! * 1000) / rawRate - now()))
  })
  const t1 = now()
  const cpu1 = await snapshot()
  sender.close()
  const { stale, itemErrors } = sender.result
  const counts = await countDocs(prefix)
  const problems = checkCounts(counts, manifest)
  if (itemErrors > 0) problems.push(`${itemErrors} bulk items failed`)
  const wallS = (t1 - t0) / 1000
  const result: Record<string, unknown> = {
    bench: 'live-ingest',
    mode: 'raw-bulk',
    run: runId,
    events: limit,
    docs,
    requests: batches.length,
    raw_rate_limit: rawRate || null,
    wall_s: round(wallS, 2),
    docs_per_s: Math.round(docs / wallS),
    events_per_s_equivalent: Math.round(limit / wallS),
    record_docs: counts.recordDocs,
    expected_record_docs: full ? manifest.expected.recordDocs : null,
    docs_match: full ? problems.length === 0 : null,
    stale,
    item_errors: itemErrors,
    ...cpuReport(cpu0, cpu1, limit),
    flush_bytes: config.BULK_FLUSH_BYTES,
    max_in_flight: config.BULK_MAX_IN_FLIGHT,
    problems,
  }
  if (!args.keep) await dropPrefix(prefix)
  return result
}

// Run ----------------------------------------------------------------------------------------
out(
  `stream ${path.basename(files.frames)}: ${limit.toLocaleString('en')} events (${manifest.counts.commit?.toLocaleString('en')} commits in the full stream, ` +
    `${(manifest.frameBytes / manifest.frames).toFixed(0)} B/frame avg), ${samples.size} latency probes, relay ${rate ? `paced at ${rate}/s` : 'as fast as the client reads'}`,
)
try {
  for (const mode of modes) {
    if (mode === 'trusted' || mode === 'verified' || mode === 'world') results.push(await runMagpie(mode))
    else if (mode === 'raw') results.push(await runRaw())
    else throw new Error(`unknown mode ${mode}`)
    const r = results.at(-1)!
    process.stderr.write(`[${r.mode}] done: ${JSON.stringify(r)}\n`)
  }
} finally {
  relay.postMessage({ kind: 'close' })
  await identity.close()
  await client.close()
  await probe.close()
}

const raw = results.find((r) => r.mode === 'raw-bulk')
for (const r of results) {
  if (raw && r.mode !== 'raw-bulk') r.magpie_vs_raw = round(Number(r.wall_s) > 0 ? Number(raw.wall_s) / Number(r.wall_s) : NaN, 3)
}

out('')
out('mode        events/s  steady/s  p50 ms  p99 ms  docs (expected)        Magpie µs/ev  OpenSearch µs/ev  machine busy')
for (const r of results) {
  const docs = `${r.record_docs} (${r.expected_record_docs ?? '-'})`
  const rateCol = r.mode === 'raw-bulk' ? r.events_per_s_equivalent : r.events_per_s
  out(
    `${String(r.mode).padEnd(10)} ${String(rateCol).padStart(9)} ${String(r.events_per_s_steady ?? '-').padStart(9)} ${String(r.p50_ms ?? '-').padStart(7)} ${String(r.p99_ms ?? '-').padStart(7)}  ` +
      `${docs.padEnd(22)} ${String(r.magpie_us_per_event).padStart(12)} ${String(r.opensearch_us_per_event).padStart(17)} ${String(r.machine_busy_pct).padStart(12)}%` +
      `${(r.problems as string[]).length ? `  PROBLEMS: ${(r.problems as string[]).join('; ')}` : ''}`,
  )
}
if (raw) for (const r of results) if (r.mode !== 'raw-bulk') out(`${r.mode}: Magpie took ${(1 / Number(r.magpie_vs_raw)).toFixed(2)}× the raw _bulk time for the same documents (Magpie/raw rate ${r.magpie_vs_raw})`)
out('')
mkdirSync(path.join(BENCH_DIR, 'results'), { recursive: true })
for (const r of results) {
  const line = JSON.stringify(r)
  out(line)
  appendFileSync(path.join(BENCH_DIR, 'results', 'live-ingest.jsonl'), `${line}\n`)
}
process.exit(0)
