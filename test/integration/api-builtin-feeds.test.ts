import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { AtpAgent, lexicons } from '@atproto/api'
import type { DevAccount, DevNetwork } from '#devnet/network.js'
import { createRecord, SERVICE_DID, startMagpieApi, until, type Answer, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * Magpie's own feeds end to end: activity written through a real PDS, where the right answer is
 * known by construction, the feeds published as generator records with `magpie feeds publish`,
 * and read back through getFeed (no HTTP to itself), getFeedSkeleton and describeFeedGenerator —
 * also with the public @atproto/api client. Every 200 answer is checked against the lexicon.
 */

const HOUR = 3_600_000

let api: MagpieApi
let net: DevNetwork
type Named = 'feedmaker' | 'vera' | 'gus' | 'baker1' | 'baker2' | 'baker3' | 'coder' | 'gardener' | 'liker1' | 'liker2' | 'liker3' | 'liker4' | 'liker5' | 'liker6'
const acct = {} as Record<Named, DevAccount>
interface Ref {
  uri: string
  cid: string
}
const p: Record<string, Ref> = {}
/** Published feed URIs by name. */
const feed: Record<string, string> = {}

before(async () => {
  api = await startMagpieApi('builtin-feeds', { FEED_CACHE_MS: '0' })
  ;({ net } = api)
  const names = Object.keys({ feedmaker: 0, vera: 0, gus: 0, baker1: 0, baker2: 0, baker3: 0, coder: 0, gardener: 0, liker1: 0, liker2: 0, liker3: 0, liker4: 0, liker5: 0, liker6: 0 }) as Named[]
  const created = await Promise.all(names.map((name) => net.createAccount(name)))
  names.forEach((name, i) => (acct[name] = created[i]!))
  await publish()
  await writeActivity()
})

after(() => api.close())

const ago = (ms: number) => new Date(Date.now() - ms).toISOString()

function post(who: DevAccount, text: string, extra: Record<string, unknown> = {}): Promise<Ref> {
  return createRecord(who.agent, 'app.bsky.feed.post', { text, createdAt: ago(0), ...extra })
}
const like = (who: DevAccount, subject: Ref) => createRecord(who.agent, 'app.bsky.feed.like', { subject, createdAt: ago(0) })
const repost = (who: DevAccount, subject: Ref) => createRecord(who.agent, 'app.bsky.feed.repost', { subject, createdAt: ago(0) })

/** The feeds, published the way an operator does: `magpie feeds publish` against the PDS. */
async function publish() {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'feeds', 'publish', '--pds', net.pdsUrl, '--handle', acct.feedmaker.handle,
      '--feed', 'whats-hot', '--feed', 'more-like-liked', '--feed', 'tag:greenhouse', '--feed', 'lang:pt', '--feed', 'tag:猫'],
    { cwd: path.resolve(import.meta.dirname, '../..'), env: { ...process.env, SERVICE_DID, FEEDS_PUBLISH_PASSWORD: acct.feedmaker.password, LOG_LEVEL: 'silent' } },
  )
  const published = stdout.trim().split('\n')
  assert.equal(published.length, 5)
  for (const [i, name] of ['hot', 'moreLike', 'greenhouse', 'pt', 'cat'].entries()) feed[name] = published[i]!
}

async function writeActivity() {
  const { vera, gus, baker1, baker2, baker3, coder, gardener, liker1: l1, liker2: l2, liker3: l3, liker4: l4, liker5: l5, liker6: l6 } = acct
  // Vera follows baker2: his posts are not recommended to her.
  await createRecord(vera.agent, 'app.bsky.graph.follow', { subject: baker2.did, createdAt: ago(0) })

  // Bread, code and gardens.
  p.b1a = await post(baker1, 'sourdough starter bubbling nicely, bread baking day with rye flour')
  p.b1b = await post(baker1, 'my sourdough loaf crust cracked beautifully, bread baking with starter')
  p.b1c = await post(baker1, 'feeding the sourdough starter twice daily keeps the bread tangy')
  p.b1d = await post(baker1, 'sourdough bread: long fermentation, starter discard pancakes')
  p.b3a = await post(baker3, 'rye sourdough starter and whole wheat bread baking tips')
  p.b3b = await post(baker3, 'sourdough bread scoring patterns for a crusty loaf')
  p.b2a = await post(baker2, 'sourdough bread baking with my starter again')
  p.b2b = await post(baker2, 'sourdough starter hydration for crusty bread')
  p.c1 = await post(coder, 'kubernetes cluster deployment with helm charts')
  p.c2 = await post(coder, 'kubernetes cluster autoscaling and helm upgrades')
  p.c3 = await post(coder, 'helm charts for a kubernetes cluster on bare metal')
  p.c4 = await post(coder, 'rust async runtime benchmarks')
  p.g1 = await post(gardener, 'tomato seedlings in the greenhouse')
  // A reply about bread: replies are not recommended.
  p.b1reply = await post(baker1, 'sourdough bread starter baking, also with helm', { reply: { root: p.c4, parent: p.c4 } })

  // Vera's likes cluster on sourdough; Gus's on kubernetes.
  for (const liked of [p.b1a, p.b1b, p.b3a]) await like(vera, liked!)
  await like(gus, p.c1!)

  // What's hot: the greenhouse post draws the most; a fresh post a little; a day-old post a
  // little more, but decayed; an old post and a reply draw plenty, and are not eligible.
  for (const who of [l1, l2, l3, l4, l5]) await like(who, p.g1!)
  for (const who of [l1, l2]) await repost(who, p.g1!)
  p.g1reply = await post(l3, 'lovely seedlings', { reply: { root: p.g1, parent: p.g1 } })
  p.fresh = await post(l6, 'a fresh take')
  for (const who of [l1, l2]) await like(who, p.fresh!)
  p.dayOld = await post(l6, 'yesterday news', { createdAt: ago(30 * HOUR) })
  for (const who of [l1, l2, l3]) await like(who, p.dayOld!)
  p.old = await post(l6, 'old news', { createdAt: ago(72 * HOUR) })
  for (const who of [l1, l2, l3, l4, l5, l6]) await like(who, p.old!)
  p.reply = await post(l5, 'a popular reply', { reply: { root: p.c4, parent: p.c4 } })
  for (const who of [l1, l2, l3, l4]) await like(who, p.reply!)

  // Tagged and language posts.
  p.t1 = await post(gardener, 'greenhouse one', { tags: ['greenhouse'] })
  p.t2 = await post(coder, 'greenhouse two', {
    facets: [{ index: { byteStart: 0, byteEnd: 11 }, features: [{ $type: 'app.bsky.richtext.facet#tag', tag: 'Greenhouse' }] }],
  })
  p.t3 = await post(gardener, 'greenhouse three', { tags: ['greenhouse'] })
  p.tReply = await post(gardener, 'greenhouse reply', { tags: ['greenhouse'], reply: { root: p.t1, parent: p.t1 } })
  p.t4 = await post(baker3, 'greenhouse four', { tags: ['greenhouse'], langs: ['pt'] })
  p.pt1 = await post(baker1, 'pão de fermentação natural', { langs: ['pt'] })
  p.pt2 = await post(baker3, 'bom dia', { langs: ['pt', 'en'] })
  p.en1 = await post(baker3, 'good morning', { langs: ['en'] })
  p.cat = await post(gardener, 'a cat in the greenhouse', { tags: ['猫'] })

  // Every repo's records, not only the last one written (repos are ingested in parallel).
  await api.caughtUp()
  await until('activity ingested', () => getFeed(feed.cat!), (a) => a.status === 200 && a.body.feed.length === 1, 30_000)
}

const getFeed = (uri: string, viewer?: DevAccount, extra: Record<string, string | number> = {}): Promise<Answer> =>
  api.xrpc('app.bsky.feed.getFeed', { feed: uri, ...extra }, viewer)

const uris = (a: Answer) => a.body.feed.map((f: any) => f.post.uri as string)

/** Every item of a feed, `limit` at a time; fails on a repeated item. */
async function allPages(uri: string, limit: number, viewer?: DevAccount, between?: () => Promise<void>): Promise<string[]> {
  const seen: string[] = []
  let cursor: string | undefined
  for (let i = 0; i < 50; i++) {
    const answer = await getFeed(uri, viewer, { limit, ...(cursor ? { cursor } : {}) })
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    seen.push(...uris(answer))
    cursor = answer.body.cursor
    if (!cursor) break
    if (i === 0) await between?.()
  }
  assert.equal(new Set(seen).size, seen.length, `no repeats: ${seen.join(' ')}`)
  return seen
}

describe('publishing and describing', () => {
  test('describeFeedGenerator lists the published feeds, read with the @atproto/api client', async () => {
    const agent = new AtpAgent({ service: api.base })
    const res = await agent.app.bsky.feed.describeFeedGenerator()
    lexicons.assertValidXrpcOutput('app.bsky.feed.describeFeedGenerator', res.data)
    assert.equal(res.data.did, SERVICE_DID)
    assert.deepEqual(res.data.feeds.map((f) => f.uri).sort(), Object.values(feed).sort())
  })

  test('the records are generator records naming Magpie, with their algorithm', async () => {
    const [, , repo, collection, rkey] = feed.cat!.split('/')
    const record = (await acct.feedmaker.agent.com.atproto.repo.getRecord({ repo: repo!, collection: collection!, rkey: rkey! })).data.value as any
    assert.equal(record.did, SERVICE_DID)
    assert.equal(record.displayName, '#猫')
    assert.deepEqual(record.magpieFeed, { algorithm: 'posts', tags: ['猫'], langs: [], includeReplies: false })
    const views = await api.xrpc('app.bsky.feed.getFeedGenerators', { feeds: Object.values(feed) })
    assert.equal(views.body.feeds.length, 5)
    const one = await api.xrpc('app.bsky.feed.getFeedGenerator', { feed: feed.hot! })
    assert.equal(one.body.view.displayName, "What's hot")
    assert.equal(one.body.view.did, SERVICE_DID)
    assert.equal(one.body.isOnline, true)
  })
})

describe("what's hot", () => {
  test('engagement with time decay: the most engaged post first, an older one below fresher ones; old posts and replies left out', async () => {
    const hot = uris(await getFeed(feed.hot!))
    assert.equal(hot[0], p.g1!.uri)
    // Two likes, and two replies in its thread: equal engagement, the newer first.
    assert.deepEqual(hot.slice(1, 3), [p.fresh!.uri, p.c4!.uri])
    assert.equal(hot.at(-1), p.dayOld!.uri)
    for (const left of [p.old, p.reply, p.g1reply, p.b1reply]) assert.ok(!hot.includes(left!.uri), `${left!.uri} is not hot`)
    // Posts with one like (Vera's and Gus's) or one reply sit between.
    assert.deepEqual(new Set(hot.slice(3, -1)), new Set([p.b1a, p.b1b, p.b3a, p.c1, p.t1].map((r) => r!.uri)))
  })

  test('pages of one are the whole ranking, each post once; getFeedSkeleton through the client agrees', async () => {
    const whole = uris(await getFeed(feed.hot!))
    assert.deepEqual(await allPages(feed.hot!, 1), whole)
    const agent = new AtpAgent({ service: api.base })
    const skeleton = await agent.app.bsky.feed.getFeedSkeleton({ feed: feed.hot!, limit: 3 })
    lexicons.assertValidXrpcOutput('app.bsky.feed.getFeedSkeleton', skeleton.data)
    assert.deepEqual(skeleton.data.feed.map((f) => f.post), whole.slice(0, 3))
    const next = await agent.app.bsky.feed.getFeedSkeleton({ feed: feed.hot!, limit: 100, cursor: skeleton.data.cursor })
    assert.deepEqual(next.data.feed.map((f) => f.post), whole.slice(3))
    assert.equal(next.data.cursor, undefined)
  })
})

describe('more like what I liked', () => {
  test('likes that cluster on one subject bring more of it, from accounts not followed, not already liked', async () => {
    const vera = uris(await getFeed(feed.moreLike!, acct.vera))
    assert.deepEqual(new Set(vera.slice(0, 3)), new Set([p.b1c, p.b1d, p.b3b].map((r) => r!.uri)))
    for (const not of [p.b2a, p.b2b, p.b1a, p.b1b, p.b3a, p.b1reply]) assert.ok(!vera.includes(not!.uri), `${not!.uri} is not recommended`)
    const gus = uris(await getFeed(feed.moreLike!, acct.gus))
    assert.deepEqual(new Set(gus.slice(0, 2)), new Set([p.c2, p.c3].map((r) => r!.uri)))
    assert.ok(!gus.includes(p.c1!.uri))
    for (const bread of [p.b1c, p.b1d, p.b3b]) assert.ok(!gus.includes(bread!.uri))
  })

  test('stable pages: a like made while paging does not reshuffle the rest', async () => {
    const whole = uris(await getFeed(feed.moreLike!, acct.vera))
    assert.ok(whole.length >= 3)
    const paged = await allPages(feed.moreLike!, 1, acct.vera, async () => {
      await like(acct.vera, p.b1c!)
      await until('the new like', () => getFeed(feed.moreLike!, acct.vera), (a) => !uris(a).includes(p.b1c!.uri))
    })
    assert.deepEqual(paged, whole)
  })

  test('the @atproto/api client reads it through getFeed unchanged', async () => {
    const agent = new AtpAgent({ service: api.base })
    agent.setHeader('authorization', `Bearer ${await api.serviceToken(acct.gus, 'app.bsky.feed.getFeed')}`)
    const res = await agent.app.bsky.feed.getFeed({ feed: feed.moreLike!, limit: 2 })
    assert.deepEqual(new Set(res.data.feed.map((f) => f.post.uri)), new Set([p.c2, p.c3].map((r) => r!.uri)))
    assert.equal(res.data.feed[0]!.post.author.handle.endsWith('.test'), true)
    assert.ok(res.data.cursor)
  })

  test('the feed is personal: anonymous readers are asked to sign in', async () => {
    const { status, body } = await getFeed(feed.moreLike!)
    assert.equal(status, 401)
    assert.equal(body.error, 'AuthMissing')
  })
})

describe('hashtag and language feeds', () => {
  test('a hashtag feed: tagged top-level posts newest first (facet tags too), paged without repeats or gaps while posts arrive', async () => {
    const expected = [p.t4, p.t3, p.t2, p.t1].map((r) => r!.uri)
    assert.deepEqual(uris(await getFeed(feed.greenhouse!)), expected)
    const paged = await allPages(feed.greenhouse!, 2, undefined, async () => {
      p.t5 = await post(acct.gardener, 'greenhouse five', { tags: ['greenhouse'] })
      await until('the new post', () => getFeed(feed.greenhouse!), (a) => uris(a)[0] === p.t5!.uri)
    })
    assert.deepEqual(paged, expected)
  })

  test('a language feed, and a hashtag no record key can carry, named in the record', async () => {
    assert.deepEqual(uris(await getFeed(feed.pt!)), [p.pt2, p.pt1, p.t4].map((r) => r!.uri))
    assert.deepEqual(uris(await getFeed(feed.cat!)), [p.cat!.uri])
  })

  test('a feed Magpie does not know is UnknownFeed', async () => {
    const unknown = await createRecord(acct.feedmaker.agent, 'app.bsky.feed.generator', { did: SERVICE_DID, displayName: 'Nope', createdAt: ago(0) }, 'nonsense')
    const skeleton = await api.xrpc('app.bsky.feed.getFeedSkeleton', { feed: unknown.uri })
    assert.deepEqual(skeleton, { status: 400, body: { error: 'UnknownFeed', message: 'Unknown feed' } })
    const hydrated = await until('the record', () => getFeed(unknown.uri), (a) => a.body.message !== 'could not find feed')
    assert.deepEqual(hydrated, { status: 400, body: { error: 'UnknownFeed', message: 'Unknown feed' } })
  })
})

describe('an account that asks not to be recommended (contentVisibilityDeclaration)', () => {
  test("its posts leave what's hot and more-like-liked once it declares it", async () => {
    const { vera, liker1: l1, liker2: l2, liker3: l3, liker4: l4, liker5: l5, liker6: l6 } = acct
    const shy = await net.createAccount('shyposter')
    // Bread like Vera's likes, drawing more than anything else: hot, and like what she liked.
    const loaf = await post(shy, 'sourdough bread starter baking, a rye loaf with a crusty crust')
    for (const who of [l1, l2, l3, l4, l5, l6]) await like(who, loaf)
    for (const who of [l1, l2, l3]) await repost(who, loaf)
    await until('hot', () => getFeed(feed.hot!), (a) => uris(a)[0] === loaf.uri)
    await until('like what vera liked', () => getFeed(feed.moreLike!, vera), (a) => uris(a).includes(loaf.uri))

    await createRecord(shy.agent, 'app.bsky.actor.contentVisibilityDeclaration', { hideFromAlgorithmicRecommendations: true }, 'self')
    await until("gone from what's hot", () => getFeed(feed.hot!), (a) => a.status === 200 && !uris(a).includes(loaf.uri))
    assert.ok(!uris(await getFeed(feed.moreLike!, vera)).includes(loaf.uri), 'not recommended to vera')
  })
})
