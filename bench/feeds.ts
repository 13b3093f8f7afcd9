/**
 * Latency of Magpie's built-in feeds' first page over a large index (the read benchmark's
 * dataset): for each feed, getFeedSkeleton (what Magpie as a generator answers) and getFeed (the
 * same page hydrated into post views), through Magpie's real HTTP server and XRPC layer, one
 * request at a time. Prints one JSON line per measurement and a table.
 *
 *   node --import tsx bench/feeds.ts [--url http://127.0.0.1:9200] [--prefix readbench-]
 *     [--requests 200] [--viewers 200] [--cache-ms 60000] [--now <ISO date> | auto]
 *
 * What is not Magpie as deployed, and why:
 * - The clock is the dataset's: "now" is its newest post's time (it was generated up to a
 *   date), and moves on from there as the run does, so "the last 48 hours" means something.
 * - The viewer's token is not verified: the bearer token is the viewer's DID (the dataset's
 *   accounts have no keys here). Verifying one costs ~0.1 ms (bench/sig-verify.ts).
 * - The feeds' generator records are not in the dataset: getFeed finds them in a small overlay
 *   of the data plane instead of with its usual one-document read. Nothing is written.
 */
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import { parseArgs } from 'node:util'
import { methods } from '#/api/index.js'
import { createServiceSigner } from '#/auth/service-signing.js'
import { createDataPlane, type DataPlane, type StoredRecord } from '#/dataplane/index.js'
import { createBuiltinFeeds } from '#/feeds/builtin.js'
import { Hydrator } from '#/hydration/hydrator.js'
import { createLogger } from '#/log.js'
import { ageAssurancePolicy } from '#/api/age-assurance-policy.js'
import { createApp, listen } from '#/server/app.js'
import { createOpenSearchClient } from '#/store/client.js'
import { imageUrlBuilder } from '#/views/index.js'

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:9200' },
    prefix: { type: 'string', default: 'readbench-' },
    requests: { type: 'string', default: '200' },
    viewers: { type: 'string', default: '200' },
    'cache-ms': { type: 'string', default: '60000' },
    now: { type: 'string', default: 'auto' },
  },
})
const requests = Number(args.requests)
const cacheMs = Number(args['cache-ms'])
const SERVICE_DID = 'did:web:magpie.bench'
const PUBLISHER = 'did:plc:magpiebenchpublisher0000'
const log = createLogger('warn')
const client = createOpenSearchClient(args.url!)
const prefix = args.prefix!

const records = Number(((await client.count({ index: `${prefix}*` })).body as { count: number }).count)
const datasetNow = args.now === 'auto' ? await newestPostTime() : Date.parse(args.now!)
const started = Date.now()
const now = () => datasetNow + (Date.now() - started)
console.log(JSON.stringify({ what: 'dataset', url: args.url, prefix, records, now: new Date(datasetNow).toISOString(), cacheMs, cores: os.cpus().length, loadavg: os.loadavg() }))

const feedUri = (rkey: string) => `at://${PUBLISHER}/app.bsky.feed.generator/${rkey}`
const tags = await topValues('tags', 5)
const langs = ['en', 'ja', 'pt']
const feeds = {
  hot: feedUri('whats-hot'),
  moreLike: feedUri('more-like-liked'),
  tags: tags.map((t) => feedUri(`tag-${t}`)),
  langs: langs.map((l) => feedUri(`lang-${l}`)),
}
const viewers = await activeLikers(Number(args.viewers))

const cached = await startServer(cacheMs)
const uncached = await startServer(0)
const results: Row[] = []

// What's hot: one ranking for everyone. Cached: the ranking is computed once, then reused (and
// refreshed in the background every cache period); uncached: every request ranks anew.
await call(cached.base, 'getFeedSkeleton', feeds.hot)
await measure("what's hot", 'getFeedSkeleton', `cached ${cacheMs} ms`, requests, () => call(cached.base, 'getFeedSkeleton', feeds.hot))
await measure("what's hot", 'getFeed', `cached ${cacheMs} ms`, requests, () => call(cached.base, 'getFeed', feeds.hot, viewers[0]))
await measure("what's hot", 'getFeedSkeleton', 'uncached', Math.min(requests, 50), () => call(uncached.base, 'getFeedSkeleton', feeds.hot))

// More like what I liked: a ranking per viewer, so each viewer's first page is a cache miss.
let v = 0
await measure('more like what I liked', 'getFeedSkeleton', 'first page per viewer (uncached)', viewers.length, () => call(uncached.base, 'getFeedSkeleton', feeds.moreLike, viewers[v++ % viewers.length]))
v = 0
await measure('more like what I liked', 'getFeed', 'first page per viewer (uncached)', viewers.length, () => call(uncached.base, 'getFeed', feeds.moreLike, viewers[v++ % viewers.length]))

// Hashtag and language feeds: newest first, nothing to cache.
let t = 0
await measure(`hashtag (${tags.join(', ')})`, 'getFeedSkeleton', 'uncached', requests, () => call(cached.base, 'getFeedSkeleton', feeds.tags[t++ % feeds.tags.length]!))
t = 0
await measure(`hashtag (${tags.join(', ')})`, 'getFeed', 'uncached', requests, () => call(cached.base, 'getFeed', feeds.tags[t++ % feeds.tags.length]!, viewers[t % viewers.length]))
let l = 0
await measure(`language (${langs.join(', ')})`, 'getFeedSkeleton', 'uncached', requests, () => call(cached.base, 'getFeedSkeleton', feeds.langs[l++ % feeds.langs.length]!))
l = 0
await measure(`language (${langs.join(', ')})`, 'getFeed', 'uncached', requests, () => call(cached.base, 'getFeed', feeds.langs[l++ % feeds.langs.length]!, viewers[l % viewers.length]))

// The machine is shared: how busy it was says how far to trust the figures.
console.log(JSON.stringify({ what: 'machine', cores: os.cpus().length, loadavg: os.loadavg() }))
console.log('')
console.log(`${records.toLocaleString('en')} records under ${prefix}*; first page (limit 50), one request at a time, ms; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores`)
console.log(`${'feed'.padEnd(44)} ${'method'.padEnd(16)} ${'cache'.padEnd(34)} ${'n'.padStart(4)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'items'.padStart(6)}`)
for (const r of results) {
  console.log(`${r.feed.padEnd(44)} ${r.method.padEnd(16)} ${r.cache.padEnd(34)} ${String(r.n).padStart(4)} ${r.p50.toFixed(1).padStart(7)} ${r.p99.toFixed(1).padStart(7)} ${r.items.toFixed(1).padStart(6)}`)
}
for (const s of [cached, uncached]) s.close()
await client.close()

interface Row {
  feed: string
  method: string
  cache: string
  n: number
  p50: number
  p90: number
  p99: number
  max: number
  /** Mean items per page. */
  items: number
}

async function measure(feed: string, method: string, cache: string, n: number, once: () => Promise<number>): Promise<void> {
  const times: number[] = []
  let items = 0
  // Untimed first calls: the JIT and connection pools warm up on them, not on the figures.
  for (let i = 0; i < Math.min(5, n); i++) await once()
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    items += await once()
    times.push(performance.now() - t0)
  }
  times.sort((a, b) => a - b)
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!
  const row: Row = { feed, method, cache, n, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: times.at(-1)!, items: items / n }
  results.push(row)
  console.log(JSON.stringify({ what: 'latency_ms', ...row }))
}

/** One first page; how many items it held. Any error fails the run: a fast error is no result. */
async function call(base: string, method: 'getFeed' | 'getFeedSkeleton', feed: string, viewer?: string): Promise<number> {
  const res = await fetch(`${base}/xrpc/app.bsky.feed.${method}?feed=${encodeURIComponent(feed)}&limit=50`, {
    headers: viewer ? { authorization: `Bearer ${viewer}` } : {},
  })
  const body = (await res.json()) as { feed?: unknown[] }
  if (res.status !== 200) throw new Error(`${method} ${feed}: ${res.status} ${JSON.stringify(body)}`)
  return body.feed?.length ?? 0
}

/** Magpie's XRPC server over the dataset, with built-in feeds on the dataset's clock. */
async function startServer(feedCacheMs: number): Promise<{ base: string; close(): void }> {
  const dataplane = withGeneratorRecords(createDataPlane({ client, prefix, cacheTtlMs: 5_000 }))
  const hydrator = new Hydrator(dataplane, imageUrlBuilder('https://cdn.bsky.app/img'), log)
  const builtin = createBuiltinFeeds(dataplane, { serviceDid: SERVICE_DID, cacheMs: feedCacheMs, now })
  const { signer } = await createServiceSigner(SERVICE_DID, undefined)
  const unused = () => Promise.reject(new Error('not in this benchmark'))
  const ctx = { dataplane, hydrator, log, serviceDid: SERVICE_DID, identity: { resolveDid: unused }, feeds: { builtin, remote: { getSkeleton: unused } }, accounts: { draftsLimit: 500, ageAssurance: ageAssurancePolicy([]) } }
  const auth = { verify: async (jwt: string) => ({ iss: jwt, viewer: jwt, aud: SERVICE_DID }) }
  const app = createApp({ client, log, serviceDid: SERVICE_DID, publicUrl: 'http://127.0.0.1', signingKey: signer.didKey, indexPrefix: prefix, xrpc: { methods, ctx, auth, log } })
  const server = await listen(app, 0, '127.0.0.1')
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() }
}

/** The data plane, also answering for the benchmark's generator records (which point at Magpie). */
function withGeneratorRecords(dataplane: DataPlane): DataPlane {
  const overlay = new Map<string, StoredRecord>()
  for (const uri of [feeds.hot, feeds.moreLike, ...feeds.tags, ...feeds.langs]) {
    const at = new Date(datasetNow).toISOString()
    overlay.set(uri, { uri, did: PUBLISHER, cid: 'bafyreibench', record: { $type: 'app.bsky.feed.generator', did: SERVICE_DID, displayName: 'bench', createdAt: at }, indexedAt: at, sortedAt: at })
  }
  return {
    ...dataplane,
    async getRecords(uris) {
      const found = await dataplane.getRecords(uris.filter((uri) => !overlay.has(uri)))
      for (const uri of uris) if (overlay.has(uri)) found.set(uri, overlay.get(uri)!)
      return found
    },
  }
}

async function newestPostTime(): Promise<number> {
  const res = await client.search({ index: `${prefix}posts`, body: { size: 0, aggs: { newest: { max: { field: 'sortAt' } } } } as any })
  return Number((res.body as any).aggregations.newest.value)
}

async function topValues(field: string, size: number): Promise<string[]> {
  const res = await client.search({ index: `${prefix}posts`, body: { size: 0, aggs: { top: { terms: { field, size } } } } as any })
  return ((res.body as any).aggregations.top.buckets as { key: string }[]).map((b) => b.key)
}

/**
 * Viewers for the personal feed: accounts that liked posts in the dataset's last week (the
 * feed is made from recent likes), in a fixed random order.
 */
async function activeLikers(n: number): Promise<string[]> {
  const res = await client.search({
    index: `${prefix}likes`,
    body: {
      size: 0,
      query: { range: { sortAt: { gte: datasetNow - 7 * 86_400_000 } } },
      aggs: { likers: { terms: { field: 'did', size: n * 5 } } },
    } as any,
  })
  const dids = ((res.body as any).aggregations.likers.buckets as { key: string }[]).map((b) => b.key)
  // A deterministic shuffle (by a hash of the DID), so runs compare.
  const hash = (s: string) => [...s].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, 7)
  return dids.sort((a, b) => hash(a) - hash(b)).slice(0, n)
}
