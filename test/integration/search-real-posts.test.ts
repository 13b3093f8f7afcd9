/**
 * Post search over real posts ($MAGPIE_TEST_DATA/posts, read there, never copied into the repo):
 * every post goes through Magpie's post transform and bulk writer into a fresh prefix, then the
 * data plane's search answers a set of written-down queries with the posts expected on top.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { createDataPlane, type DataPlane } from '#/dataplane/index.js'
import { BulkWriter } from '#/indexing/bulk-writer.js'
import { recordWriteOp } from '#/indexing/operations.js'
import { postFamily } from '#/indexing/transforms/post.js'
import { createLogger } from '#/log.js'
import { queryLanguages } from '#/search/languages.js'
import { parseQuery } from '#/search/query-parser.js'
import { applySetup } from '#/store/setup.js'
import { dropPrefix, testClient, uniquePrefix } from '../helpers/opensearch.js'
import { requireTestData } from '../helpers/test-data.js'

// The archive first: it has the facets (tags, links) of the posts both files hold, and the first write wins.
const FILES = ['keegan_search_archive_posts.jsonl', 'nytimes_posts_2026.jsonl']
const data = requireTestData('post search over real posts', FILES.map((f) => `posts/${f}`))
const DATA = `${data.dir}/posts`
const present = data.skip === false

const client = testClient()
const prefix = uniquePrefix('search-real')
let dataplane: DataPlane
const texts = new Map<string, string>()

interface Row {
  uri: string
  cid: string
  created_at: string
  text: string
  langs?: string[] | string | null
  hashtags?: string[]
  mentions?: string[]
  links?: string[]
}

function recordOf(row: Row): Record<string, unknown> {
  const langs = Array.isArray(row.langs) ? row.langs : typeof row.langs === 'string' ? [row.langs] : []
  // The archive keeps facets' values, not their byte ranges; the transform reads only the values.
  const at = { byteStart: 0, byteEnd: 1 }
  const features = [
    ...(row.hashtags ?? []).map((tag) => ({ $type: 'app.bsky.richtext.facet#tag', tag })),
    ...(row.mentions ?? []).filter((d) => d.startsWith('did:')).map((did) => ({ $type: 'app.bsky.richtext.facet#mention', did })),
    ...(row.links ?? []).map((uri) => ({ $type: 'app.bsky.richtext.facet#link', uri })),
  ]
  return {
    $type: 'app.bsky.feed.post',
    text: row.text,
    createdAt: row.created_at,
    ...(langs.length ? { langs } : {}),
    ...(features.length ? { facets: features.map((f) => ({ index: at, features: [f] })) } : {}),
  }
}

before(async () => {
  if (!present) return
  const log = createLogger('warn')
  await applySetup(client, prefix, log)
  const writer = new BulkWriter<number>({ client, log, flushBytes: 2_000_000, flushMs: 200, maxInFlight: 2 })
  for (const file of FILES) {
    for (const line of readFileSync(`${DATA}/${file}`, 'utf8').split('\n')) {
      if (!line.trim()) continue
      const row = JSON.parse(line) as Row
      const [, , did, collection, rkey] = row.uri.split('/')
      texts.set(row.uri, row.text)
      writer.add(recordWriteOp(prefix, postFamily, { did: did!, collection: collection!, rkey: rkey!, cid: row.cid, record: recordOf(row), indexedAt: row.created_at }, 1))
    }
  }
  await writer.close()
  assert.equal(writer.stats.rejected, 0, 'every real post fits the mapping')
  await client.indices.refresh({ index: `${prefix}posts-*` })
  dataplane = createDataPlane({ client, prefix, cacheTtlMs: 0 })
})

after(async () => {
  await dropPrefix(client, prefix)
  await client.close()
})

async function search(q: string, sort: 'latest' | 'top' = 'top', limit = 5) {
  const parsed = parseQuery(q)
  const filters = {
    hashtags: parsed.filters.filter((f) => f.field === 'tag' && !f.negated).map((f) => f.value),
    excludeHashtags: parsed.filters.filter((f) => f.field === 'tag' && f.negated).map((f) => f.value),
    domains: parsed.filters.filter((f) => f.field === 'domain').map((f) => f.value),
    languages: parsed.filters.filter((f) => f.field === 'lang').map((f) => f.value),
    since: parsed.since,
    until: parsed.until,
  }
  const languages = [...new Set(parsed.text.flatMap((t) => queryLanguages(t.text)))]
  const page = await dataplane.searchPosts({ search: { text: parsed.text, filters, languages }, sort, limit, withTotal: true })
  return { ...page, texts: page.uris.map((uri) => texts.get(uri) ?? '') }
}

const NYT = 'at://did:plc:eclio37ymobqex2ncko63h4r/app.bsky.feed.post/'
const skip = data.skip

test('words: "minneapolis shooting" → the ICE agent charged in the Minneapolis shooting', { skip }, async () => {
  const r = await search('minneapolis shooting')
  assert.ok([`${NYT}3mm5iamt2xw2i`, `${NYT}3mm5i5gtexs2s`].includes(r.uris[0]!), r.texts[0])
  for (const text of r.texts) assert.match(text, /minneapolis/i)
})

test('phrase: "george floyd" → only posts naming him, exactly', { skip }, async () => {
  const r = await search('"george floyd"', 'top', 20)
  assert.ok(r.uris.length >= 5)
  assert.equal(r.hitsTotal, r.uris.length)
  for (const text of r.texts) assert.match(text, /George Floyd/)
  assert.ok(r.uris.includes(`${NYT}3mbu6hyf5262a`), 'the first report of the January shooting')
})

test('stemming: "running" finds "run" and "runs"', { skip }, async () => {
  const r = await search('running', 'top', 20)
  assert.ok(r.texts.some((t) => /\brun\b/i.test(t) && !/running/i.test(t)), 'a post saying only "run"')
})

test('names: "moise kean" → the Moise Kean interview, alone', { skip }, async () => {
  const r = await search('moise kean')
  assert.deepEqual(r.uris, ['at://did:plc:3kf2k7zfamwpwjf5x5lazrpu/app.bsky.feed.post/3lavjqgroqm27'])
})

test('negation: "wirecutter -app" → Wirecutter posts without app(s)', { skip }, async () => {
  const r = await search('wirecutter -app', 'top', 50)
  assert.ok(r.uris.length >= 20)
  for (const text of r.texts) {
    assert.match(text, /wirecutter/i)
    assert.doesNotMatch(text, /\bapps?\b/i)
  }
})

test('since/until: tariffs in the first days of March 2026 → the states suing over the 10% tariffs', { skip }, async () => {
  const r = await search('since:2026-03-01 until:2026-03-10 tariffs')
  assert.deepEqual(r.uris, [`${NYT}3mgdhp57kbz2c`])
})

test('hashtags and domains: #LFC posts; domain:nyti.ms', { skip }, async () => {
  const tagged = await search('#lfc', 'latest', 100)
  assert.equal(tagged.hitsTotal, 44)
  const negated = await search('#lfc -#LFC', 'latest')
  assert.equal(negated.uris.length, 0)
  const short = await search('domain:nyti.ms', 'latest', 100)
  assert.equal(short.hitsTotal, 96)
  for (const text of short.texts) assert.ok(text.length > 0)
})

test('latest is newest first, and cursors page without overlap in both sorts', { skip }, async () => {
  for (const sort of ['latest', 'top'] as const) {
    const parsed = parseQuery('minneapolis')
    const req = { search: { text: parsed.text, filters: {}, languages: [] }, sort, limit: 7 }
    const seen: string[] = []
    let after
    for (let i = 0; i < 6; i++) {
      const page = await dataplane.searchPosts({ ...req, after })
      seen.push(...page.uris)
      after = page.next
      if (!after) break
    }
    assert.equal(new Set(seen).size, seen.length, `${sort}: no post twice`)
    assert.ok(seen.length >= 35, `${sort}: ${seen.length} posts over the pages`)
    if (sort === 'latest') {
      const times = seen.map((uri) => uri.split('/').pop()!)
      assert.deepEqual(times, [...times].sort().reverse(), 'TIDs (which follow the time here) descend')
    }
  }
})

test('facets: languages, hashtags, authors, domains, media, and a histogram', { skip }, async () => {
  const facets = await dataplane.getPostFacets({ text: parseQuery('liverpool').text, filters: {}, languages: [] }, 5)
  assert.ok(facets.total > 0)
  assert.equal(facets.hashtags[0]?.value, 'lfc')
  assert.ok(facets.histogram.buckets.reduce((n, b) => n + b.count, 0) === facets.total)
  assert.equal(facets.hasMedia.withMedia + facets.hasMedia.withoutMedia, facets.total)
})
