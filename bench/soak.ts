/**
 * Fault-injected soak (issue 13, "Prove it"): the app's read mix plus live ingest for
 * `--minutes`, while OpenSearch is killed (-9) twice, the ingest process is killed (-9) twice, and
 * OpenSearch answers 429s for a while. At the end: does the index hold exactly what the stream
 * wrote (nothing lost, nothing twice), how long was the API unanswered after each fault, and how
 * did the memory of Magpie's processes move. Not a test: it prints figures and appends JSON lines
 * to bench/results/soak.jsonl (git-ignored).
 *
 *   OPENSEARCH_URL=http://127.0.0.1:9260 OPENSEARCH_DATA=… OPENSEARCH_HEAP=1g \
 *   node --import tsx bench/soak.ts [--records 200000 --accounts 3000 --seed 13 | --manifest FILE]
 *     [--minutes 30] [--ingest-rate 1000] [--read-rate 4] [--people 50] [--stream-accounts 2000]
 *     [--stream-events rate×minutes×60] [--stream-seed 1] [--segment-seconds 15] [--reject-share 0.5]
 *
 * - The corpus is a read corpus (read-corpus.ts) on its own prefix; the stream (gen-stream.ts,
 *   made if missing) must be new to it (another `--stream-seed` for a second run on one corpus),
 *   because the final check is: the corpus's counts before + what the stream must produce.
 * - `magpie serve` and `magpie ingest` run as child processes (app-mix-children.ts), talking to
 *   OpenSearch through a fault proxy (fault-proxy.ts); the read mix is app-mix's open-loop client
 *   thread (app-mix-client.ts), run in segments of `--segment-seconds` so errors can be placed in
 *   time; the relay (relay-worker.ts) paces the stream like a live relay, so a restarted ingest
 *   catches up on what it missed from its saved cursor.
 * - OpenSearch is killed with SIGKILL by the pid its start script recorded and started again with
 *   `scripts/opensearch start` (same environment: OPENSEARCH_DATA, OPENSEARCH_HEAP, …): it must
 *   be a node of yours. OPENSEARCH_URL must be given explicitly for that reason.
 * - A prober asks getProfile every 250 ms: the gap after each fault is from the fault to the
 *   first answer after the last failed probe. The RSS of the server and of each ingest process is
 *   sampled every 5 s; the server's heap in use and what its size-bounded caches hold (its
 *   /metrics) every 30 s, so that a cache filling up to its bound (READ_CACHE_MB, passed through
 *   from this environment) can be told from a leak.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { atprotoDidDocument } from '#devnet/static-plc.js'
import { familyForCollection } from '#/indexing/families.js'
import { createOpenSearchClient } from '#/store/client.js'
import { StateStore, cursorKey } from '#/store/state.js'
import { MIX } from './app-mix-kinds.js'
import type { ClientMessage, ClientReply, PhaseResult } from './app-mix-client.js'
import { freePort, magpieEnv, startChild, waitHealthy, type Child } from './app-mix-children.js'
import { FEED_PUBLISHER, feedGeneratorFrame, feedPublisherDoc, feedUri } from './app-mix-feed.js'
import { choosePeople, corpusOptions, markNotificationsSeen, mixMaterial, readCorpusManifest } from './app-mix-people.js'
import { RESULTS_DIR, resultsEmitter } from './results-file.js'
import { countDocs, countProblems, type DocCounts } from './doc-counts.js'
import { startFaultProxy } from './fault-proxy.js'
import { generateStream } from './gen-stream.js'
import { startIdentityServices } from './identity-services.js'
import { processMemoryMiB } from './machine-stats.js'
import { latencyStats } from './read-latency-client.js'
import { startRelayThread } from './relay-thread.js'
import { loadDidDocs, loadManifest, streamFiles, type StreamParams } from './stream-cache.js'

const { values: args } = parseArgs({
  options: {
    ...corpusOptions({ records: '200000', accounts: '3000', seed: '13' }),
    minutes: { type: 'string', default: '30' },
    'ingest-rate': { type: 'string', default: '1000' },
    'read-rate': { type: 'string', default: '4' },
    people: { type: 'string', default: '50' },
    'stream-accounts': { type: 'string', default: '2000' },
    'stream-events': { type: 'string' },
    'stream-seed': { type: 'string', default: '1' },
    'segment-seconds': { type: 'string', default: '15' },
    'reject-share': { type: 'string', default: '0.5' },
    'catch-up-seconds': { type: 'string', default: '600' },
    'timeout-ms': { type: 'string', default: '10000' },
  },
})

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.join(BENCH_DIR, '..')
const OPENSEARCH_URL = process.env.OPENSEARCH_URL
if (!OPENSEARCH_URL) throw new Error('set OPENSEARCH_URL to a node of your own: the soak kills it (kill -9) twice')
const osPort = new URL(OPENSEARCH_URL).port || '9200'
const osPidFile = path.join(process.env.OPENSEARCH_LOGS ?? path.join(ROOT, '.local', 'opensearch-logs', osPort), 'opensearch.pid')
if (!existsSync(osPidFile)) throw new Error(`no ${osPidFile}: the node at ${OPENSEARCH_URL} must have been started by scripts/opensearch start`)
const SERVICE_DID = 'did:web:soak.magpie.test'
const run = randomBytes(3).toString('hex')
const durationMs = Number(args.minutes) * 60_000
const ingestRate = Number(args['ingest-rate'])
const readRate = Number(args['read-rate'])
const segmentSeconds = Number(args['segment-seconds'])
const note = (line: string): void => void process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`)
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const emit = resultsEmitter('soak', run)

// The corpus, the stream, and a check that the stream is new to the corpus ----------------------
const { prefix, planted } = readCorpusManifest({ manifest: args.manifest, records: Number(args.records), accounts: Number(args.accounts), seed: Number(args.seed) })
const client = createOpenSearchClient(OPENSEARCH_URL)
const streamParams: StreamParams = {
  accounts: Number(args['stream-accounts']),
  events: Number(args['stream-events'] ?? Math.round(ingestRate * Number(args.minutes) * 60)),
  seed: Number(args['stream-seed']),
  p256Share: 0.1,
}
const files = streamFiles(streamParams)
await generateStream(streamParams, { log: note })
const stream = loadManifest(files.manifest)
const streamDocs = loadDidDocs(files.didDocs)
const seqLast = stream.seqFirst + stream.frames - 1
const known = await client.mget({ index: `${prefix}actors-all`, body: { ids: Object.keys(streamDocs).slice(0, 50) } } as any)
if (((known.body as any).docs as { found?: boolean }[]).some((d) => d.found)) {
  throw new Error(`${prefix}* already holds accounts of this stream: the final check needs a stream new to the corpus (another --stream-seed)`)
}
note(`corpus ${prefix}*, stream ${stream.frames.toLocaleString('en')} events (${(stream.frames / ingestRate / 60).toFixed(1)} min at ${ingestRate}/s), run ${args.minutes} min`)

// People and the read mix's client thread (as app-mix.ts) ----------------------------------------
const FEED_URI = feedUri('whats-hot')
const people = await choosePeople(client, prefix, planted, Number(args.people))
await markNotificationsSeen(client, prefix, people.map((p) => p.did))
const material = await mixMaterial(client, prefix, planted, { seed: Number(args.seed), feedUri: FEED_URI })
const before = await countDocs(client, prefix)
// The relay's prelude writes the feed's generator record (by an account of its own): one more
// document and actor, unless an earlier run on this corpus wrote them already.
const generator = familyForCollection('app.bsky.feed.generator').index
const found = async (index: string, id: string): Promise<boolean> => ((await client.get({ index, id }, { ignore: [404] })).body as { found?: boolean }).found === true
const generatorNew = (await found(`${prefix}${generator}`, FEED_URI)) ? 0 : 1
const extra: Partial<DocCounts> = { byIndex: { [generator]: generatorNew }, liveByIndex: { [generator]: generatorNew }, actors: (await found(`${prefix}actors-all`, FEED_PUBLISHER)) ? 0 : 1 }
const serverPort = await freePort()
const base = `http://127.0.0.1:${serverPort}`
const worker = new Worker(new URL('./app-mix-client.ts', import.meta.url))
const replies: ((r: ClientReply) => void)[] = []
worker.on('message', (r: ClientReply) => {
  if (r.kind !== 'measuring' && r.kind !== 'scheduled') replies.shift()?.(r)
})
const ask = (msg: ClientMessage): Promise<ClientReply> =>
  new Promise((resolve) => {
    replies.push(resolve)
    worker.postMessage(msg)
  })
const ready = await ask({ kind: 'init', base, serviceDid: SERVICE_DID, people: people.map((p) => p.did), material, seed: Number(args.seed), timeoutMs: Number(args['timeout-ms']) })
if (ready.kind !== 'ready') throw new Error(`client thread: ${JSON.stringify(ready)}`)
const viewerDocs = Object.fromEntries(people.map((p) => [p.did, atprotoDidDocument(p.did, { handle: p.handle, signingKeyMultibase: ready.signingKeys[p.did]!, pds: 'https://pds.readbench.example' })]))

// Relay, identity, fault proxy, children ---------------------------------------------------------
const prelude = [feedGeneratorFrame({ rkey: 'whats-hot', serviceDid: SERVICE_DID, seq: stream.seqFirst - 1 })]
const relay = await startRelayThread({ framesFile: files.frames, seqFirst: stream.seqFirst, prelude, sampleSeqs: [], rate: ingestRate, live: true, highWaterMark: 1024 * 1024 })
const identity = await startIdentityServices({ ...streamDocs, ...viewerDocs, [FEED_PUBLISHER]: feedPublisherDoc(Object.values(ready.signingKeys)[0]!) })
const proxy = await startFaultProxy(OPENSEARCH_URL)
const childEnv = magpieEnv({ opensearchUrl: proxy.url, prefix, identity, serviceDid: SERVICE_DID, port: serverPort, relayUrl: relay.url })
const cursors = new StateStore(client, prefix)
const savedCursor = async (): Promise<number | undefined> => {
  try {
    return (await cursors.get<{ seq: number }>(cursorKey(relay.url)))?.seq
  } catch {
    return undefined // OpenSearch is down
  }
}

const t0 = Date.now()
const at = (): number => round((Date.now() - t0) / 1000)
/** Everything that happened, in order: faults, restarts, unexpected exits. */
const events: { t: number; what: string; [k: string]: unknown }[] = []
const event = (what: string, extra: Record<string, unknown> = {}): void => {
  events.push({ t: at(), what, ...extra })
  note(`+${at()} s ${what} ${Object.keys(extra).length ? JSON.stringify(extra) : ''}`)
}
// The children's own logs go to a file beside the results: while OpenSearch is down they say so many times a second.
const childLog = path.join(RESULTS_DIR, `soak-${run}.log`)
note(`the server's and ingest's logs: ${childLog}`)
const toChildLog = (line: string): void => appendFileSync(childLog, `${new Date().toISOString().slice(11, 23)} ${line}\n`)
const start = (name: 'server' | 'ingest'): Child => startChild({ name, src: ROOT, args: [name === 'server' ? 'serve' : 'ingest'], env: childEnv, log: toChildLog, lineChars: 3000 })
let server = start('server')
await waitHealthy(`${base}/_health`, server)
let ingest = start('ingest')
const ingestPids = [ingest.pid]
let stopping = false
let killing: 'server' | 'ingest' | undefined

// Watchers: a process that exits when not killed by the soak is a finding; it is started again.
const watch = setInterval(() => {
  if (stopping) return
  if (server.exited() && killing !== 'server') {
    event('server exited unexpectedly: restarting it')
    server = start('server')
  }
  if (ingest.exited() && killing !== 'ingest') {
    event('ingest exited unexpectedly: restarting it')
    ingest = start('ingest')
    ingestPids.push(ingest.pid)
  }
}, 1000)

const probes: { t: number; ok: boolean; status: number }[] = []
const probeUrl = `${base}/xrpc/app.bsky.actor.getProfile?actor=${encodeURIComponent(planted.prolificAuthor.did)}`
const prober = (async () => {
  while (!stopping) {
    const t = Date.now() - t0
    let status = 0
    try {
      const res = await fetch(probeUrl, { signal: AbortSignal.timeout(2000) })
      await res.arrayBuffer()
      status = res.status
    } catch {
      // no answer
    }
    probes.push({ t, ok: status === 200, status })
    await sleep(Math.max(0, t + 250 - (Date.now() - t0)))
  }
})()

const memory: { t: number; server?: number; ingest?: number; ingestPid: number }[] = []
const cursorTrail: { t: number; seq?: number }[] = []
const sampler = setInterval(() => {
  memory.push({ t: at(), server: processMemoryMiB(server.pid)?.rss, ingest: processMemoryMiB(ingest.pid)?.rss, ingestPid: ingest.pid })
  void savedCursor().then((seq) => cursorTrail.push({ t: at(), seq }))
}, 5000)
/** Inside the server, from its /metrics: the heap after the last GC's work and what its bounded caches hold (MiB). */
const heap: { t: number; heapUsed: number; documentsCache: number; followedCache: number }[] = []
const heapSampler = setInterval(() => {
  void serverHeap().then((h) => h && heap.push({ t: at(), ...h }))
}, 30_000)

// The read mix, in segments -----------------------------------------------------------------------
const segments: { from: number; to: number; result: PhaseResult }[] = []
const mix = (async () => {
  while (Date.now() - t0 < durationMs) {
    const from = at()
    const seconds = Math.min(segmentSeconds, Math.max(1, (durationMs - (Date.now() - t0)) / 1000))
    const reply = await ask({ kind: 'phase', rate: readRate, warmupSeconds: 0, seconds })
    if (reply.kind !== 'result') throw new Error(`client thread: ${JSON.stringify(reply)}`)
    segments.push({ from, to: at(), result: reply.result })
  }
})()

// The faults, at fixed points of the run ----------------------------------------------------------
type FaultKind = 'opensearch-kill' | 'ingest-kill' | 'opensearch-429'
const schedule: { share: number; kind: FaultKind }[] = [
  { share: 0.15, kind: 'opensearch-kill' },
  { share: 0.3, kind: 'ingest-kill' },
  { share: 0.45, kind: 'opensearch-429' },
  { share: 0.65, kind: 'opensearch-kill' },
  { share: 0.8, kind: 'ingest-kill' },
]
const faults: { kind: FaultKind; t: number; until: number; cursorAtFault?: number }[] = []
for (const f of schedule) {
  await sleep(Math.max(0, t0 + f.share * durationMs - Date.now()))
  const fault = { kind: f.kind, t: at(), until: 0, cursorAtFault: await savedCursor() }
  faults.push(fault)
  if (f.kind === 'opensearch-kill') {
    const pid = Number(readFileSync(osPidFile, 'utf8').trim())
    if (alive(pid)) {
      process.kill(pid, 'SIGKILL')
      event('OpenSearch killed (-9)', { pid })
      while (alive(pid)) await sleep(100)
    } else {
      event('OpenSearch was not running', { pid })
    }
    // scripts/opensearch gives up when the JVM is not seen within 2 s of launching, which a busy
    // machine can exceed: a few attempts.
    let started = false
    for (let attempt = 1; attempt <= 3 && !started; attempt++) {
      started = await runScript(['start'])
      event(started ? 'OpenSearch started again' : 'OpenSearch did not start', { attempt })
    }
  } else if (f.kind === 'ingest-kill') {
    killing = 'ingest'
    process.kill(ingest.pid, 'SIGKILL')
    event('ingest killed (-9)', { pid: ingest.pid })
    while (!ingest.exited()) await sleep(50)
    ingest = start('ingest')
    ingestPids.push(ingest.pid)
    killing = undefined
    event('ingest started again', { pid: ingest.pid })
  } else {
    const share = Number(args['reject-share'])
    proxy.reject(share)
    event('OpenSearch answers 429 to a share of _bulk/_msearch/_search', { share })
    await sleep(0.1 * durationMs)
    proxy.reject(0)
    event('429 window closed', proxy.stats())
  }
  fault.until = at()
}
await mix
event('read mix ended')

// Catch-up and the final state ---------------------------------------------------------------------
const catchUpDeadline = Date.now() + Number(args['catch-up-seconds']) * 1000
let cursor = await savedCursor()
while ((cursor ?? 0) < seqLast && Date.now() < catchUpDeadline) {
  await sleep(2000)
  cursor = await savedCursor()
}
event((cursor ?? 0) >= seqLast ? 'ingest caught up' : 'ingest did not catch up', { cursor, seqLast })
// Identity documents are written beside the records: a few seconds for the last ones.
let after = await countDocs(client, prefix)
let problems = countProblems(after, stream.expected, before, extra)
for (let i = 0; i < 12 && problems.length > 0; i++) {
  await sleep(5000)
  after = await countDocs(client, prefix)
  problems = countProblems(after, stream.expected, before, extra)
}
stopping = true
clearInterval(watch)
clearInterval(sampler)
clearInterval(heapSampler)
await prober
for (const c of [ingest, server]) await c.stop().catch((err) => note(`${c.name}: ${String(err)}`))
relay.close()
worker.postMessage({ kind: 'close' } satisfies ClientMessage)
await proxy.close()
await identity.close()

// Report ----------------------------------------------------------------------------------------------
emit({ part: 'setup', prefix, stream: path.basename(files.frames), streamEvents: stream.frames, minutes: Number(args.minutes), ingestRate, readRate, people: people.length, segmentSeconds, opensearch: OPENSEARCH_URL })
for (const [i, f] of faults.entries()) {
  const next = faults[i + 1]?.t ?? Infinity
  const window = probes.filter((p) => p.t / 1000 >= f.t && p.t / 1000 < next)
  const failed = window.filter((p) => !p.ok)
  const lastFail = failed.at(-1)
  const answeredAgain = lastFail ? window.find((p) => p.t > lastFail.t && p.ok) : undefined
  const segs = segments.filter((s) => s.to > f.t && s.from < next)
  const mixErrors: Record<string, number> = {}
  let requests = 0
  for (const s of segs) {
    for (const k of Object.values(s.result.byKind)) {
      for (const [status, n] of Object.entries(k.statuses)) {
        requests += n
        if (status !== '200' && status !== 'refused') mixErrors[status] = (mixErrors[status] ?? 0) + n
      }
    }
  }
  const resumedAt = cursorTrail.find((c) => c.t > f.until && c.seq !== undefined && c.seq > (f.cursorAtFault ?? 0))
  emit({
    part: 'fault',
    kind: f.kind,
    t: f.t,
    faultLastedS: round(f.until - f.t),
    probes: window.length,
    probesFailed: failed.length,
    failedStatuses: Object.fromEntries([...new Set(failed.map((p) => p.status))].map((s) => [s, failed.filter((p) => p.status === s).length])),
    apiAnsweredAgainAfterS: lastFail ? (answeredAgain ? round(answeredAgain.t / 1000 - f.t) : null) : 0,
    // Load alone fails a probe now and then: the first 2 s of probes all answered after the fault's end.
    apiSteadyAgainAfterS: steadyAfter(window, f.t, f.until),
    mixSegments: `${segs[0]?.from ?? '-'}…${segs.at(-1)?.to ?? '-'} s`,
    mixRequests: requests,
    mixErrors,
    ingestCursorAdvancedAfterS: resumedAt ? round(resumedAt.t - f.t) : null,
  })
}
emit({ part: 'probes', every: 250, failed: probes.filter((p) => !p.ok).map((p) => [round(p.t / 1000), p.status]) })
const mem = (pick: (m: (typeof memory)[number]) => number | undefined, rows = memory) => {
  const xs = rows.map(pick).filter((x): x is number => x !== undefined)
  return xs.length ? { startMiB: xs[0], endMiB: xs.at(-1), maxMiB: Math.max(...xs), samples: xs.length } : null
}
emit({
  part: 'memory',
  server: mem((m) => m.server),
  ingestProcesses: ingestPids.map((pid) => ({ pid, ...mem((m) => m.ingest, memory.filter((m) => m.ingestPid === pid)) })),
  curve: memory.filter((_, i) => i % 6 === 0).map((m) => [m.t, m.server, m.ingest]),
})
// A cache filling up to its bound is not a leak: what the heap holds besides the caches is.
const besides = heap.map((h) => round(h.heapUsed - h.documentsCache - h.followedCache))
emit({
  part: 'server-heap',
  every: 30,
  heapUsedMiB: heap.length ? { start: heap[0]!.heapUsed, end: heap.at(-1)!.heapUsed, max: Math.max(...heap.map((h) => h.heapUsed)) } : null,
  documentsCacheMiB: heap.length ? { start: heap[0]!.documentsCache, end: heap.at(-1)!.documentsCache, max: Math.max(...heap.map((h) => h.documentsCache)) } : null,
  heapBesidesCachesMiB: besides.length ? { start: besides[0], end: besides.at(-1), min: Math.min(...besides), max: Math.max(...besides) } : null,
  curve: heap.map((h) => [h.t, h.heapUsed, h.documentsCache, h.followedCache]),
})
const allLatencies = segments.flatMap((s) => Object.values(s.result.byKind).flatMap((k) => k.latencies))
const byStatus: Record<string, number> = {}
for (const s of segments) for (const k of Object.values(s.result.byKind)) for (const [st, n] of Object.entries(k.statuses)) byStatus[st] = (byStatus[st] ?? 0) + n
const firstErrors = [...new Set(segments.flatMap((s) => MIX.map((e) => s.result.byKind[e.kind]?.firstError).filter(Boolean)))].slice(0, 5)
emit({ part: 'reads', requests: allLatencies.length, byStatus, ...latencyStats(allLatencies), firstErrors })
emit({ part: 'final-state', equal: problems.length === 0, problems, cursor, seqLast, before: summarize(before), after: summarize(after), expectedFromStream: stream.expected, events })
note(problems.length ? `final state differs: ${problems.join('; ')}` : 'final state: equal to the expected one (per index, live per index, actors)')
await client.close()
process.exit(0)

function summarize(c: DocCounts) {
  return { actors: c.actors, byIndex: Object.fromEntries(Object.keys(stream.expected.byIndex).concat(['notifications', generator]).map((k) => [k, c.byIndex[k] ?? 0])) }
}

/** Seconds from the fault to the first 8 consecutive answered probes (2 s) after `until`. */
function steadyAfter(window: typeof probes, faultAt: number, until: number): number | null {
  let run = 0
  for (const [i, p] of window.entries()) {
    if (p.t / 1000 < until) continue
    run = p.ok ? run + 1 : 0
    if (run === 8) return round(window[i - 7]!.t / 1000 - faultAt)
  }
  return null
}

/** The server's heap in use and its bounded caches' contents, in MiB, from its /metrics; undefined when it does not answer. */
async function serverHeap(): Promise<{ heapUsed: number; documentsCache: number; followedCache: number } | undefined> {
  try {
    const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) })).text()
    const value = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? NaN) / 1024 / 1024
    return {
      heapUsed: round(value(/^magpie_nodejs_heap_size_used_bytes (\S+)$/m)),
      documentsCache: round(value(/^magpie_cache_bytes\{cache="documents"\} (\S+)$/m)),
      followedCache: round(value(/^magpie_cache_bytes\{cache="followed"\} (\S+)$/m) + value(/^magpie_cache_bytes\{cache="followed_settled"\} (\S+)$/m)),
    }
  } catch {
    return undefined
  }
}

/** The process exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return false
  }
}

/** `scripts/opensearch <args>` for the node's port, in this process's environment; true if it succeeded. */
function runScript(scriptArgs: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(path.join(ROOT, 'scripts', 'opensearch'), scriptArgs, { cwd: ROOT, env: { ...process.env, OPENSEARCH_PORT: osPort }, stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (c: Buffer) => void (err += c.toString()))
    child.on('exit', (code) => {
      if (code !== 0) note(`scripts/opensearch ${scriptArgs.join(' ')}: exit ${code}: ${err.slice(-500)}`)
      resolve(code === 0)
    })
  })
}
