import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { DevAccount } from '#devnet/network.js'
import { createRecord, startMagpieApi, until, type Answer, type MagpieApi } from '../helpers/magpie-api.js'
import { loadLexicons } from '../helpers/xrpc-fuzz.js'

/**
 * Backlinks and record search over lexicons beyond app.bsky, end to end: records of a blog
 * lexicon, a made-up one and app.bsky likes and posts are written, updated and deleted through
 * the PDS, arrive through the firehose, and are asked for over HTTP with net.magpie.links.* and
 * net.magpie.search.searchRecords. Every answer validates against Magpie's own lexicons.
 */

const BACKLINKS = 'net.magpie.links.getBacklinks'
const COUNTS = 'net.magpie.links.getBacklinkCounts'
const ACCOUNTS = 'net.magpie.links.getLinkingAccounts'
const SEARCH = 'net.magpie.search.searchRecords'
const BOOKMARK = 'net.example.bookmark.v1'
const BLOG = 'com.whtwnd.blog.entry'
const LIKE = 'app.bsky.feed.like'
const POST = 'app.bsky.feed.post'

const lex = loadLexicons()
let api: MagpieApi
const acct = {} as Record<'alice' | 'bob' | 'carol' | 'dave', DevAccount>
type RefName = 'post' | 'other' | 'bobLike' | 'carolLike' | 'bookmark' | 'blog' | 'reply' | 'huge' | 'deep'
const ref = {} as Record<RefName, { uri: string; cid: string }>
const now = () => new Date().toISOString()

async function call(nsid: string, params: Record<string, string | number>, viewer?: DevAccount): Promise<Answer> {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))
  const headers: Record<string, string> = viewer ? { authorization: `Bearer ${await api.serviceToken(viewer, nsid)}` } : {}
  const res = await fetch(`${api.base}/xrpc/${nsid}?${query}`, { headers })
  const body = (await res.json()) as any
  if (res.status === 200) lex.assertValidXrpcOutput(nsid, body)
  else assert.deepEqual(Object.keys(body).sort(), ['error', 'message'], JSON.stringify(body))
  return { status: res.status, body }
}

async function ok(nsid: string, params: Record<string, string | number>, viewer?: DevAccount): Promise<any> {
  const res = await call(nsid, params, viewer)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body
}

/** The links of a subject as `name path` strings (names from `ref`), in the order served. */
async function links(subject: string, extra: Record<string, string | number> = {}, viewer?: DevAccount): Promise<string[]> {
  const body = await ok(BACKLINKS, { subject, limit: 100, ...extra }, viewer)
  return body.links.map((l: { uri: string; path: string }) => `${nameOf(l.uri)} ${l.path}`)
}

const nameOf = (uri: string) => Object.entries(ref).find(([, r]) => r.uri === uri)?.[0] ?? uri

async function counts(subject: string) {
  const body = await ok(COUNTS, { subject })
  const groups = body.counts
    .map((c: { collection: string; path: string; records: number; accounts: number }) => `${c.collection} ${c.path} ${c.records}/${c.accounts}`)
    .sort()
  return { records: body.records, accounts: body.accounts, groups }
}

async function settle(what: string, ask: () => Promise<unknown>, want: unknown) {
  await until(what, async () => ({ status: 200, body: await ask() }), (a) => JSON.stringify(a.body) === JSON.stringify(want))
  assert.deepEqual(await ask(), want)
}

before(async () => {
  api = await startMagpieApi('api-backlinks', {})
  for (const name of ['alice', 'bob', 'carol', 'dave'] as const) acct[name] = await api.net.createAccount(name)
  const { alice, bob, carol, dave } = acct
  ref.post = await createRecord(alice.agent, POST, { text: 'a post to link to', createdAt: now() })
  ref.other = await createRecord(alice.agent, POST, { text: 'another post', createdAt: now() })
  ref.bobLike = await createRecord(bob.agent, LIKE, { subject: ref.post, createdAt: now() })
  ref.carolLike = await createRecord(carol.agent, LIKE, { subject: ref.post, createdAt: now() })
  ref.bookmark = await createRecord(
    bob.agent,
    BOOKMARK,
    {
      subject: ref.post.uri,
      tags: [{ ref: ref.post.uri }, { ref: alice.did }],
      nested: { deep: { site: 'https://example.com/page' } },
      note: 'a zebra crossing near the station',
      createdAt: now(),
    },
    'bm1',
  )
  ref.blog = await createRecord(
    carol.agent,
    BLOG,
    { title: 'Riding the Zebra', content: '# Notes\n\n東京の朝ごはんは美味しい. Stripes <b>everywhere</b>.', createdAt: now(), visibility: 'public' },
    'blog1',
  )
  const mention = `hi @${alice.handle}`
  ref.reply = await createRecord(dave.agent, POST, {
    text: mention,
    reply: { root: ref.post, parent: ref.post },
    facets: [{ index: { byteStart: 3, byteEnd: 3 + Buffer.byteLength(`@${alice.handle}`) }, features: [{ $type: 'app.bsky.richtext.facet#mention', did: alice.did }] }],
    createdAt: now(),
  })
  await until('every record indexed', () => call(BACKLINKS, { subject: ref.post.uri, limit: 100 }), (a) => a.body.links?.length === 6)
  await until('the blog entry searchable', () => call(SEARCH, { q: 'zebra' }), (a) => a.body.records?.length === 2)
})

after(() => api?.close())

test('backlinks of a post: every lexicon, every path, newest first', async () => {
  assert.deepEqual(await links(ref.post.uri), [
    // One record naming the subject at two paths is listed at each (paths in key order).
    'reply .reply.parent.uri',
    'reply .reply.root.uri',
    'bookmark .subject',
    'bookmark .tags[].ref',
    'carolLike .subject.uri',
    'bobLike .subject.uri',
  ])
  assert.deepEqual(await links(ref.post.uri, { collection: LIKE }), ['carolLike .subject.uri', 'bobLike .subject.uri'])
  assert.deepEqual(await links(ref.post.uri, { path: '.subject.uri' }), ['carolLike .subject.uri', 'bobLike .subject.uri'])
  assert.deepEqual(await links(ref.post.uri, { collection: BOOKMARK, path: '.subject' }), ['bookmark .subject'])
  assert.deepEqual(await links(ref.post.uri, { collection: BLOG }), [])
  // The handle form of the URI names the same post.
  assert.deepEqual(await links(ref.post.uri.replace(acct.alice.did, acct.alice.handle), { collection: LIKE }), ['carolLike .subject.uri', 'bobLike .subject.uri'])
})

test('backlinks of an account and of a URL, in arrays and nested objects', async () => {
  assert.deepEqual(await links(acct.alice.did), ['reply .facets[].features[].did', 'bookmark .tags[].ref'])
  assert.deepEqual(await links('https://example.com/page'), ['bookmark .nested.deep.site'])
  assert.deepEqual(await links('https://example.com/other'), [])
})

test('paging: limit and cursor walk every link once', async () => {
  const seen: string[] = []
  let cursor: string | undefined
  for (let i = 0; i < 10; i++) {
    const body = await ok(BACKLINKS, { subject: ref.post.uri, collection: LIKE, limit: 1, ...(cursor ? { cursor } : {}) })
    seen.push(...body.links.map((l: { uri: string }) => nameOf(l.uri)))
    cursor = body.cursor
    if (!cursor) break
  }
  assert.deepEqual(seen, ['carolLike', 'bobLike'])
})

test('counts by collection and path, with distinct accounts', async () => {
  assert.deepEqual(await counts(ref.post.uri), {
    records: 4,
    accounts: 3,
    groups: [`${LIKE} .subject.uri 2/2`, `${POST} .reply.parent.uri 1/1`, `${POST} .reply.root.uri 1/1`, `${BOOKMARK} .subject 1/1`, `${BOOKMARK} .tags[].ref 1/1`].sort(),
  })
  assert.deepEqual(await counts('https://nothing.example/'), { records: 0, accounts: 0, groups: [] })
})

test('linking accounts: distinct, in DID order, paged', async () => {
  const want = [acct.bob.did, acct.carol.did].sort()
  const all = await ok(ACCOUNTS, { subject: ref.post.uri, collection: LIKE, path: '.subject.uri' })
  assert.deepEqual(all.dids, want)
  const first = await ok(ACCOUNTS, { subject: ref.post.uri, collection: LIKE, path: '.subject.uri', limit: 1 })
  assert.deepEqual(first.dids, [want[0]])
  const second = await ok(ACCOUNTS, { subject: ref.post.uri, collection: LIKE, path: '.subject.uri', limit: 1, cursor: first.cursor })
  assert.deepEqual(second.dids, [want[1]])
})

test('searchRecords: a blog entry and an unknown lexicon, facets and filters', async () => {
  const all = await ok(SEARCH, { q: 'zebra' })
  assert.equal(all.hitsTotal, 2)
  assert.deepEqual(all.records.map((r: { uri: string }) => nameOf(r.uri)), ['blog', 'bookmark'])
  assert.deepEqual(all.facets.collections, [{ value: BLOG, count: 1 }, { value: BOOKMARK, count: 1 }])
  const blog = all.records[0]
  assert.equal(blog.author.did, acct.carol.did)
  assert.equal(blog.author.handle, acct.carol.handle)
  assert.equal(blog.record.title, 'Riding the Zebra')
  assert.equal(blog.cid, ref.blog.cid)
  assert.deepEqual(blog.highlights.find((h: { field: string }) => h.field === 'title')?.fragments, ['Riding the <em>Zebra</em>'])

  const blogsOnly = await ok(SEARCH, { q: 'zebra', collection: BLOG })
  assert.deepEqual(blogsOnly.records.map((r: { uri: string }) => nameOf(r.uri)), ['blog'])
  assert.equal(blogsOnly.hitsTotal, 1)
  assert.deepEqual(blogsOnly.facets.collections, all.facets.collections, 'the facet still counts every collection')

  const byBob = await ok(SEARCH, { q: 'zebra', author: acct.bob.handle })
  assert.deepEqual(byBob.records.map((r: { uri: string }) => nameOf(r.uri)), ['bookmark'])
  assert.deepEqual((await ok(SEARCH, { q: `zebra from:${acct.carol.handle}` })).records.map((r: { uri: string }) => nameOf(r.uri)), ['blog'])
  assert.deepEqual((await ok(SEARCH, { q: 'zebra -station' })).records.map((r: { uri: string }) => nameOf(r.uri)), ['blog'])
  assert.deepEqual((await ok(SEARCH, { q: '"crossing near"' })).records.map((r: { uri: string }) => nameOf(r.uri)), ['bookmark'])
  assert.equal((await ok(SEARCH, { q: 'zebra', since: '2000-01-01', until: '2001-01-01' })).records.length, 0)
  assert.equal((await ok(SEARCH, { q: 'zebra', since: '2000-01-01' })).records.length, 2)
  // Japanese in a blog entry, and HTML in a record is escaped in the highlights.
  const ja = await ok(SEARCH, { q: '東京' })
  assert.deepEqual(ja.records.map((r: { uri: string }) => nameOf(r.uri)), ['blog'])
  const stripes = await ok(SEARCH, { q: 'stripes' })
  const fragment = stripes.records[0].highlights.find((h: { field: string }) => h.field === 'text').fragments.join(' ')
  assert.ok(fragment.includes('<em>Stripes</em> &lt;b&gt;everywhere&lt;&#x2F;b&gt;') || fragment.includes('<em>Stripes</em> &lt;b&gt;everywhere&lt;/b&gt;'), fragment)
  // Posts are not records of third-party lexicons.
  assert.equal((await ok(SEARCH, { q: 'another' })).records.length, 0)
})

test('bad parameters are a 400 with a reason', async () => {
  const bad: [string, Record<string, string | number>][] = [
    [BACKLINKS, {}],
    [BACKLINKS, { subject: 'not a link' }],
    [BACKLINKS, { subject: 'ftp://example.com/x' }],
    [BACKLINKS, { subject: ref.post.uri, path: 'subject.uri' }],
    [BACKLINKS, { subject: ref.post.uri, collection: 'not an nsid' }],
    [BACKLINKS, { subject: ref.post.uri, limit: 1000 }],
    [BACKLINKS, { subject: ref.post.uri, cursor: 'garbage' }],
    [BACKLINKS, { subject: `https://example.com/${'x'.repeat(600)}` }],
    [COUNTS, { subject: 'did:nope' }],
    [ACCOUNTS, { subject: ref.post.uri, collection: LIKE }],
    [ACCOUNTS, { subject: ref.post.uri, collection: LIKE, path: '.subject.uri', cursor: 'not-a-did' }],
    [SEARCH, {}],
    [SEARCH, { q: 'zebra', collection: 'bad' }],
    [SEARCH, { q: 'zebra', since: 'yesterday' }],
    [SEARCH, { q: 'zebra lang:en' }],
    [SEARCH, { q: 'zebra', limit: 0 }],
  ]
  for (const [nsid, params] of bad) {
    const res = await call(nsid, params)
    assert.equal(res.status, 400, `${nsid} ${JSON.stringify(params)}: ${JSON.stringify(res.body)}`)
    assert.ok(['InvalidRequest', 'BadQueryString'].includes(res.body.error), JSON.stringify(res.body))
    assert.ok(res.body.message.length > 0)
  }
})

test('hostile records: huge arrays and deep nesting are bounded, the record still indexed', async () => {
  const { dave } = acct
  const targets = Array.from({ length: 1200 }, (_, i) => `https://many.example/${i}`)
  ref.huge = await createRecord(dave.agent, BOOKMARK, { note: 'hostile quagga', many: targets, createdAt: now() }, 'huge')
  let deep: Record<string, unknown> = { site: 'https://deep.example/' }
  for (let i = 0; i < 40; i++) deep = { d: deep }
  ref.deep = await createRecord(dave.agent, BOOKMARK, { note: 'deep quagga', deep, shallow: 'https://shallow.example/', createdAt: now() }, 'deep')
  await until('the hostile records searchable', () => call(SEARCH, { q: 'quagga' }), (a) => a.body.records?.length === 2)
  assert.deepEqual(await links('https://many.example/0'), ['huge .many[]'])
  assert.deepEqual(await links('https://many.example/999'), ['huge .many[]'])
  assert.deepEqual(await links('https://many.example/1000'), [], 'links past the bound are not kept')
  assert.deepEqual(await links('https://deep.example/'), [], 'links below the depth bound are not kept')
  assert.deepEqual(await links('https://shallow.example/'), ['deep .shallow'], 'the record’s other links are')
})

test('an update replaces the links and the text; a delete removes them', async () => {
  const { bob, carol } = acct
  await bob.agent.com.atproto.repo.putRecord({
    repo: bob.did,
    collection: BOOKMARK,
    rkey: 'bm1',
    record: { $type: BOOKMARK, subject: ref.other.uri, note: 'an okapi in the forest', createdAt: now() },
  })
  await settle('the bookmark moved to the other post', () => links(ref.other.uri), ['bookmark .subject'])
  assert.deepEqual(await links(ref.post.uri, { collection: BOOKMARK }), [])
  assert.deepEqual(await links('https://example.com/page'), [])
  assert.deepEqual(await links(acct.alice.did), ['reply .facets[].features[].did'])
  assert.deepEqual((await ok(SEARCH, { q: 'okapi' })).records.map((r: { uri: string }) => nameOf(r.uri)), ['bookmark'])
  assert.deepEqual((await ok(SEARCH, { q: 'zebra' })).records.map((r: { uri: string }) => nameOf(r.uri)), ['blog'])

  const rkey = ref.carolLike.uri.split('/').pop()!
  await carol.agent.com.atproto.repo.deleteRecord({ repo: carol.did, collection: LIKE, rkey })
  await carol.agent.com.atproto.repo.deleteRecord({ repo: carol.did, collection: BLOG, rkey: 'blog1' })
  await settle('the deleted like is gone', () => links(ref.post.uri, { collection: LIKE }), ['bobLike .subject.uri'])
  assert.deepEqual(await counts(ref.post.uri), {
    records: 2,
    accounts: 2,
    groups: [`${LIKE} .subject.uri 1/1`, `${POST} .reply.parent.uri 1/1`, `${POST} .reply.root.uri 1/1`].sort(),
  })
  assert.deepEqual((await ok(ACCOUNTS, { subject: ref.post.uri, collection: LIKE, path: '.subject.uri' })).dids, [bob.did])
  await settle('the deleted blog entry is not found', async () => (await ok(SEARCH, { q: 'zebra' })).records.length, 0)
})

test('blocks and takedowns of the linking account hide its links', async () => {
  const { alice, bob, dave } = acct
  // Bob blocks Alice: Alice, as the viewer, no longer sees Bob's like of her post.
  await createRecord(bob.agent, 'app.bsky.graph.block', { subject: alice.did, createdAt: now() })
  await settle('bob hidden from alice', async () => (await links(ref.post.uri, { collection: LIKE }, alice)).length, 0)
  assert.deepEqual(await links(ref.post.uri, { collection: LIKE }), ['bobLike .subject.uri'], 'others still see it')
  assert.deepEqual((await ok(ACCOUNTS, { subject: ref.post.uri, collection: LIKE, path: '.subject.uri' }, alice)).dids, [])

  await api.net.takedown(dave.did)
  await settle('dave taken down', () => links(ref.post.uri, { collection: POST }), [])
  assert.deepEqual((await ok(SEARCH, { q: 'quagga' })).records, [])
})

test('figures: p50 of getBacklinks and searchRecords on this data (reported, not asserted)', async (t) => {
  const p50 = async (ask: () => Promise<unknown>) => {
    const times: number[] = []
    for (let i = 0; i < 40; i++) {
      const start = performance.now()
      await ask()
      times.push(performance.now() - start)
    }
    return times.sort((a, b) => a - b)[times.length / 2]!.toFixed(1)
  }
  t.diagnostic(`getBacklinks p50 ${await p50(() => ok(BACKLINKS, { subject: ref.post.uri }))} ms`)
  t.diagnostic(`getBacklinkCounts p50 ${await p50(() => ok(COUNTS, { subject: ref.post.uri }))} ms`)
  t.diagnostic(`searchRecords p50 ${await p50(() => ok(SEARCH, { q: 'okapi' }))} ms`)
})
