/**
 * App mix capacity: how many requests a second of the Bluesky app's real request mix Magpie
 * answers with p99 ≤ 150 ms, on the read benchmark's corpus, while live ingest writes into the
 * same indices. Not a test: it prints JSON lines and a table, and appends to
 * bench/results/app-mix.jsonl.
 *
 *   node --import tsx bench/app-mix.ts [--manifest FILE | --records 10000000 --accounts 50000 --seed 1]
 *     [--rates 2,4,8,16,32,64,128,256] [--phase-seconds 60] [--warmup-seconds 10]
 *     [--people 200] [--src DIR] [--server-cmd CMD] [--ingest-cmd CMD]
 *     [--no-ingest] [--ingest-rate 1000] [--stream-events 150000 --stream-accounts 2000]
 *     [--stream-offset auto|N] [--baseline-seconds 20] [--bound-ms 150] [--timeout-ms 10000]
 *     [--trace N [--trace-kinds a,b] [--trace-dump FILE]]
 *
 * - The server under test is `magpie serve` in a child process (from `--src DIR`, default this
 *   checkout; or `--server-cmd`, run in DIR with PORT etc. in its environment), over the
 *   corpus's prefix, READ_CACHE_MS at its default, LOG_LEVEL=warn, viewers resolved through a
 *   local PLC. Its CPU is read from /proc for its whole process tree.
 * - Live ingest is `magpie ingest` in another child process from the same checkout (or
 *   `--ingest-cmd`), fed by the replay relay (relay-worker.ts, in this process) with a cached
 *   generated stream (gen-stream.ts; made if missing) paced at `--ingest-rate` events/s, trusted
 *   (VERIFY_COMMITS=false, like bench/live-ingest.ts's "trusted"). Each run continues the stream
 *   where the previous run on the same prefix stopped (`--stream-offset auto`, from
 *   app-mix.jsonl): replaying frames already indexed would only meet stale versions, cheaper
 *   than real writes. The rate reported is the frames the relay handed over per second.
 * - People: `--people` accounts of the corpus (the planted timeline and notification viewers,
 *   the prolific author, the popular accounts, then accounts that follow others), each with a
 *   key of its own in the PLC and a fresh service JWT per request. The mix, its weights and
 *   where they come from: app-mix-kinds.ts (and bench/README.md, "App mix capacity").
 * - Open loop (app-mix-client.ts, a worker thread): arrivals at fixed intervals of 1/R, each a
 *   kind drawn by weight for a random person, sent on time whatever is still in flight;
 *   latency from the scheduled time. Each rate of the ladder: a warm-up, then the measured
 *   phase. The ladder stops once p99 passes 4× the bound or errors pass 1 %.
 * - Per phase: per kind count, p50/p99, errors (first body); overall p50/p99; OpenSearch CPU ms
 *   per request (gross, and net of what ingest alone costs it, measured in a baseline phase
 *   before the ladder), Magpie server CPU ms per request, ingest process CPU, relay rate,
 *   machine busy, load average. Capacity = the highest rate with p99 ≤ the bound and < 0.1 %
 *   errors.
 * OpenSearch: OPENSEARCH_URL, else http://127.0.0.1:9200.
 */
import { randomBytes } from 'node:crypto'
import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { atprotoDidDocument } from '#devnet/static-plc.js'
import { createOpenSearchClient } from '#/store/client.js'
import { MIX, PER_MINUTE, mixFractions } from './app-mix-kinds.js'
import { choosePeople, corpusOptions, markNotificationsSeen, mixMaterial, readCorpusManifest } from './app-mix-people.js'
import { RESULTS_DIR, resultsEmitter } from './results-file.js'
import type { ClientMessage, ClientReply, PhaseResult } from './app-mix-client.js'
import { freePort, magpieEnv, startChild, waitHealthy, type Child } from './app-mix-children.js'
import { FEED_PUBLISHER, feedGeneratorFrame, feedPublisherDoc, feedUri, plantFeedGenerator } from './app-mix-feed.js'
import { generateStream } from './gen-stream.js'
import { startIdentityServices } from './identity-services.js'
import { machineCpuMs, opensearchCpuMs, opensearchPid, processCpuMs } from './machine-stats.js'
import { latencyStats } from './read-latency-client.js'
import { startRelayThread, type RelayThread } from './relay-thread.js'
import type { RelayWorkerData } from './relay-worker.js'
import { loadDidDocs, loadManifest, streamFiles, streamName, type StreamParams } from './stream-cache.js'

const { values: args } = parseArgs({
  options: {
    ...corpusOptions({ records: '10000000', accounts: '50000', seed: '1' }),
    rates: { type: 'string', default: '2,4,8,16,32,64,128,256' },
    'phase-seconds': { type: 'string', default: '60' },
    'warmup-seconds': { type: 'string', default: '10' },
    'baseline-seconds': { type: 'string', default: '20' },
    people: { type: 'string', default: '200' },
    src: { type: 'string' },
    'server-cmd': { type: 'string' },
    'ingest-cmd': { type: 'string' },
    'no-ingest': { type: 'boolean', default: false },
    'ingest-rate': { type: 'string', default: '1000' },
    'stream-events': { type: 'string', default: '150000' },
    'stream-accounts': { type: 'string', default: '2000' },
    'stream-seed': { type: 'string', default: '1' },
    'stream-offset': { type: 'string', default: 'auto' },
    'bound-ms': { type: 'string', default: '150' },
    'timeout-ms': { type: 'string', default: '10000' },
    'stop-factor': { type: 'string', default: '4' },
    'stop-errors': { type: 'string', default: '0.01' },
    trace: { type: 'string', default: '0' },
    'trace-kinds': { type: 'string' },
    'trace-dump': { type: 'string' },
  },
})

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const OPENSEARCH_URL = process.env.OPENSEARCH_URL || 'http://127.0.0.1:9200'
const SERVICE_DID = 'did:web:appmix.magpie.test'
const FEED_URI = feedUri('whats-hot')
/** The generator record's frame, sent before the stream's (counted in the relay's progress). */
const PRELUDE_FRAMES = 1
const RESULTS = path.join(RESULTS_DIR, 'app-mix.jsonl')
const run = randomBytes(3).toString('hex')
const src = path.resolve(args.src ?? path.join(BENCH_DIR, '..'))
const rates = args.rates!.split(',').map(Number)
const phaseSeconds = Number(args['phase-seconds'])
const warmupSeconds = Number(args['warmup-seconds'])
const boundMs = Number(args['bound-ms'])
const traceN = Number(args.trace)
const ingestRate = args['no-ingest'] || traceN > 0 ? 0 : Number(args['ingest-rate'])
const note = (line: string): void => void process.stderr.write(`${line}\n`)
const round = (x: number, d = 0): number => Math.round(x * 10 ** d) / 10 ** d
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const emit = resultsEmitter('app-mix', run)

// The corpus -------------------------------------------------------------------------------------
const corpus = readCorpusManifest({ manifest: args.manifest, records: Number(args.records), accounts: Number(args.accounts), seed: Number(args.seed) })
const { prefix, planted } = corpus
const client = createOpenSearchClient(OPENSEARCH_URL)
const docsAtStart = Number(((await client.count({ index: `${prefix}*` })).body as { count: number }).count)
note(`corpus ${prefix}*: ${docsAtStart.toLocaleString('en')} documents; server code from ${src}`)

const people = await choosePeople(client, prefix, planted, Number(args.people))
await markNotificationsSeen(client, prefix, people.map((p) => p.did))
const material = await mixMaterial(client, prefix, planted, { seed: Number(args.seed), feedUri: FEED_URI })
note(`${people.length} people, ${material.samplePosts.length} sample posts, ${material.words.length} search words`)

// The people's client thread, and the PLC that knows their keys -----------------------------------
const worker = new Worker(new URL('./app-mix-client.ts', import.meta.url))
const replies: ((r: ClientReply) => void)[] = []
let onEvent: (r: ClientReply) => void | Promise<void> = () => {}
worker.on('message', (r: ClientReply) => {
  if (r.kind === 'measuring' || r.kind === 'scheduled' || r.kind === 'traced' || r.kind === 'trace-done') onEvent(r)
  else replies.shift()?.(r)
})
worker.on('error', (err) => note(`client thread: ${String(err)}`))
const ask = (msg: ClientMessage): Promise<ClientReply> =>
  new Promise((resolve) => {
    replies.push(resolve)
    worker.postMessage(msg)
  })

const serverPort = await freePort()
const base = `http://127.0.0.1:${serverPort}`
const ready = await ask({ kind: 'init', base, serviceDid: SERVICE_DID, people: people.map((p) => p.did), material, seed: Number(args.seed), timeoutMs: Number(args['timeout-ms']) })
if (ready.kind !== 'ready') throw new Error(`client thread: ${JSON.stringify(ready)}`)
const viewerDocs = Object.fromEntries(
  people.map((p) => [p.did, atprotoDidDocument(p.did, { handle: p.handle, signingKeyMultibase: ready.signingKeys[p.did]!, pds: 'https://pds.readbench.example' })]),
)

// The stream, its relay, and the identity services both children use -----------------------------
const streamParams: StreamParams = { accounts: Number(args['stream-accounts']), events: Number(args['stream-events']), seed: Number(args['stream-seed']), p256Share: 0.1 }
let streamDocs: Record<string, unknown> = {}
let relay: RelayThread | undefined
let relayUrl = ''
let streamWindow: { stream: string; from: number; frames: number } | undefined

if (ingestRate > 0) {
  const files = streamFiles(streamParams)
  await generateStream(streamParams, { log: note })
  const sm = loadManifest(files.manifest)
  streamDocs = loadDidDocs(files.didDocs)
  const name = streamName(streamParams)
  const from = streamOffset(name, sm.frames)
  const needed = Math.ceil(ingestRate * (Number(args['baseline-seconds']) + rates.length * (phaseSeconds + warmupSeconds + 30)))
  if (sm.frames - from < needed) note(`warning: the stream has ${sm.frames - from} frames left from ${from}, the run may need ~${needed} at ${ingestRate}/s: ingest will stop early (generate a longer one with --stream-events)`)
  // The feed's generator record goes first, on a seq just below the window's.
  const prelude = [feedGeneratorFrame({ rkey: 'whats-hot', serviceDid: SERVICE_DID, seq: sm.seqFirst + from - 1 })]
  const data: RelayWorkerData = { framesFile: files.frames, offset: from, seqFirst: sm.seqFirst, prelude, sampleSeqs: [], rate: ingestRate, highWaterMark: 1024 * 1024 }
  relay = await startRelayThread(data)
  relayUrl = relay.url
  streamWindow = { stream: name, from, frames: relay.frames }
  note(`relay ${relayUrl}: ${name}, frames ${from}…${from + relay.frames - 1}, paced at ${ingestRate}/s`)
}
// Without ingest nothing publishes the feed's generator record: it is written straight in.
if (ingestRate === 0) await plantFeedGenerator(client, prefix, { rkey: 'whats-hot', serviceDid: SERVICE_DID })
const publisherDoc = { [FEED_PUBLISHER]: feedPublisherDoc(Object.values(ready.signingKeys)[0]!) }
const identity = await startIdentityServices({ ...streamDocs, ...viewerDocs, ...publisherDoc })

// The children -----------------------------------------------------------------------------------
const childEnv = magpieEnv({ opensearchUrl: OPENSEARCH_URL, prefix, identity, serviceDid: SERVICE_DID, port: serverPort, relayUrl })
if (traceN > 0) {
  await trace(traceN)
  worker.postMessage({ kind: 'close' } satisfies ClientMessage)
  await identity.close()
  await client.close()
  process.exit(0)
}
const children: Child[] = []
let server: Child | undefined
let ingest: Child | undefined
const rows: Record<string, any>[] = []
try {
  server = startChild({ name: 'server', src, args: ['serve'], command: args['server-cmd'], env: childEnv, log: note })
  children.push(server)
  await waitHealthy(`${base}/_health`, server)
  note(`server pid ${server.pid} at ${base}`)
  if (relay) {
    ingest = startChild({ name: 'ingest', src, args: ['ingest'], command: args['ingest-cmd'], env: childEnv, log: note })
    children.push(ingest)
    const deadline = Date.now() + 120_000
    while ((await relay.sent()) === 0) {
      if (ingest.exited() || Date.now() > deadline) throw new Error('live ingest did not connect to the relay')
      await sleep(250)
    }
    note(`ingest pid ${ingest.pid} reading the relay`)
  }

  emit({ part: 'setup', prefix, docs: docsAtStart, src, serverCmd: args['server-cmd'] ?? 'magpie serve', ingestCmd: relay ? args['ingest-cmd'] ?? 'magpie ingest' : null, ingestRate, stream: streamWindow, people: people.length, mix: mixFractions(), perPersonPerMinute: PER_MINUTE, phaseSeconds, warmupSeconds, boundMs, cores: os.cpus().length })

  // Ingest alone: what it costs OpenSearch, so that the phases can be charged net of it.
  let osMsPerEvent = 0
  const baselineSeconds = Number(args['baseline-seconds'])
  if (relay && baselineSeconds > 0) {
    await sleep(5_000) // past the connection's start
    const a = await snapshot()
    await sleep(baselineSeconds * 1000)
    const b = await snapshot()
    const d = delta(a, b)
    osMsPerEvent = d.events > 0 ? d.opensearchMs / d.events : 0
    const row = { part: 'baseline', seconds: round(d.seconds, 1), ingestEventsPerS: round(d.events / d.seconds), opensearchCpuMsPerEvent: round(osMsPerEvent, 3), ingestCpuMsPerEvent: d.events ? round(d.ingestMs / d.events, 3) : null, serverCpuMs: d.serverMs, machineBusy: round(d.busy, 2), loadavg: os.loadavg().map((x) => round(x, 2)) }
    emit(row)
    note(`ingest alone: ${row.ingestEventsPerS} events/s, OpenSearch ${row.opensearchCpuMsPerEvent} ms CPU/event, ingest ${row.ingestCpuMsPerEvent} ms CPU/event, machine ${row.machineBusy}`)
  }

  for (const rate of rates) {
    note(`rate ${rate}/s: minting ${Math.round(rate * (warmupSeconds + phaseSeconds))} tokens, ${warmupSeconds} s warm-up, ${phaseSeconds} s measured …`)
    let a: Snapshot | undefined
    let b: Snapshot | undefined
    const marks: Promise<void>[] = []
    onEvent = (r) => {
      if (r.kind === 'measuring') marks.push(snapshot().then((s) => void (a = s)))
      if (r.kind === 'scheduled') marks.push(snapshot().then((s) => void (b = s)))
    }
    const reply = await ask({ kind: 'phase', rate, warmupSeconds, seconds: phaseSeconds })
    await Promise.all(marks)
    if (reply.kind !== 'result') throw new Error(`client thread: ${JSON.stringify(reply)}`)
    const row = phaseRow(rate, reply.result, delta(a!, b!), osMsPerEvent)
    rows.push(row)
    emit(row)
    note(`rate ${rate}/s: p50 ${row.p50} ms, p99 ${row.p99} ms, errors ${row.errors} (${round(row.errorRate * 100, 2)} %), ${row.achievedRps} req/s answered, server ${row.serverCpuMsPerRequest} ms CPU/req, OpenSearch ${row.opensearchCpuMsPerRequest} (net ${row.opensearchNetCpuMsPerRequest}) ms CPU/req, ingest ${row.ingestEventsPerS} ev/s, machine ${row.machineBusy}`)
    if (row.p99 > Number(args['stop-factor']) * boundMs || row.errorRate > Number(args['stop-errors'])) {
      note(`stopping the ladder: p99 ${row.p99} ms, errors ${round(row.errorRate * 100, 2)} %`)
      break
    }
    if (server.exited() || ingest?.exited()) throw new Error('a child process exited during the run')
  }
} finally {
  let sent: number | undefined
  if (relay) sent = await relay.sent()
  for (const c of children.reverse()) await c.stop().catch((err) => note(`${c.name}: ${String(err)}`))
  if (relay && streamWindow) {
    // Where the next run on this prefix continues.
    emit({ part: 'ingest-window', prefix, stream: streamWindow.stream, from: streamWindow.from, to: streamWindow.from + Math.min(Math.max(0, (sent ?? 0) - PRELUDE_FRAMES), streamWindow.frames) })
    relay.close()
  }
  worker.postMessage({ kind: 'close' } satisfies ClientMessage)
  await identity.close()
}

const passing = rows.filter((r) => r.p99 <= boundMs && r.errorRate < 0.001)
const capacity = passing.length ? Math.max(...passing.map((r) => r.rate)) : 0
emit({ part: 'capacity', boundMs, capacityRps: capacity, peopleEquivalent: Math.round((capacity * 60) / PER_MINUTE), rates: rows.map((r) => ({ rate: r.rate, p99: r.p99, errorRate: r.errorRate })) })
printTable()
await client.close()
process.exit(0)

// ------------------------------------------------------------------------------------------------

/**
 * `--trace N`: N requests of each kind (or of `--trace-kinds a,b` only) one at a time against this checkout's server started in
 * this process, its OpenSearch client traced (read-trace.ts): calls, searches and the shards they
 * ran on, per request kind. Nothing else runs meanwhile (no ingest, no other requests).
 * `--trace-dump FILE` appends each request's calls as sent (a JSON line: kind, calls), for
 * trace-replay.ts to replay them one by one.
 */
async function trace(perKind: number): Promise<void> {
  const { startServer } = await import('#/cli/commands/serve.js')
  const { loadConfig } = await import('#/config/env.js')
  const { createLogger } = await import('#/log.js')
  const { traceClient } = await import('./read-trace.js')
  const tracedClient = createOpenSearchClient(OPENSEARCH_URL)
  const tracer = traceClient(tracedClient)
  const httpServer = await startServer(loadConfig(childEnv as Record<string, string | undefined>), tracedClient, createLogger('warn', 'magpie-bench'))
  const seen = new Map<string, { ms: number; status: number; calls: number; searches: number; shards: number; mgetDocs: number; osMs: number; serverMs: number; what: string[] }[]>()
  // CPU of one request: OpenSearch's process in /proc (10 ms ticks, so averaged over N) and this
  // process's (the in-process server; the client thread's share is small), read around it.
  const osPid = await opensearchPid(client)
  const osCpu = async (): Promise<number> => (osPid !== undefined ? processCpuMs(osPid) : undefined) ?? opensearchCpuMs(client)
  let osBefore = 0
  let cpuBefore = process.cpuUsage()
  const mark = async (): Promise<void> => {
    osBefore = await osCpu()
    cpuBefore = process.cpuUsage()
  }
  await new Promise<void>((resolve) => {
    onEvent = async (r) => {
      if (r.kind === 'trace-done') return resolve()
      if (r.kind !== 'traced') return
      // An answer that is not 200 is the benchmark's or the server's bug: show it, do not just count it.
      if (r.status !== 200) note(`${r.request}: ${r.status} ${r.path} ${r.error ?? ''}`)
      const cpu = process.cpuUsage(cpuBefore)
      const calls = tracer.end()
      const osMs = (await osCpu()) - osBefore
      const list = seen.get(r.request) ?? []
      list.push({
        ms: r.ms,
        status: r.status,
        calls: calls.length,
        searches: calls.reduce((n, c) => n + (c.shards?.length ?? 0), 0),
        shards: calls.reduce((n, c) => n + (c.shards ?? []).reduce((a, b) => a + b, 0), 0),
        mgetDocs: calls.reduce((n, c) => n + (c.docs?.length ?? 0), 0),
        osMs,
        serverMs: (cpu.user + cpu.system) / 1000,
        what: calls.flatMap((c) => c.what.map((w) => `${c.op.replace(/^\w+ \//, '')} ${w}`)),
      })
      seen.set(r.request, list)
      if (args['trace-dump']) appendFileSync(args['trace-dump'], JSON.stringify({ kind: r.request, calls }) + '\n')
      await mark()
      tracer.begin()
      worker.postMessage({ kind: 'next' } satisfies ClientMessage)
    }
    void mark().then(() => {
      tracer.begin()
      worker.postMessage({ kind: 'trace', perKind, kinds: args['trace-kinds']?.split(',') } satisfies ClientMessage)
    })
  })
  tracer.end()
  await new Promise<void>((resolve) => httpServer.close(() => resolve()))
  httpServer.closeAllConnections()
  await tracedClient.close()
  const mean = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length), 1)
  note('')
  note(`${'kind'.padEnd(14)} ${'n'.padStart(3)} ${'ms p50'.padStart(7)} ${'calls'.padStart(6)} ${'searches'.padStart(9)} ${'shard searches'.padStart(15)} ${'mget docs'.padStart(10)} ${'OS ms'.padStart(6)} ${'srv ms'.padStart(6)}`)
  for (const e of MIX) {
    const list = seen.get(e.kind) ?? []
    const sorted = [...list].sort((a, b) => a.ms - b.ms)
    const median = sorted[Math.floor(sorted.length / 2)]
    const row = {
      part: 'trace',
      kind: e.kind,
      n: list.length,
      errors: list.filter((x) => x.status !== 200).length,
      p50: median ? round(median.ms, 1) : null,
      callsPerRequest: mean(list.map((x) => x.calls)),
      searchesPerRequest: mean(list.map((x) => x.searches)),
      shardSearchesPerRequest: mean(list.map((x) => x.shards)),
      mgetDocsPerRequest: mean(list.map((x) => x.mgetDocs)),
      opensearchCpuMsPerRequest: mean(list.map((x) => x.osMs)),
      serverCpuMsPerRequest: mean(list.map((x) => x.serverMs)),
      medianRequestCalls: median?.what ?? [],
    }
    emit(row)
    note(`${e.kind.padEnd(14)} ${String(row.n).padStart(3)} ${String(row.p50).padStart(7)} ${String(row.callsPerRequest).padStart(6)} ${String(row.searchesPerRequest).padStart(9)} ${String(row.shardSearchesPerRequest).padStart(15)} ${String(row.mgetDocsPerRequest).padStart(10)} ${String(row.opensearchCpuMsPerRequest).padStart(6)} ${String(row.serverCpuMsPerRequest).padStart(6)}`)
  }
  const weighted = (f: (r: { shards: number; searches: number; calls: number; osMs: number; serverMs: number }) => number) =>
    round(MIX.reduce((n, e) => n + (e.perMinute / PER_MINUTE) * mean((seen.get(e.kind) ?? []).map(f)), 0), 1)
  const mixRow = { part: 'trace-mix', callsPerRequest: weighted((r) => r.calls), searchesPerRequest: weighted((r) => r.searches), shardSearchesPerRequest: weighted((r) => r.shards), opensearchCpuMsPerRequest: weighted((r) => r.osMs), serverCpuMsPerRequest: weighted((r) => r.serverMs) }
  emit(mixRow)
  note(`the mix, weighted: ${mixRow.callsPerRequest} OpenSearch calls, ${mixRow.searchesPerRequest} searches, ${mixRow.shardSearchesPerRequest} shard searches, OpenSearch ${mixRow.opensearchCpuMsPerRequest} ms and server ${mixRow.serverCpuMsPerRequest} ms CPU per request`)
}

interface Snapshot {
  t: number
  opensearch: number
  server: number
  ingest: number
  self: number
  relaySent: number
  busy: number
  total: number
}

async function snapshot(): Promise<Snapshot> {
  const m = machineCpuMs()
  return {
    t: performance.now(),
    opensearch: await opensearchCpuMs(client),
    server: server?.cpuMs() ?? 0,
    ingest: ingest?.cpuMs() ?? 0,
    self: processCpuMs(process.pid) ?? 0,
    relaySent: relay ? (await relay.sent()) : 0,
    busy: m.busy,
    total: m.total,
  }
}

function delta(a: Snapshot, b: Snapshot) {
  return {
    seconds: (b.t - a.t) / 1000,
    opensearchMs: b.opensearch - a.opensearch,
    serverMs: b.server - a.server,
    ingestMs: b.ingest - a.ingest,
    benchMs: b.self - a.self,
    events: b.relaySent - a.relaySent,
    busy: (b.busy - a.busy) / (b.total - a.total),
  }
}

function phaseRow(rate: number, r: PhaseResult, d: ReturnType<typeof delta>, osMsPerEvent: number): Record<string, any> {
  const all: number[] = []
  let errors = 0
  const byKind: Record<string, unknown> = {}
  for (const e of MIX) {
    const k = r.byKind[e.kind]!
    all.push(...k.latencies)
    const bad = Object.entries(k.statuses).reduce((n, [s, c]) => n + (s === '200' || s === 'refused' ? 0 : c), 0)
    errors += bad
    const s = latencyStats(k.latencies)
    byKind[e.kind] = { n: s.n, p50: s.p50, p99: s.p99, max: s.max, errors: bad, refused: k.statuses.refused ?? 0, kbPerAnswer: s.n ? round(k.bytes / s.n / 1024, 1) : null, ...(k.firstError ? { firstError: k.firstError } : {}) }
  }
  const s = latencyStats(all)
  const n = all.length
  const opensearchNet = d.opensearchMs - osMsPerEvent * d.events
  return {
    part: 'phase',
    rate,
    seconds: phaseSeconds,
    scheduled: r.scheduled,
    answered: r.answered,
    achievedRps: round(r.answered / (r.wallMs / 1000), 1),
    p50: s.p50,
    p90: s.p90,
    p99: s.p99,
    max: s.max,
    errors,
    errorRate: n ? errors / n : 1,
    byKind,
    serverCpuMsPerRequest: n ? round(d.serverMs / n, 2) : null,
    opensearchCpuMsPerRequest: n ? round(d.opensearchMs / n, 2) : null,
    opensearchNetCpuMsPerRequest: n ? round(opensearchNet / n, 2) : null,
    ingestEventsPerS: round(d.events / d.seconds),
    ingestCpuMsPerS: round(d.ingestMs / d.seconds),
    serverCpuCores: round(d.serverMs / 1000 / d.seconds, 2),
    opensearchCpuCores: round(d.opensearchMs / 1000 / d.seconds, 2),
    benchCpuCores: round(d.benchMs / 1000 / d.seconds, 2),
    machineBusy: round(d.busy, 2),
    loadavg: os.loadavg().map((x) => round(x, 2)),
    clientSendLagP99: r.sendLagP99,
    clientSendLagMax: r.sendLagMax,
    tokenMintMs: r.tokenMintMs,
  }
}

function printTable(): void {
  const out = (line: string): void => void process.stdout.write(`${line}\n`)
  out('')
  out(`App mix on ${prefix}* (${docsAtStart.toLocaleString('en')} docs), server from ${src}, ingest ${ingestRate ? `${ingestRate}/s` : 'off'}, ${people.length} people, ${phaseSeconds} s phases`)
  const kinds = MIX.map((e) => e.kind)
  out(`${'rate'.padStart(5)} ${'ans/s'.padStart(6)} ${'p50'.padStart(6)} ${'p99'.padStart(7)} ${'err'.padStart(5)} ${'srv ms'.padStart(7)} ${'OS ms'.padStart(6)} ${'OS net'.padStart(6)} ${'ing/s'.padStart(6)} ${'busy'.padStart(5)}  ${kinds.map((k) => `${k} p50/p99`).join('  ')}`)
  for (const r of rows) {
    const per = kinds.map((k) => {
      const s = r.byKind[k] as { n: number; p50: number; p99: number; errors: number }
      return `${s.n ? `${Math.round(s.p50)}/${Math.round(s.p99)}` : '-'}${s.errors ? ` (${s.errors} err)` : ''}`.padEnd(k.length + 9)
    })
    out(`${String(r.rate).padStart(5)} ${String(r.achievedRps).padStart(6)} ${r.p50.toFixed(0).padStart(6)} ${r.p99.toFixed(0).padStart(7)} ${String(r.errors).padStart(5)} ${String(r.serverCpuMsPerRequest).padStart(7)} ${String(r.opensearchCpuMsPerRequest).padStart(6)} ${String(r.opensearchNetCpuMsPerRequest).padStart(6)} ${String(r.ingestEventsPerS).padStart(6)} ${r.machineBusy.toFixed(2).padStart(5)}  ${per.join('  ')}`)
  }
  out(`capacity (p99 ≤ ${boundMs} ms, < 0.1 % errors): ${capacity} requests/s ≈ ${Math.round((capacity * 60) / PER_MINUTE)} people using the app at once`)
}

/** Where this run's window of the stream starts: after the last run's on this prefix, unless told. */
function streamOffset(name: string, frames: number): number {
  if (args['stream-offset'] !== 'auto') return Number(args['stream-offset'])
  let from = 0
  if (existsSync(RESULTS)) {
    for (const line of readFileSync(RESULTS, 'utf8').split('\n')) {
      if (!line.includes('"ingest-window"')) continue
      try {
        const row = JSON.parse(line) as { prefix: string; stream: string; to: number }
        if (row.prefix === prefix && row.stream === name) from = Math.max(from, row.to)
      } catch {
        // a torn line
      }
    }
  }
  if (from >= frames) {
    note(`warning: every frame of ${name} was already replayed into ${prefix}*: starting again from 0 (writes will be stale versions, cheaper than new ones)`)
    return 0
  }
  return from
}
