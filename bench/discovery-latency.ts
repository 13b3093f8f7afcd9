/**
 * Discovery read latency (issue 7): getTrendingTopics and getSuggestions against an index set
 * already loaded (e.g. the read-benchmark corpus), with and without Magpie's discovery cache.
 *
 *   node --import tsx bench/discovery-latency.ts [--prefix readbench-] [--requests 200] [--viewers 100]
 *     [--cache 60000,0] [--now ISO|data] [--min-records 10000000] [--manifest FILE] [--limit 50] [--seed N]
 *
 * Each method is called in-process through its XRPC handler (params parsed by its schema, then
 * skeleton → hydrate → rules → present, exactly what the server runs), one request at a time:
 * HTTP and service-token verification (about a millisecond) are not included. Per cache setting:
 *   trending      getTrendingTopics (limit 10), anonymous; `--requests` calls
 *   suggestions   getSuggestions (first page of `--limit`, the lexicon's default 50) for
 *                 `--viewers` accounts that follow someone (a random sample, new ones for each
 *                 cache setting), in turn until
 *                 `--requests` calls; with a cache, a viewer's first call computes its ranked
 *                 list and later ones within the TTL reuse it (each page is still hydrated),
 *                 so both the first calls ("cold") and all calls are reported.
 *   heavy         with `--manifest` (read-corpus.ts's manifest.json): getSuggestions for its planted
 *                 timeline viewer (1,000 follows), `--requests` / 4 calls
 * `--cache 0` computes every list on every call (OpenSearch's own caches stay warm, as on a
 * serving node; a viewer's repeated calls may be answered by its request cache, hence "cold").
 * `--now data` (the default) starts the clock the windows end at (trending's recent hour, "most
 * followed lately") at the newest post in the corpus, since a stored corpus stops in the past.
 * Prints one JSON line per measurement to stdout. OpenSearch: OPENSEARCH_URL, else
 * http://127.0.0.1:9200. A corpus smaller than `--min-records` is measured but flagged.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { ApiContext } from '#/api/context.js'
import { methods } from '#/api/index.js'
import { loadConfig } from '#/config/env.js'
import { createDataPlane } from '#/dataplane/index.js'
import { Hydrator } from '#/hydration/hydrator.js'
import { createLogger } from '#/log.js'
import { createOpenSearchClient } from '#/store/client.js'
import type { QueryMethod } from '#/api/xrpc/method.js'
import { imageUrlBuilder } from '#/views/index.js'

const { values: args } = parseArgs({
  options: {
    prefix: { type: 'string', default: 'readbench-' },
    requests: { type: 'string', default: '200' },
    viewers: { type: 'string', default: '100' },
    cache: { type: 'string', default: '60000,0' },
    now: { type: 'string', default: 'data' },
    'min-records': { type: 'string', default: '10000000' },
    manifest: { type: 'string' },
    limit: { type: 'string', default: '50' },
    // A new sample each run by default: viewers asked about by an earlier run would be answered from OpenSearch's request cache.
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
  },
})

const url = process.env.OPENSEARCH_URL || 'http://127.0.0.1:9200'
const prefix = args.prefix!
const requests = Number(args.requests)
const viewerCount = Number(args.viewers)
const note = (line: string): void => void process.stderr.write(`${line}\n`)
const emit = (row: Record<string, unknown>): void => console.log(JSON.stringify({ bench: 'discovery-latency', prefix, ...row }))

const FAMILIES = ['actors', 'posts', 'likes', 'reposts', 'follows', 'blocks', 'lists', 'listitems', 'listblocks', 'profiles', 'feedgens', 'threadgates', 'postgates', 'starterpacks', 'labelers', 'verifications', 'statuses', 'records']

const client = createOpenSearchClient(url)
const config = loadConfig({ ...process.env, INDEX_PREFIX: prefix })
const log = createLogger('warn')

/** Documents behind the prefix's read aliases (so `readbench-` does not count `readbench-t-…`). */
async function recordCount(): Promise<number> {
  let total = 0
  for (const family of FAMILIES) {
    const res = await client.count({ index: `${prefix}${family}`, ignore_unavailable: true, allow_no_indices: true } as any, { ignore: [404] })
    total += (res.body as any).count ?? 0
  }
  return total
}

async function newestPost(): Promise<number> {
  const res = await client.search({ index: `${prefix}posts`, body: { size: 0, aggs: { newest: { max: { field: 'sortAt' } } } } as any })
  const newest = (res.body as any).aggregations?.newest?.value
  if (typeof newest !== 'number') throw new Error(`no posts under ${prefix}posts`)
  return newest
}

/** A random sample of accounts that follow someone. */
async function sampleViewers(n: number): Promise<string[]> {
  const res = await client.search({
    index: `${prefix}follows`,
    body: {
      size: n,
      query: { function_score: { query: { bool: { must_not: [{ term: { tomb: true } }] } }, random_score: { seed: Number(args.seed), field: '_seq_no' } } },
      collapse: { field: 'did' },
      _source: ['did'],
    } as any,
  })
  return (res.body as any).hits.hits.map((h: any) => h._source.did as string)
}

function method(nsid: string): QueryMethod {
  const found = methods.find((m) => m.nsid === nsid)
  if (!found || found.type !== 'query') throw new Error(`no query ${nsid}`)
  return found
}

function stats(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!
  const r = (x: number) => Math.round(x * 10) / 10
  return { n: ms.length, p50: r(at(0.5)), p90: r(at(0.9)), p99: r(at(0.99)), max: r(sorted.at(-1)!), mean: r(ms.reduce((a, b) => a + b, 0) / ms.length) }
}

async function main() {
  const records = await recordCount()
  const now = args.now === 'data' ? await newestPost() : Date.parse(args.now!)
  note(`${records.toLocaleString()} records under ${prefix}; windows end at ${new Date(now).toISOString()}`)
  if (records < Number(args['min-records'])) note(`note: fewer than ${args['min-records']} records`)
  const settings = args.cache!.split(',').map(Number)
  // Each setting gets viewers of its own: a viewer asked about before would have its ranking
  // query answered from OpenSearch's request cache, which a first request never is.
  const sampled = await sampleViewers(viewerCount * settings.length)
  note(`${sampled.length} viewers sampled`)
  emit({ kind: 'corpus', records, now: new Date(now).toISOString(), viewers: sampled.length })

  const heavy: string | undefined = args.manifest ? JSON.parse(readFileSync(args.manifest, 'utf8')).planted?.timelineViewer?.did : undefined
  const trending = method('app.bsky.unspecced.getTrendingTopics')
  const suggestions = method('app.bsky.actor.getSuggestions')

  const started = Date.now()
  for (const [setting, cacheMs] of settings.entries()) {
    const viewers = sampled.slice(setting * viewerCount, (setting + 1) * viewerCount)
    // A fresh data plane per setting: nothing carried over from the previous one.
    const dataplane = createDataPlane({
      client,
      prefix,
      cacheTtlMs: config.READ_CACHE_MS,
      discovery: {
        cacheTtlMs: cacheMs,
        // Time moves on from the corpus's end as it would in production, so each uncached
        // computation is a new query (not an answer from OpenSearch's request cache).
        now: () => now + (Date.now() - started),
        trending: {
          windowMs: config.TRENDING_WINDOW_MINUTES * 60_000,
          backgroundMs: config.TRENDING_BACKGROUND_HOURS * 3600_000,
          minAuthors: config.TRENDING_MIN_AUTHORS,
        },
      },
    })
    const hydrator = new Hydrator(dataplane, imageUrlBuilder(config.IMAGE_CDN_URL), log)
    // Neither method resolves DIDs or serves feeds.
    const ctx: ApiContext = { dataplane, hydrator, log, serviceDid: 'did:web:bench.magpie.test', identity: {} as ApiContext['identity'], feeds: {} as ApiContext['feeds'], accounts: {} as ApiContext['accounts'] }
    const call = async (m: QueryMethod, raw: Record<string, string>, viewer: string | null) => {
      const start = performance.now()
      const out = (await m.handler({ params: m.params.parse(raw), input: undefined, viewer, auth: null, ctx, headers: {}, responseHeaders: new Map() })) as any
      return { ms: performance.now() - start, out }
    }

    const trendingMs: number[] = []
    let topics: string[] = []
    for (let i = 0; i < requests; i++) {
      const { ms, out } = await call(trending, { limit: '10' }, null)
      trendingMs.push(ms)
      topics = out.topics.map((t: { topic: string }) => t.topic)
    }
    emit({ kind: 'trending', cacheMs, ...stats(trendingMs), firstMs: Math.round(trendingMs[0]!), topics })
    note(`trending cache=${cacheMs}: ${JSON.stringify(stats(trendingMs))} first ${Math.round(trendingMs[0]!)} ms; topics ${topics.join(' ')}`)

    const all: number[] = []
    const cold: number[] = []
    let actors = 0
    for (let i = 0; i < Math.max(requests, viewers.length); i++) {
      const { ms, out } = await call(suggestions, { limit: args.limit! }, viewers[i % viewers.length]!)
      all.push(ms)
      if (i < viewers.length) cold.push(ms)
      actors += out.actors.length
    }
    emit({ kind: 'suggestions', cacheMs, limit: Number(args.limit), cold: stats(cold), all: stats(all), meanActors: Math.round(actors / all.length) })
    note(`suggestions cache=${cacheMs}: first per viewer ${JSON.stringify(stats(cold))}; all ${JSON.stringify(stats(all))}; ${Math.round(actors / all.length)} actors a page`)

    if (heavy) {
      const heavyMs: number[] = []
      for (let i = 0; i < Math.max(1, Math.floor(requests / 4)); i++) heavyMs.push((await call(suggestions, { limit: args.limit! }, heavy)).ms)
      emit({ kind: 'heavy', cacheMs, limit: Number(args.limit), viewer: heavy, ...stats(heavyMs), firstMs: Math.round(heavyMs[0]!) })
      note(`suggestions of the 1,000-follow viewer cache=${cacheMs}: ${JSON.stringify(stats(heavyMs))} first ${Math.round(heavyMs[0]!)} ms`)
    }
  }
  await client.close()
}

await main()
