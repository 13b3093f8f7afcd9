import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, test } from 'node:test'
import { lexicons as bskyLexicons } from '@atproto/api'
import { Lexicons } from '@atproto/lexicon'
import type { DevAccount } from '#devnet/network.js'
import { devnetEnv } from '../helpers/devnet-env.js'
import { createRecord, startMagpieApi, until, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * Post search end to end: posts in English, Japanese, Korean, Chinese, Portuguese and German,
 * with emoji, hashtags, links and mentions, written through a PDS and searched over HTTP with
 * searchPosts, searchPostsV2 and Magpie's faceted search. Every answer validates against its
 * lexicon (the faceted one against lexicons/net/magpie/search/searchPostsFaceted.json).
 */

const FACETED = 'net.magpie.search.searchPostsFaceted'
const lex = new Lexicons([
  ...(bskyLexicons as any).docs.values(),
  JSON.parse(readFileSync(new URL('../../lexicons/net/magpie/search/searchPostsFaceted.json', import.meta.url), 'utf8')),
])

let api: MagpieApi
const acct = {} as Record<'alice' | 'bob' | 'carol' | 'dave', DevAccount>
const uri: Record<string, string> = {}

function utf8Range(text: string, part: string) {
  const start = Buffer.byteLength(text.slice(0, text.indexOf(part)))
  return { byteStart: start, byteEnd: start + Buffer.byteLength(part) }
}

async function post(who: DevAccount, name: string, text: string, extra: Record<string, unknown> = {}) {
  const res = await createRecord(who.agent, 'app.bsky.feed.post', { text, createdAt: new Date().toISOString(), ...extra })
  uri[name] = res.uri
  return res
}

before(async () => {
  api = await startMagpieApi('api-search', {})
  for (const name of ['alice', 'bob', 'carol', 'dave'] as const) acct[name] = await api.net.createAccount(name)
  const { alice, bob, carol, dave } = acct
  await post(alice, 'en', 'I was running by the river this morning ☕ great coffee after', { langs: ['en'] })
  const tagged = 'Launch day for the new release #Atproto #Rust'
  await post(alice, 'tags', tagged, {
    langs: ['en'],
    facets: [
      { index: utf8Range(tagged, '#Atproto'), features: [{ $type: 'app.bsky.richtext.facet#tag', tag: 'Atproto' }] },
      { index: utf8Range(tagged, '#Rust'), features: [{ $type: 'app.bsky.richtext.facet#tag', tag: 'Rust' }] },
    ],
  })
  const linked = 'Read the report at https://www.example.com/report/2026 about river pollution'
  await post(bob, 'link', linked, {
    langs: ['en'],
    facets: [{ index: utf8Range(linked, 'https://www.example.com/report/2026'), features: [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://www.example.com/report/2026' }] }],
  })
  const mention = `thanks @${alice.handle} for the river photos`
  await post(bob, 'mention', mention, {
    langs: ['en'],
    facets: [{ index: utf8Range(mention, `@${alice.handle}`), features: [{ $type: 'app.bsky.richtext.facet#mention', did: alice.did }] }],
  })
  await post(carol, 'ja', '東京都に住んでいます。ラーメンが大好きです 🍜', { langs: ['ja'] })
  await post(carol, 'ko', '서울에서 친구를 만났어요', { langs: ['ko'] })
  await post(carol, 'zh', '我爱北京天安门', { langs: ['zh'] })
  await post(dave, 'pt', 'Estamos correndo na praia de Copacabana hoje', { langs: ['pt'] })
  await post(dave, 'de', 'Die Straßenbahn in München ist heute pünktlich', { langs: ['de'] })
  await post(dave, 'phrase', 'the quick brown fox jumps over the lazy river dog', { langs: ['en'] })
  await post(dave, 'reversed', 'the brown quick fox sleeps by the river', { langs: ['en'] })
  const root = await createRecord(alice.agent, 'app.bsky.feed.post', { text: 'a thread about river boats', createdAt: new Date().toISOString() })
  uri.root = root.uri
  await post(bob, 'reply', 'river boats are the best', { reply: { root, parent: root } })
  await until('every post searchable', () => api.xrpc('app.bsky.feed.searchPosts', { q: 'river', limit: 100 }), (a) => a.body.posts?.length === 7)
})

after(() => api?.close())

async function q(query: string, extra: Record<string, string | number | boolean | string[]> = {}, viewer?: DevAccount): Promise<string[]> {
  const res = await api.xrpc('app.bsky.feed.searchPosts', { q: query, limit: 100, ...extra }, viewer)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.posts.map((p: { uri: string }) => p.uri)
}

const names = (uris: string[]) => uris.map((u) => Object.keys(uri).find((k) => uri[k] === u) ?? u).sort()

test('words, stemming and folding', async () => {
  assert.deepEqual(names(await q('run')), ['en'])
  assert.deepEqual(names(await q('coffee ☕')), ['en'])
  assert.deepEqual(names(await q('strassenbahn')), ['de'], 'ß folded to ss')
  assert.deepEqual(names(await q('Straßenbahn münchen')), ['de'])
  assert.deepEqual(names(await q('munchen')), ['de'], 'diacritics folded')
  assert.deepEqual(names(await q('copacabana')), ['pt'])
})

test('phrases and negation', async () => {
  assert.deepEqual(names(await q('"quick brown fox"')), ['phrase'])
  assert.deepEqual(names(await q('quick brown fox')), ['phrase', 'reversed'])
  assert.deepEqual(names(await q('fox -"lazy river"')), ['reversed'])
  assert.deepEqual(names(await q('river -boats -fox -report -photos')), ['en'])
  assert.deepEqual(names(await q('"unbalanced quick brown')), [])
})

test('CJK: Japanese, Korean and Chinese words and substrings', async () => {
  assert.deepEqual(names(await q('東京')), ['ja'])
  assert.deepEqual(names(await q('ラーメン')), ['ja'])
  assert.deepEqual(names(await q('住んで')), ['ja'])
  assert.deepEqual(names(await q('서울')), ['ko'])
  assert.deepEqual(names(await q('친구')), ['ko'])
  assert.deepEqual(names(await q('北京')), ['zh'])
  assert.deepEqual(names(await q('天安门')), ['zh'])
  assert.deepEqual(names(await q('🍜')), ['ja'])
})

test('operators: #tags, from:, to:, mentions:, lang:, domain:, URLs, since:/until:', async () => {
  const { alice, bob } = acct
  assert.deepEqual(names(await q('#atproto')), ['tags'])
  assert.deepEqual(names(await q('#ATPROTO #rust')), ['tags'])
  assert.deepEqual(names(await q('release -#rust')), [])
  assert.deepEqual(names(await q(`river from:${bob.handle}`)), ['link', 'mention', 'reply'])
  assert.deepEqual(names(await q(`river from:${bob.did}`)), ['link', 'mention', 'reply'])
  assert.deepEqual(names(await q(`river -from:@${bob.handle}`)), ['en', 'phrase', 'reversed', 'root'].sort())
  assert.deepEqual(names(await q('river from:me', {}, bob)), ['link', 'mention', 'reply'])
  assert.deepEqual(names(await q(`mentions:${alice.handle}`)), ['mention'])
  assert.deepEqual(names(await q(`to:${alice.handle}`)), ['mention', 'reply'])
  assert.deepEqual(names(await q('lang:ja')), ['ja'])
  assert.deepEqual(names(await q('river lang:en -from:' + bob.handle)), ['en', 'phrase', 'reversed'])
  assert.deepEqual(names(await q('domain:example.com')), ['link'])
  assert.deepEqual(names(await q('https://www.example.com/report/2026')), ['link'])
  assert.deepEqual(names(await q('river since:2000-01-01 until:2001-01-01')), [])
  assert.equal((await q('river since:2000-01-01')).length, 7)
  assert.deepEqual(names(await q('river', { author: bob.handle, tag: ['nothing'] })), [])
  assert.deepEqual(names(await q('from:nobody.invalid')), [])
})

test('sort=top, hitsTotal and paging', async () => {
  const first = await api.xrpc('app.bsky.feed.searchPosts', { q: 'river', sort: 'top', limit: 3 })
  assert.equal(first.body.hitsTotal, 7)
  assert.equal(first.body.posts.length, 3)
  const rest = await api.xrpc('app.bsky.feed.searchPosts', { q: 'river', sort: 'top', limit: 10, cursor: first.body.cursor })
  const all = [...first.body.posts, ...rest.body.posts].map((p: { uri: string }) => p.uri)
  assert.equal(new Set(all).size, 7)
})

test('hostile input: 400s, never 500s', async () => {
  for (const bad of ['a'.repeat(1001), 'since:yesterday', Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '), ' ']) {
    const res = await api.xrpc('app.bsky.feed.searchPosts', { q: bad })
    assert.equal(res.status, 400, bad.slice(0, 20))
    assert.equal(res.body.error, 'BadQueryString')
  }
  assert.equal((await api.xrpc('app.bsky.feed.searchPosts', { q: 'from:me' })).status, 400)
  assert.equal((await api.xrpc('app.bsky.feed.searchPosts', { q: 'river', cursor: 'bm90IGEgY3Vyc29y' })).status, 400)
  for (const odd of ['\u0000\u202e\ud800', '*:* OR _id:1', '{"query":{"match_all":{}}}', '(((', '\\', '-', '"']) {
    const res = await api.xrpc('app.bsky.feed.searchPosts', { q: odd })
    assert.ok(res.status === 200 || res.status === 400, `${JSON.stringify(odd)} → ${res.status}`)
  }
})

test('long lists of filters: refused with a reason past the limit, never a 500', async () => {
  const faceted = async (params: Record<string, string[]>) => {
    const query = new URLSearchParams()
    for (const [k, v] of Object.entries(params)) for (const one of v) query.append(k, one)
    const res = await fetch(`${api.base}/xrpc/${FACETED}?${query}`)
    return { status: res.status, body: (await res.json()) as any }
  }
  const many = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i))
  // Each is a list OpenSearch would refuse (too many clauses) or Magpie should not resolve one by one.
  const lists: [string, string[]][] = [
    ['languages', many(1100, () => 'en')],
    ['excludeLanguages', many(700, () => 'de')],
    ['authors', many(300, (i) => `user${i}.test`)],
    ['excludeHashtags', many(700, (i) => `t${i}`)],
    ['domains', many(600, (i) => `d${i}.example`)],
  ]
  for (const [name, values] of lists) {
    const v2 = await api.xrpc('app.bsky.feed.searchPostsV2', { query: 'river', [name]: values })
    assert.equal(v2.status, 400, `searchPostsV2 ${name}×${values.length}: ${JSON.stringify(v2.body)}`)
    assert.equal(v2.body.error, 'InvalidRequest')
    assert.match(v2.body.message, new RegExp(`^${name} must not have more than \\d+ items`))
    const facets = await faceted({ q: ['river'], [name]: values })
    assert.equal(facets.status, 400, `faceted ${name}×${values.length}: ${JSON.stringify(facets.body)}`)
    assert.equal(facets.body.error, 'InvalidRequest')
  }
  // At the limit, the same search is answered.
  const atLimit = await api.xrpc('app.bsky.feed.searchPostsV2', { query: 'river', languages: many(25, (i) => (i % 2 ? 'en' : 'ja')), excludeDomains: many(25, (i) => `d${i}.example`) })
  assert.equal(atLimit.status, 200, JSON.stringify(atLimit.body))
  const dids = many(300, (i) => `did:plc:${String(i).padStart(24, 'a')}`)
  const services = await api.xrpc('app.bsky.labeler.getServices', { dids })
  assert.equal(services.status, 400, JSON.stringify(services.body))
  assert.match(services.body.message, /^dids must not have more than \d+ items/)
  const feeds = many(150, (i) => `at://did:plc:${'a'.repeat(24)}/app.bsky.feed.generator/f${i}`)
  const gens = await api.xrpc('app.bsky.feed.getFeedGenerators', { feeds })
  assert.equal(gens.status, 400, JSON.stringify(gens.body))
  assert.match(gens.body.message, /^feeds must not have more than \d+ items/)
})

test('a search OpenSearch fails takes no `magpie serve` down', async () => {
  // Its own process, as operators run it: an unhandled rejection there ends it.
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'serve', '--port', '0'], {
    cwd: root,
    env: devnetEnv(api.net, api.prefix, { LOG_LEVEL: 'info', SERVICE_DID: api.serviceDid }),
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const base = new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString()
      const url = /"url":"(http:[^"]+)"[^\n]*"msg":"serving"/.exec(log)?.[1]
      if (url) resolve(url)
    })
    void exited.then(() => reject(new Error(`serve exited before serving:\n${log}`)))
  })
  const posts = `${api.prefix}posts*`
  const search = async (url: string) => {
    const res = await fetch(`${url}/xrpc/app.bsky.feed.searchPostsV2?${new URLSearchParams({ query: 'river', limit: '3' })}`)
    return { status: res.status, body: (await res.json()) as any }
  }
  try {
    const url = await base
    assert.equal((await search(url)).status, 200)
    // Every search of posts now fails in OpenSearch: the page and the count alike.
    await api.client.indices.putSettings({ index: posts, body: { 'index.blocks.read': true } })
    const failed = await search(url)
    assert.ok(failed.status >= 500, JSON.stringify(failed.body))
    assert.deepEqual(Object.keys(failed.body).sort(), ['error', 'message'])
    await api.client.indices.putSettings({ index: posts, body: { 'index.blocks.read': false } })
    // Let a stray rejection, if any, reach the process before asking again.
    await new Promise((r) => setTimeout(r, 1_000))
    const again = await search(url).catch((err) => ({ status: 0, body: String(err) }))
    assert.equal(again.status, 200, `serve still answers: ${JSON.stringify(again.body)}\n${log.slice(-2000)}`)
    assert.equal(child.exitCode, null)
  } finally {
    await api.client.indices.putSettings({ index: posts, body: { 'index.blocks.read': false } })
    child.kill('SIGTERM')
    await exited
  }
})

test('blocks and mutes leave posts out', async () => {
  const { alice, carol } = acct
  await createRecord(carol.agent, 'app.bsky.graph.block', { subject: alice.did, createdAt: new Date().toISOString() })
  await until('block applied', () => api.xrpc('app.bsky.feed.searchPosts', { q: 'river', limit: 100 }, carol), (a) => a.body.posts?.length === 5)
  const muted = await api.call('app.bsky.graph.muteActor', { actor: acct.dave.did }, acct.bob)
  assert.equal(muted.status, 200)
  assert.deepEqual(names(await q('river', {}, acct.bob)), ['en', 'link', 'mention', 'reply', 'root'])
  assert.deepEqual(names(await q(`river from:${acct.dave.handle}`, {}, acct.bob)), ['phrase', 'reversed'], 'asked for by name')
})

test('searchPostsV2: filters', async () => {
  const { alice, bob } = acct
  const v2 = async (params: Record<string, string | number | boolean | string[]>, viewer?: DevAccount) => {
    const res = await api.xrpc('app.bsky.feed.searchPostsV2', { limit: 100, ...params }, viewer)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body
  }
  assert.deepEqual(names((await v2({ query: 'river', authors: [bob.handle] })).posts.map((p: any) => p.uri)), ['link', 'mention', 'reply'])
  assert.deepEqual(names((await v2({ query: 'river', excludeAuthors: [bob.did, acct.dave.did] })).posts.map((p: any) => p.uri)), ['en', 'root'])
  assert.deepEqual(names((await v2({ mentions: [alice.handle] })).posts.map((p: any) => p.uri)), ['mention'])
  assert.deepEqual(names((await v2({ hashtags: ['rust', 'nothing'] })).posts.map((p: any) => p.uri)), ['tags'])
  assert.deepEqual(names((await v2({ domains: ['example.com'] })).posts.map((p: any) => p.uri)), ['link'])
  assert.deepEqual(names((await v2({ urls: ['https://www.example.com/report/2026'] })).posts.map((p: any) => p.uri)), ['link'])
  assert.deepEqual(names((await v2({ languages: ['ko', 'zh'] })).posts.map((p: any) => p.uri)), ['ko', 'zh'])
  assert.deepEqual(names((await v2({ query: 'river', repliesOnly: true })).posts.map((p: any) => p.uri)), ['reply'])
  assert.equal((await v2({ query: 'river', excludeReplies: true })).posts.length, 6)
  assert.deepEqual(names((await v2({ threadRootUri: uri.root! })).posts.map((p: any) => p.uri)), ['reply', 'root'])
  assert.deepEqual(names((await v2({ replyParentUri: uri.root! })).posts.map((p: any) => p.uri)), ['reply'])
  assert.equal((await v2({ query: 'river', since: '2000-01-01' })).posts.length, 7, 'the recent window still applies')
  assert.equal((await v2({ query: 'river', until: '2001-01-01', allTime: true })).posts.length, 0)
  const ja = await v2({ query: '東京' })
  assert.deepEqual(ja.detectedQueryLanguages, ['ja', 'zh'])
  assert.equal(ja.hitsTotal, 1)
  await createRecord(bob.agent, 'app.bsky.graph.follow', { subject: alice.did, createdAt: new Date().toISOString() })
  await until('follow indexed', () => api.xrpc('app.bsky.feed.searchPostsV2', { query: 'river', following: true }, bob), (a) => a.body.posts?.length === 2)
  const bad = await api.xrpc('app.bsky.feed.searchPostsV2', {})
  assert.equal(bad.status, 400)
})

test('faceted search: counts and histogram, valid against its lexicon', async () => {
  const res = await fetch(`${api.base}/xrpc/${FACETED}?${new URLSearchParams({ q: 'river', facetLimit: '5', limit: '2' })}`)
  const body = (await res.json()) as any
  assert.equal(res.status, 200, JSON.stringify(body))
  lex.assertValidXrpcOutput(FACETED, body)
  assert.equal(body.hitsTotal, 7)
  assert.equal(body.posts.length, 2)
  assert.ok(body.cursor)
  const authors = Object.fromEntries(body.facets.authors.map((b: any) => [b.value, b.count]))
  assert.equal(authors[acct.bob.did], 3)
  assert.deepEqual(body.facets.languages.find((b: any) => b.value === 'en'), { value: 'en', count: 5 })
  assert.deepEqual(body.facets.domains, [{ value: 'example.com', count: 1 }])
  assert.equal(body.histogram.buckets.reduce((n: number, b: any) => n + b.count, 0), 7)
  const tags = await fetch(`${api.base}/xrpc/${FACETED}?${new URLSearchParams({ hashtags: 'rust', limit: '0' })}`)
  const tagBody = (await tags.json()) as any
  lex.assertValidXrpcOutput(FACETED, tagBody)
  assert.deepEqual(tagBody.facets.hashtags.map((b: any) => b.value).sort(), ['atproto', 'rust'])
})

test('faceted search: exclude filters take a facet value out of hits, counts and histogram', async () => {
  const faceted = async (params: Record<string, string | string[]>) => {
    const query = new URLSearchParams()
    for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) query.append(k, one)
    const res = await fetch(`${api.base}/xrpc/${FACETED}?${query}`)
    const body = (await res.json()) as any
    assert.equal(res.status, 200, JSON.stringify(body))
    lex.assertValidXrpcOutput(FACETED, body)
    return body
  }
  const all = await faceted({ q: 'river', limit: '0' })
  const bucket = (facet: any[], value: string) => facet.find((b: any) => b.value === value)?.count ?? 0
  const withoutBob = await faceted({ q: 'river', limit: '0', excludeAuthors: acct.bob.handle })
  assert.equal(withoutBob.hitsTotal, all.hitsTotal - bucket(all.facets.authors, acct.bob.did))
  assert.equal(bucket(withoutBob.facets.authors, acct.bob.did), 0)
  assert.equal(withoutBob.histogram.buckets.reduce((n: number, b: any) => n + b.count, 0), withoutBob.hitsTotal)
  const notEnglish = await faceted({ q: 'river', limit: '0', excludeLanguages: 'en' })
  assert.equal(notEnglish.hitsTotal, all.hitsTotal - bucket(all.facets.languages, 'en'))
  const noDomain = await faceted({ q: 'river', limit: '0', excludeDomains: 'example.com' })
  assert.equal(noDomain.hitsTotal, all.hitsTotal - 1)
  assert.deepEqual(noDomain.facets.domains, [])
  const rust = await faceted({ hashtags: 'atproto', limit: '0' })
  const atprotoNotRust = await faceted({ hashtags: 'atproto', excludeHashtags: 'rust', limit: '0' })
  assert.equal(atprotoNotRust.hitsTotal, rust.hitsTotal - bucket(rust.facets.hashtags, 'rust'))
  assert.ok(atprotoNotRust.hitsTotal < rust.hitsTotal, 'some #atproto posts are also #rust')
})
