/**
 * Read latency (issue 4; the notification reads of issue 6): Magpie's read API, started in this
 * process against the corpus read-corpus.ts loaded, called by clients in a worker thread with
 * real service-auth JWTs.
 *
 *   node --import tsx bench/read-latency.ts [--records 10000000 --accounts 50000 --seed 1 | --manifest FILE]
 *     [--requests 400] [--warmup 40] [--clients 1,8] [--cache default,0] [--kinds timeline,thread,…]
 *     [--reference] [--reference-only] [--reference-rounds 200] [--trace N]
 *
 * Per request kind, per client count, per cache setting: `--warmup` requests not counted, then
 * `--requests` measured ones (in all, shared by the clients); p50/p90/p99/mean/max latency
 * (request sent → answer read) and requests/s. Kinds:
 *   timeline            getTimeline of the viewer following 1,000 accounts (limit 50)
 *   thread              getPostThread of the planted 200-post thread's root (depth 10: all of it)
 *   profile             getProfile of the pool's 20 most popular accounts, in turn
 *   author-feed         getAuthorFeed of the prolific author (limit 50)
 *   notifications       listNotifications of the viewer with ≥ 100,000 notifications, first page
 *   notifications-deep  the same, 20 pages in (the cursor found by paging before timing)
 *   unread              getUnreadCount of that viewer
 * A kind the server does not implement (501 MethodNotImplemented, 404) is reported unavailable.
 * Cache settings: `default` is READ_CACHE_MS's default (5 s: aggregates and follow lists reused),
 * `0` disables Magpie's caching (OpenSearch's own caches stay: the index is not being written).
 *
 * The viewers' DID documents (fresh secp256k1 keys each run) are served by a local PLC; every
 * request carries its own token (aud = the service DID, lxm = the method), so every request
 * pays for signature verification as it would behind a PDS. `--reference` then runs
 * read-latency-reference.ts: the same request kinds against the reference AppView and Magpie on
 * the parity scenario, interleaved. Results are appended to bench/results/read-latency.jsonl.
 * `--trace N` measures nothing: it sends N requests of each kind one by one and prints the
 * OpenSearch calls of the median one (read-trace.ts), to see where the time goes.
 * OpenSearch: OPENSEARCH_URL, else http://127.0.0.1:9200.
 */
import { randomBytes } from 'node:crypto'
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { lexicons } from '@atproto/api'
import { createLogger } from '#/log.js'
import { createOpenSearchClient } from '#/store/client.js'
import { readApiHarness } from './read-api.js'
import { readCorpusDir } from './read-corpus-records.js'
import { searchCosts, traceClient, type TracedCall } from './read-trace.js'
import type { PlantedManifest } from './read-corpus-planted.js'
import { referenceRatio } from './read-latency-reference.js'

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '10000000' },
    accounts: { type: 'string', default: '50000' },
    seed: { type: 'string', default: '1' },
    manifest: { type: 'string' },
    requests: { type: 'string', default: '400' },
    warmup: { type: 'string', default: '40' },
    clients: { type: 'string', default: '1,8' },
    cache: { type: 'string', default: 'default,0' },
    kinds: { type: 'string', default: 'timeline,thread,profile,author-feed,notifications,notifications-deep,unread' },
    'deep-page': { type: 'string', default: '20' },
    reference: { type: 'boolean', default: false },
    'reference-only': { type: 'boolean', default: false },
    'reference-rounds': { type: 'string', default: '200' },
    trace: { type: 'string', default: '0' },
  },
})

const OPENSEARCH_URL = process.env.OPENSEARCH_URL || 'http://127.0.0.1:9200'
const SERVICE_DID = 'did:web:readbench.magpie.test'
const RESULTS = path.resolve('bench/results/read-latency.jsonl')
const run = randomBytes(3).toString('hex')
const note = (line: string): void => void process.stderr.write(`${line}\n`)
const round = (x: number, d = 0): number => Math.round(x * 10 ** d) / 10 ** d
mkdirSync(path.dirname(RESULTS), { recursive: true })
const emit = (row: Record<string, unknown>): void => {
  const line = JSON.stringify({ bench: 'read-latency', run, at: new Date().toISOString(), ...row })
  appendFileSync(RESULTS, `${line}\n`)
  process.stdout.write(`${line}\n`)
}

const client = createOpenSearchClient(OPENSEARCH_URL)
const log = createLogger(process.env.LOG_LEVEL ?? 'warn', 'magpie-bench')

if (!args['reference-only']) await corpusBenchmark()
if (args.reference || args['reference-only']) {
  const rows = await referenceRatio({ client, log, opensearchUrl: OPENSEARCH_URL, rounds: Number(args['reference-rounds']), warmup: 20, note })
  for (const row of rows) emit({ part: 'reference', ...row, loadavg: os.loadavg().map((x) => round(x, 2)) })
}
await client.close()

async function corpusBenchmark(): Promise<void> {
  const manifestFile = args.manifest ?? path.join(readCorpusDir({ records: Number(args.records), accounts: Number(args.accounts), seed: Number(args.seed) }), 'manifest.json')
  if (!existsSync(manifestFile)) throw new Error(`no corpus manifest at ${manifestFile}: load one with bench/read-corpus.ts (same options)`)
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { prefix: string; planted: PlantedManifest; recordsWritten?: number }
  const { prefix, planted } = manifest
  await client.indices.refresh({ index: `${prefix}*` })
  const docs = Number(((await client.count({ index: `${prefix}*` })).body as { count: number }).count)
  note(`corpus ${prefix}*: ${docs.toLocaleString('en')} documents`)

  const api = await readApiHarness({
    client,
    log,
    prefix,
    opensearchUrl: OPENSEARCH_URL,
    serviceDid: SERVICE_DID,
    viewers: { timeline: planted.timelineViewer, notification: planted.notificationViewer },
  })
  type ViewerName = 'timeline' | 'notification'

  interface Kind {
    name: string
    nsid: string
    viewer: ViewerName
    params(i: number): Record<string, string>
  }
  const deepCursor: { value?: string } = {}
  const allKinds: Kind[] = [
    { name: 'timeline', nsid: 'app.bsky.feed.getTimeline', viewer: 'timeline', params: () => ({ limit: '50' }) },
    { name: 'thread', nsid: 'app.bsky.feed.getPostThread', viewer: 'timeline', params: () => ({ uri: planted.thread.root, depth: '10' }) },
    { name: 'profile', nsid: 'app.bsky.actor.getProfile', viewer: 'timeline', params: (i) => ({ actor: planted.popularAccounts[i % planted.popularAccounts.length]! }) },
    { name: 'author-feed', nsid: 'app.bsky.feed.getAuthorFeed', viewer: 'timeline', params: () => ({ actor: planted.prolificAuthor.did, limit: '50' }) },
    { name: 'notifications', nsid: 'app.bsky.notification.listNotifications', viewer: 'notification', params: () => ({ limit: '50' }) },
    { name: 'notifications-deep', nsid: 'app.bsky.notification.listNotifications', viewer: 'notification', params: () => ({ limit: '50', cursor: deepCursor.value! }) },
    { name: 'unread', nsid: 'app.bsky.notification.getUnreadCount', viewer: 'notification', params: () => ({}) },
  ]
  const kinds = args.kinds!.split(',').map((name) => {
    const kind = allKinds.find((k) => k.name === name)
    if (!kind) throw new Error(`unknown kind ${name}; known: ${allKinds.map((k) => k.name).join(', ')}`)
    return kind
  })
  const pathOf = (kind: Kind, i: number, extra: Record<string, string> = {}): string => `/xrpc/${kind.nsid}?${new URLSearchParams({ ...kind.params(i), ...extra })}`

  const tracer = traceClient(client)
  const one = (base: string, kind: Kind, p: string) => api.get(base, p, kind.viewer, kind.nsid)

  for (const cache of args.cache!.split(',')) {
    const { base, config, close } = await api.start(cache)
    note(`Magpie read API at ${base}, READ_CACHE_MS=${config.READ_CACHE_MS}`)
    for (const kind of kinds) {
      // One untimed request first: is the method there, is the answer what the lexicon says?
      let probe = await one(base, kind, kind.name === 'notifications-deep' ? pathOf(allKinds[4]!, 0) : pathOf(kind, 0))
      if (probe.status === 501 || probe.status === 404) {
        emit({ part: 'corpus', kind: kind.name, nsid: kind.nsid, cacheTtlMs: config.READ_CACHE_MS, unavailable: `${probe.status} ${probe.body?.error ?? ''}` })
        continue
      }
      if (kind.name === 'notifications-deep' && probe.status === 200) {
        // Follow the cursors to the deep page (not timed).
        let page = 1
        for (; page < Number(args['deep-page']) && probe.status === 200 && probe.body?.cursor; page++) {
          deepCursor.value = probe.body.cursor as string
          probe = await one(base, kind, pathOf(kind, 0))
        }
        note(`notifications-deep: page ${page}, cursor ${deepCursor.value}`)
      }
      if (probe.status !== 200) {
        emit({ part: 'corpus', kind: kind.name, nsid: kind.nsid, cacheTtlMs: config.READ_CACHE_MS, error: `${probe.status} ${JSON.stringify(probe.body).slice(0, 300)}` })
        continue
      }
      lexicons.assertValidXrpcOutput(kind.nsid, probe.body)
      const answer = describeAnswer(kind.name, probe.body)
      if (Number(args.trace) > 0) {
        const traced: { ms: number; calls: TracedCall[] }[] = []
        for (let i = 0; i < Number(args.trace); i++) {
          tracer.begin()
          const t0 = performance.now()
          await one(base, kind, pathOf(kind, i))
          traced.push({ ms: performance.now() - t0, calls: tracer.end() })
        }
        const median = traced.sort((a, b) => a.ms - b.ms)[Math.floor(traced.length / 2)]!
        emit({ part: 'trace', kind: kind.name, cacheTtlMs: config.READ_CACHE_MS, ms: round(median.ms, 1), calls: median.calls })
        note(`${kind.name}: median ${round(median.ms, 1)} ms, ${median.calls.length} OpenSearch calls`)
        for (const c of median.calls) note(`  +${c.at} ms ${c.ms} ms ${c.op} took ${c.took?.join('/') ?? '-'}\n    ${c.what.join('\n    ')}`)
        const costs = await searchCosts(client, median.calls)
        const total = costs.reduce((n, c) => n + c.took, 0)
        emit({ part: 'trace-costs', kind: kind.name, cacheTtlMs: config.READ_CACHE_MS, searches: costs.length, totalTook: total, costs })
        note(`${kind.name}: ${costs.length} searches, ${total} ms of took when sent alone; the costliest:`)
        for (const c of costs.slice(0, 12)) note(`  ${String(c.took).padStart(4)} ms  ${c.what}`)
        continue
      }
      for (const clients of args.clients!.split(',').map(Number)) {
        const requests = Number(args.requests)
        const warmupCount = Number(args.warmup)
        const paths = (n: number, from: number) => Array.from({ length: n }, (_, i) => pathOf(kind, from + i))
        const measured = await api.measure(base, kind.viewer, kind.nsid, clients, paths(warmupCount, 0), paths(requests, warmupCount))
        const row = { part: 'corpus', prefix, docs, kind: kind.name, nsid: kind.nsid, cacheTtlMs: config.READ_CACHE_MS, clients, warmup: warmupCount, ...measured, answer }
        emit(row)
        note(`${kind.name.padEnd(19)} cache ${String(config.READ_CACHE_MS).padStart(4)} ms, ${clients} client(s): p50 ${row.p50} ms, p99 ${row.p99} ms, ${row.rps} req/s, load ${row.loadavg[0]}`)
      }
    }
    await close()
  }
  await api.close()
}

/** What an answer held, so a figure can be read against it (and a wrong answer noticed). */
function describeAnswer(kind: string, body: any): Record<string, unknown> {
  switch (kind) {
    case 'timeline':
    case 'author-feed':
      return { items: body.feed.length, reposts: body.feed.filter((f: any) => f.reason).length, cursor: !!body.cursor }
    case 'thread': {
      let posts = 0
      let depth = 0
      const walk = (node: any, d: number): void => {
        if (node?.$type !== 'app.bsky.feed.defs#threadViewPost') return
        posts++
        depth = Math.max(depth, d)
        for (const r of node.replies ?? []) walk(r, d + 1)
      }
      walk(body.thread, 0)
      return { posts, depth }
    }
    case 'profile':
      return { followersCount: body.followersCount, postsCount: body.postsCount }
    case 'notifications':
    case 'notifications-deep': {
      const reasons: Record<string, number> = {}
      for (const n of body.notifications) reasons[n.reason] = (reasons[n.reason] ?? 0) + 1
      return { items: body.notifications.length, reasons, cursor: !!body.cursor }
    }
    case 'unread':
      return { count: body.count }
    default:
      return {}
  }
}
