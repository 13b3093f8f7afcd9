/**
 * Search latency (issue 5: p50 ≤ 20 ms, p99 ≤ 100 ms at ≥ 5 M posts): Magpie's search methods
 * through its read API over the search corpus (`read-corpus.ts --mix search`), at 1 and 8
 * clients, signed in as the corpus's timeline viewer (so the rules step has blocks and mutes
 * to look up, as for a real user).
 *
 *   node --import tsx bench/search-latency.ts [--manifest FILE | --records 7800000 --accounts 200000 --seed 1]
 *     [--requests 200] [--warmup 20] [--clients 1,8] [--cache default] [--kinds …] [--deep-page 10]
 *     [--query-seed N] [--texts DIR (default $MAGPIE_TEST_DATA/posts, MAGPIE_TEST_DATA defaulting to ../shared/data)] [--trace N]
 *
 * Kinds (limit 25 unless said):
 *   latest-words, top-words     searchPosts, sort latest / top: one or two words
 *   latest-phrase, top-phrase   an "exact phrase" of two frequent words
 *   latest-filters, top-filters a word with one of from:, lang:, since:/until:, #tag, domain:, -negation in turn
 *   latest-deep, top-deep       page `--deep-page` of a frequent word (cursors found untimed beforehand)
 *   v2-filters                  searchPostsV2: query, languages, excludeReplies, a hashtag exclusion (last 30 days)
 *   typeahead                   searchActorsTypeahead (limit 10): 1–6 leading characters of handles and display names
 *   actors                      searchActors: a display-name word or a handle's first part
 *   faceted                     net.magpie.search.searchPostsFaceted: a word, every facet and the histogram
 * Query words come from the same real posts the corpus's English text was drawn from, by rank
 * (frequent to fairly rare), tags, domains and languages from the corpus's own aggregations,
 * authors from its most followed accounts. Every request of a run is a different query (OpenSearch
 * caches size-0 answers, such as the counts behind hitsTotal, while the index is not written),
 * and `--query-seed` (default: the clock) gives a new set each run. Before timing, the first 20
 * queries of each kind are sent once to record what they hit (hitsTotal, items per page).
 * Results are appended to bench/results/search-latency.jsonl. `--trace N` measures nothing: it
 * prints the OpenSearch calls of the median of N requests per kind (read-trace.ts).
 * OpenSearch: OPENSEARCH_URL, else http://127.0.0.1:9200.
 */
import { randomBytes } from 'node:crypto'
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { lexicons } from '@atproto/api'
import { makeRng } from '#devnet/rng.js'
import { createLogger } from '#/log.js'
import { createOpenSearchClient } from '#/store/client.js'
import { readApiHarness } from './read-api.js'
import { readCorpusDir, vocabularyFrom } from './read-corpus-records.js'
import type { PlantedManifest } from './read-corpus-planted.js'
import { searchCosts, traceClient, type TracedCall } from './read-trace.js'
import { testDataPath } from '../test/helpers/test-data.js'

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '7800000' },
    accounts: { type: 'string', default: '200000' },
    seed: { type: 'string', default: '1' },
    manifest: { type: 'string' },
    requests: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '20' },
    clients: { type: 'string', default: '1,8' },
    cache: { type: 'string', default: 'default' },
    kinds: { type: 'string' },
    'deep-page': { type: 'string', default: '10' },
    'query-seed': { type: 'string', default: String(Date.now() % 1_000_000) },
    texts: { type: 'string', default: testDataPath('posts') },
    trace: { type: 'string', default: '0' },
  },
})

const OPENSEARCH_URL = process.env.OPENSEARCH_URL || 'http://127.0.0.1:9200'
const SERVICE_DID = 'did:web:searchbench.magpie.test'
const RESULTS = path.resolve('bench/results/search-latency.jsonl')
const PROBES = 20
const run = randomBytes(3).toString('hex')
const note = (line: string): void => void process.stderr.write(`${line}\n`)
const round = (x: number, d = 0): number => Math.round(x * 10 ** d) / 10 ** d
mkdirSync(path.dirname(RESULTS), { recursive: true })
const emit = (row: Record<string, unknown>): void => {
  const line = JSON.stringify({ bench: 'search-latency', run, at: new Date().toISOString(), ...row })
  appendFileSync(RESULTS, `${line}\n`)
  process.stdout.write(`${line}\n`)
}

const manifestFile =
  args.manifest ?? path.join(readCorpusDir({ records: Number(args.records), accounts: Number(args.accounts), seed: Number(args.seed), mix: 'search' }), 'manifest.json')
if (!existsSync(manifestFile)) throw new Error(`no corpus manifest at ${manifestFile}: load one with bench/read-corpus.ts --mix search (same options)`)
const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { prefix: string; planted: PlantedManifest; byIndex?: Record<string, { docs: number; bytes: number }> }
const { prefix, planted } = manifest

const client = createOpenSearchClient(OPENSEARCH_URL)
const log = createLogger(process.env.LOG_LEVEL ?? 'warn', 'magpie-bench')
await client.indices.refresh({ index: `${prefix}*` })
const countOf = async (family: string) => Number(((await client.count({ index: `${prefix}${family}` })).body as { count: number }).count)
const corpus = { posts: await countOf('posts'), actors: await countOf('actors'), profiles: await countOf('profiles'), likes: await countOf('likes'), reposts: await countOf('reposts') }
const storage = await client.cat.indices({ index: `${prefix}*`, format: 'json', bytes: 'b', h: ['index', 'store.size'] })
const bytesOf = (family: string) =>
  (storage.body as unknown as { index: string; 'store.size': string }[]).filter((r) => r.index.slice(prefix.length).replace(/-[^-]+$/, '') === family).reduce((n, r) => n + Number(r['store.size']), 0)
const corpusRow = { ...corpus, postsGiB: round(bytesOf('posts') / 2 ** 30, 2), allGiB: round((storage.body as any[]).reduce((n, r) => n + Number(r['store.size']), 0) / 2 ** 30, 2) }
note(`corpus ${prefix}*: ${JSON.stringify(corpusRow)}`)

// ---------------------------------------------------------------------------- query material

const { vocabulary } = vocabularyFrom(args.texts!)
const plain = (w: string) => /^\p{L}{3,}$/u.test(w)
// Ranks 20–3,000: from words in a few percent of posts to words in a few hundred.
const contentWords = vocabulary.words.slice(20, 3000).filter(plain)
const frequentWords = vocabulary.words.slice(0, 200).filter(plain)
const agg = await client.search({
  index: `${prefix}posts`,
  body: { size: 0, aggs: { tags: { terms: { field: 'tags', size: 12 } }, domains: { terms: { field: 'domains', size: 10 } }, langs: { terms: { field: 'langs', size: 6 } } } } as any,
})
const keys = (name: string): string[] => ((agg.body as any).aggregations[name].buckets as { key: string }[]).map((b) => b.key)
const tags = keys('tags')
const domains = keys('domains')
const langs = keys('langs')
const actorHandles = async (dids: string[]): Promise<string[]> => {
  const res = await client.mget({ index: `${prefix}actors`, body: { ids: dids } })
  return ((res.body as any).docs as any[]).flatMap((d) => (d.found && d._source?.handle ? [d._source.handle as string] : []))
}
const authors = await actorHandles(planted.popularAccounts)
const sampleOf = async (family: string, field: string, seed: number): Promise<string[]> => {
  const res = await client.search({ index: `${prefix}${family}`, body: { size: 1000, _source: [field], query: { function_score: { random_score: { seed, field: '_seq_no' } } } } as any })
  return ((res.body as any).hits.hits as any[]).map((h) => String(field.split('.').reduce((o, k) => o?.[k], h._source) ?? '')).filter((s) => s.length >= 3)
}
const querySeed = Number(args['query-seed'])
const handles = await sampleOf('actors', 'handle', querySeed)
const names = await sampleOf('profiles', 'record.displayName', querySeed + 1)
note(`material: ${contentWords.length} words, tags ${tags.join(' ')}, domains ${domains.length}, languages ${langs.join(' ')}, ${authors.length} authors, ${handles.length} handles, ${names.length} names`)

/** The i-th request's choices: each request index has its own PRNG, so each is a different query. */
const rngFor = (kind: string, i: number) => makeRng((querySeed * 7919 + i * 104729 + [...kind].reduce((h, c) => h * 31 + c.charCodeAt(0), 0)) >>> 0)
const day = (d: Date) => d.toISOString().slice(0, 10)
const corpusEnd = Date.parse('2026-11-20T00:00:00Z')

function wordsQuery(kind: string, i: number): string {
  const rng = rngFor(kind, i)
  return i % 2 === 0 ? rng.pick(contentWords) : `${rng.pick(contentWords)} ${rng.pick(contentWords)}`
}
function phraseQuery(kind: string, i: number): string {
  const rng = rngFor(kind, i)
  return `"${rng.pick(frequentWords)} ${rng.pick(frequentWords)}"`
}
const FILTERS = ['from', 'lang', 'dates', 'tag', 'domain', 'negation'] as const
function filterQuery(kind: string, i: number): string {
  const rng = rngFor(kind, i)
  const w = rng.pick(contentWords)
  switch (FILTERS[i % FILTERS.length]!) {
    case 'from':
      return `${rng.pick(frequentWords)} from:${rng.pick(authors)}`
    case 'lang':
      return `${w} lang:${rng.pick(langs)}`
    case 'dates': {
      const since = corpusEnd - (30 + rng.int(600)) * 86_400_000
      return `${w} since:${day(new Date(since))} until:${day(new Date(since + 30 * 86_400_000))}`
    }
    case 'tag':
      return `${rng.pick(frequentWords)} #${rng.pick(tags)}`
    case 'domain':
      return `${rng.pick(frequentWords)} domain:${rng.pick(domains)}`
    case 'negation':
      return `${w} ${rng.pick(frequentWords)} -${rng.pick(frequentWords)}`
  }
}
function typeaheadTerm(kind: string, i: number): string {
  const rng = rngFor(kind, i)
  const source = rng.chance(0.5) ? rng.pick(handles) : rng.pick(names)
  return source.slice(0, 1 + (i % 6))
}
function actorTerm(kind: string, i: number): string {
  const rng = rngFor(kind, i)
  return rng.chance(0.5) ? rng.pick(handles).split('.')[0]! : rng.pick(names.flatMap((n) => n.split(/\s+/).filter((w) => w.length >= 3)))
}

// ---------------------------------------------------------------------------------- the kinds

interface Kind {
  name: string
  nsid: string
  params(i: number): Record<string, string | string[]>
  /** Hits of an answer (hitsTotal, or the items when there is no total). */
  hits(body: any): number | undefined
  items(body: any): number
}
const SEARCH = 'app.bsky.feed.searchPosts'
const FACETED = 'net.magpie.search.searchPostsFaceted'
const posts = (body: any) => body.posts.length
const total = (body: any) => body.hitsTotal
const deepCursors: Record<string, string[]> = {}
const allKinds: Kind[] = [
  ...(['latest', 'top'] as const).flatMap((sort): Kind[] => [
    { name: `${sort}-words`, nsid: SEARCH, params: (i) => ({ q: wordsQuery(`${sort}-words`, i), sort, limit: '25' }), hits: total, items: posts },
    { name: `${sort}-phrase`, nsid: SEARCH, params: (i) => ({ q: phraseQuery(`${sort}-phrase`, i), sort, limit: '25' }), hits: total, items: posts },
    { name: `${sort}-filters`, nsid: SEARCH, params: (i) => ({ q: filterQuery(`${sort}-filters`, i), sort, limit: '25' }), hits: total, items: posts },
    {
      name: `${sort}-deep`,
      nsid: SEARCH,
      params: (i) => {
        const cursors = deepCursors[sort]!
        const [q, cursor] = cursors[i % cursors.length]!.split('\n')
        return { q: q!, sort, limit: '25', cursor: cursor! }
      },
      hits: () => undefined,
      items: posts,
    },
  ]),
  {
    name: 'v2-filters',
    nsid: 'app.bsky.feed.searchPostsV2',
    params: (i) => {
      const rng = rngFor('v2', i)
      return { query: rng.pick(frequentWords), languages: [rng.pick(langs)], excludeReplies: 'true', excludeHashtags: [rng.pick(tags)], limit: '25' }
    },
    hits: total,
    items: posts,
  },
  { name: 'typeahead', nsid: 'app.bsky.actor.searchActorsTypeahead', params: (i) => ({ q: typeaheadTerm('typeahead', i), limit: '10' }), hits: (b) => b.actors.length, items: (b) => b.actors.length },
  { name: 'actors', nsid: 'app.bsky.actor.searchActors', params: (i) => ({ q: actorTerm('actors', i), limit: '25' }), hits: (b) => b.actors.length, items: (b) => b.actors.length },
  { name: 'faceted', nsid: FACETED, params: (i) => ({ q: rngFor('faceted', i).pick(contentWords), facetLimit: '10', limit: '25' }), hits: total, items: posts },
]
const kinds = args.kinds ? args.kinds.split(',').map((n) => allKinds.find((k) => k.name === n) ?? fail(`unknown kind ${n}; known: ${allKinds.map((k) => k.name).join(', ')}`)) : allKinds
const pathOf = (kind: Kind, i: number): string => {
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(kind.params(i))) for (const x of [v].flat()) qs.append(k, x)
  return `/xrpc/${kind.nsid}?${qs}`
}

const api = await readApiHarness({ client, log, prefix, opensearchUrl: OPENSEARCH_URL, serviceDid: SERVICE_DID, viewers: { viewer: planted.timelineViewer } })
const tracer = traceClient(client)
const table: string[] = []
for (const cache of args.cache!.split(',')) {
  const { base, config, close } = await api.start(cache)
  note(`Magpie read API at ${base}, READ_CACHE_MS=${config.READ_CACHE_MS}`)
  const get = (kind: Kind, p: string) => api.get(base, p, 'viewer', kind.nsid)
  for (const kind of kinds) {
    if (kind.name.endsWith('-deep') && !deepCursors[kind.name.split('-')[0]!]) await findDeepCursors(kind, get)
    // What the queries hit, untimed (and the answers checked against the lexicon).
    const hits: number[] = []
    const items: number[] = []
    const byFilter: Record<string, number[]> = {}
    for (let i = 0; i < PROBES; i++) {
      const res = await get(kind, pathOf(kind, i))
      if (res.status !== 200) fail(`${kind.name}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)} for ${pathOf(kind, i)}`)
      if (kind.nsid !== FACETED) lexicons.assertValidXrpcOutput(kind.nsid, res.body)
      const h = kind.hits(res.body)
      if (h !== undefined) hits.push(h)
      items.push(kind.items(res.body))
      if (kind.name.endsWith('-filters') && kind.nsid === SEARCH) (byFilter[FILTERS[i % FILTERS.length]!] ??= []).push(h ?? 0)
    }
    const answer = {
      hits: hits.length ? { min: Math.min(...hits), median: median(hits), max: Math.max(...hits) } : undefined,
      itemsMedian: median(items),
      ...(Object.keys(byFilter).length ? { hitsByFilter: Object.fromEntries(Object.entries(byFilter).map(([f, h]) => [f, median(h)])) } : {}),
    }
    if (Number(args.trace) > 0) {
      await traceKind(kind, get, cache)
      continue
    }
    // Each client count gets queries of its own, after the probes'.
    let next = PROBES
    for (const clients of args.clients!.split(',').map(Number)) {
      const warmup = Number(args.warmup)
      const requests = Number(args.requests)
      const paths = (n: number) => Array.from({ length: n }, () => pathOf(kind, next++))
      const m = await api.measure(base, 'viewer', kind.nsid, clients, paths(warmup), paths(requests))
      emit({ part: 'search', prefix, corpus: corpusRow, kind: kind.name, nsid: kind.nsid, cacheTtlMs: config.READ_CACHE_MS, clients, warmup, ...m, answer })
      const line = `${kind.name.padEnd(15)} ${String(clients).padStart(2)} client(s) p50 ${String(m.p50).padStart(7)} p99 ${String(m.p99).padStart(7)} ms  ${String(m.rps).padStart(6)} req/s  OpenSearch ${m.opensearchCpuMsPerRequest} ms CPU/req  hits ${answer.hits ? `${answer.hits.min}/${answer.hits.median}/${answer.hits.max}` : '-'}  load ${m.loadavg[0]}`
      table.push(line)
      note(line)
    }
  }
  await close()
}
await api.close()
if (table.length) note(`\nsearch latency, ${corpus.posts.toLocaleString('en')} posts (cache ${args.cache}):\n${table.join('\n')}`)
await client.close()

/** Page `--deep-page` cursors of ten frequent words, paged to untimed. */
async function findDeepCursors(kind: Kind, get: (kind: Kind, p: string) => Promise<{ status: number; body: any }>): Promise<void> {
  const sort = kind.name.split('-')[0]!
  const found: string[] = []
  for (const q of frequentWords.slice(20, 30)) {
    let cursor: string | undefined
    let page = 1
    for (; page < Number(args['deep-page']); page++) {
      const res = await get(kind, `/xrpc/${SEARCH}?${new URLSearchParams({ q, sort, limit: '25', ...(cursor ? { cursor } : {}) })}`)
      if (res.status !== 200 || !res.body.cursor) break
      cursor = res.body.cursor as string
    }
    if (cursor && page === Number(args['deep-page'])) found.push(`${q}\n${cursor}`)
  }
  if (found.length === 0) fail(`${kind.name}: no query reaches page ${args['deep-page']}`)
  deepCursors[sort] = found
  note(`${kind.name}: ${found.length} cursors at page ${args['deep-page']}`)
}

async function traceKind(kind: Kind, get: (kind: Kind, p: string) => Promise<unknown>, cache: string): Promise<void> {
  const traced: { ms: number; calls: TracedCall[]; path: string }[] = []
  for (let i = 0; i < Number(args.trace); i++) {
    const p = pathOf(kind, PROBES + i)
    tracer.begin()
    const t0 = performance.now()
    await get(kind, p)
    traced.push({ ms: performance.now() - t0, calls: tracer.end(), path: p })
  }
  const mid = traced.sort((a, b) => a.ms - b.ms)[Math.floor(traced.length / 2)]!
  emit({ part: 'trace', kind: kind.name, cache, ms: round(mid.ms, 1), path: mid.path, calls: mid.calls })
  note(`${kind.name}: median ${round(mid.ms, 1)} ms, ${mid.calls.length} OpenSearch calls (${decodeURIComponent(mid.path)})`)
  for (const c of mid.calls) note(`  +${c.at} ms ${c.ms} ms ${c.op} took ${c.took?.join('/') ?? '-'}\n    ${c.what.join('\n    ')}`)
  const costs = await searchCosts(client, mid.calls)
  note(`${kind.name}: ${costs.length} searches, ${costs.reduce((n, c) => n + c.took, 0)} ms of took when sent alone; the costliest:`)
  for (const c of costs.slice(0, 8)) note(`  ${String(c.took).padStart(4)} ms  ${c.what}`)
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? NaN
}

function fail(message: string): never {
  throw new Error(message)
}
