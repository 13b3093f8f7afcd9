import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { AtpAgent } from '@atproto/api'
import type { DevAccount, DevNetwork } from '#devnet/network.js'
import { publishFeeds } from '#/feeds/publish.js'
import { publishableFeed } from '#/feeds/specs.js'
import { createRecord, startMagpieApi, until, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * Magpie's built-in feeds read by the public @atproto/api client, unchanged: straight from
 * Magpie, and the way the Bluesky app reads them, through the reader's PDS, which here names
 * Magpie as its AppView (`did:web:localhost%3A<port>`). The client checks every answer against
 * its lexicons (an invalid one throws), so what these tests compare is already well-formed.
 *
 * Through the PDS, getFeed takes the PDS's own route: it asks its AppView for the generator
 * record (com.atproto.repo.getRecord), then proxies with a token addressed to the feed's
 * service. getFeedSkeleton to `#bsky_fg` takes the generic proxy, for which the PDS resolves
 * Magpie's did:web by fetching its document from Magpie over loopback.
 *
 * The activity makes each feed's answer known by construction (see writeActivity); the reader is rita.
 */

let api: MagpieApi
let net: DevNetwork
const NAMES = ['feedmaker', 'rita', 'alice', 'bob', 'carol', 'dan', 'liker1', 'liker2', 'liker3'] as const
const acct = {} as Record<(typeof NAMES)[number], DevAccount>
const p: Record<string, { uri: string; cid: string }> = {}
/** Published feed URIs by name. */
const feed: Record<string, string> = {}
/** Each feed's posts, in the order the feed gives them. */
const expected: Record<string, () => string[]> = {
  hot: () => [p.h1, p.h2, p.s2, p.s1, p.o3].map((r) => r!.uri),
  orchard: () => [p.o3, p.o2, p.o1].map((r) => r!.uri),
  de: () => [p.d2, p.d1].map((r) => r!.uri),
}
/** More like what the reader liked: carol's sourdough posts, in the order their likeness decides. */
const moreLike = () => new Set([p.s4, p.s5].map((r) => r!.uri))

before(async () => {
  api = await startMagpieApi('feeds-client', { FEED_CACHE_MS: '0' }, { pdsAppView: true })
  ;({ net } = api)
  const created = await Promise.all(NAMES.map((name) => net.createAccount(name)))
  NAMES.forEach((name, i) => (acct[name] = created[i]!))
  const uris = await publishFeeds({
    pds: net.pdsUrl,
    identifier: acct.feedmaker.handle,
    password: acct.feedmaker.password,
    serviceDid: api.serviceDid,
    feeds: ['whats-hot', 'more-like-liked', 'tag:orchard', 'lang:de'].map((name) => publishableFeed(name)!),
  })
  for (const [i, name] of ['hot', 'moreLike', 'orchard', 'de'].entries()) feed[name] = uris[i]!
  await writeActivity()
})

after(() => api.close())

const now = () => new Date().toISOString()
const post = (who: DevAccount, text: string, extra: Record<string, unknown> = {}) =>
  createRecord(who.agent, 'app.bsky.feed.post', { text, createdAt: now(), ...extra })
const like = (who: DevAccount, subject: { uri: string; cid: string }) => createRecord(who.agent, 'app.bsky.feed.like', { subject, createdAt: now() })

/**
 * - #orchard: three tagged posts and a tagged reply (left out): newest first, o3 o2 o1.
 * - German: two posts, d2 d1.
 * - What's hot: h1 draws three likes and a repost (engagement 5), h2 two likes, the reader's
 *   likes give s1 and s2 one each and the #orchard reply o3 one, the newer first; nothing else
 *   is engaged with.
 * - More like what I liked: the reader likes alice's sourdough posts s1, s2 and follows alice, so
 *   of the sourdough posts only carol's s4, s5 are left to recommend (and none of the others
 *   share their words).
 */
async function writeActivity() {
  const { rita, alice, bob, carol, dan, liker1, liker2, liker3 } = acct
  await createRecord(rita.agent, 'app.bsky.graph.follow', { subject: alice.did, createdAt: now() })
  p.o1 = await post(alice, 'apples ripening in the orchard', { tags: ['orchard'] })
  p.o2 = await post(bob, 'pears from the orchard', { tags: ['orchard'] })
  p.o3 = await post(carol, 'orchard cherries already', { tags: ['Orchard'] })
  p.oReply = await post(bob, 'lovely orchard', { tags: ['orchard'], reply: { root: p.o3, parent: p.o3 } })
  p.d1 = await post(dan, 'guten Morgen zusammen', { langs: ['de'] })
  p.d2 = await post(bob, 'gute Nacht allerseits', { langs: ['de'] })
  p.s1 = await post(alice, 'sourdough starter bubbling, bread baking day with rye flour')
  p.s2 = await post(alice, 'my sourdough loaf crust cracked, bread baking with starter')
  p.s3 = await post(alice, 'feeding the sourdough starter keeps the bread tangy')
  p.s4 = await post(carol, 'sourdough bread baking: rye starter and a long fermentation')
  p.s5 = await post(carol, 'sourdough starter hydration for crusty bread baking')
  p.h1 = await post(dan, 'the river flooded the town square overnight')
  p.h2 = await post(dan, 'a comet visible tonight to the north')
  for (const who of [liker1, liker2, liker3]) await like(who, p.h1)
  await createRecord(liker1.agent, 'app.bsky.feed.repost', { subject: p.h1, createdAt: now() })
  for (const who of [liker1, liker2]) await like(who, p.h2)
  await like(rita, p.s1)
  await like(rita, p.s2)
  // The whole expected answer, not one record: repos are ingested in parallel.
  await until(
    'activity ingested',
    () => api.xrpc('app.bsky.feed.getFeedSkeleton', { feed: feed.hot! }),
    (a) => a.status === 200 && JSON.stringify(a.body.feed.map((f: any) => f.post)) === JSON.stringify(expected.hot!()),
    30_000,
  )
}

/** An agent that talks to Magpie directly, as the reader when a token for `lxm` is given. */
async function direct(lxm?: string): Promise<AtpAgent> {
  const agent = new AtpAgent({ service: api.base })
  if (lxm) agent.setHeader('authorization', `Bearer ${await api.serviceToken(acct.rita, lxm)}`)
  return agent
}

const posts = (page: { feed: { post: { uri: string } }[] }) => page.feed.map((f) => f.post.uri)
const skeletonPosts = (page: { feed: { post: string }[] }) => page.feed.map((f) => f.post)

describe('straight to Magpie', () => {
  test('describeFeedGenerator names Magpie and every published feed; getFeedGenerators shows them', async () => {
    const agent = await direct()
    const described = await agent.app.bsky.feed.describeFeedGenerator()
    assert.equal(described.data.did, api.serviceDid)
    assert.deepEqual(described.data.feeds.map((f) => f.uri).sort(), Object.values(feed).sort())
    const generators = await agent.app.bsky.feed.getFeedGenerators({ feeds: Object.values(feed) })
    assert.deepEqual(generators.data.feeds.map((g) => [g.uri, g.did, g.creator.did]), Object.values(feed).map((uri) => [uri, api.serviceDid, acct.feedmaker.did]))
  })

  test('getFeedSkeleton, with the client’s own typed params, gives each feed’s posts in order', async () => {
    const agent = await direct()
    for (const name of ['hot', 'orchard', 'de']) {
      const res = await agent.app.bsky.feed.getFeedSkeleton({ feed: feed[name]!, limit: 10 })
      assert.deepEqual(skeletonPosts(res.data), expected[name]!(), name)
      assert.equal(res.data.cursor, undefined, name)
    }
    const personal = await (await direct('app.bsky.feed.getFeedSkeleton')).app.bsky.feed.getFeedSkeleton({ feed: feed.moreLike!, limit: 10 })
    assert.deepEqual(new Set(skeletonPosts(personal.data)), moreLike())
  })

  test('getFeed hydrates the same posts; paging with the client’s cursors gives the whole feed once', async () => {
    const agent = await direct('app.bsky.feed.getFeed')
    for (const name of ['hot', 'orchard', 'de']) {
      const res = await agent.app.bsky.feed.getFeed({ feed: feed[name]! })
      assert.deepEqual(posts(res.data), expected[name]!(), name)
    }
    const personal = await agent.app.bsky.feed.getFeed({ feed: feed.moreLike! })
    assert.deepEqual(new Set(posts(personal.data)), moreLike())
    const paged: string[] = []
    let cursor: string | undefined
    do {
      const res = await agent.app.bsky.feed.getFeed({ feed: feed.hot!, limit: 1, cursor })
      paged.push(...posts(res.data))
      cursor = res.data.cursor
    } while (cursor && paged.length < 10)
    assert.deepEqual(paged, expected.hot!())
  })
})

describe('through the reader’s PDS, as the Bluesky app reads feeds', () => {
  test('getFeed with the atproto-proxy header naming Magpie’s AppView service', async () => {
    const agent = acct.rita.agent.withProxy('bsky_appview', api.serviceDid)
    for (const name of ['hot', 'orchard', 'de']) {
      const res = await agent.app.bsky.feed.getFeed({ feed: feed[name]! })
      assert.deepEqual(posts(res.data), expected[name]!(), name)
    }
    // The PDS's token names the reader: the personal feed is theirs, and the viewer state too.
    const personal = await agent.app.bsky.feed.getFeed({ feed: feed.moreLike! })
    assert.deepEqual(new Set(posts(personal.data)), moreLike())
    const hot = await agent.app.bsky.feed.getFeed({ feed: feed.hot! })
    const liked = hot.data.feed.filter((f) => f.post.viewer?.like).map((f) => f.post.uri)
    assert.deepEqual(liked, [p.s2!.uri, p.s1!.uri])
  })

  test('getFeed with no proxy header goes to the PDS’s AppView, which is Magpie', async () => {
    const res = await acct.rita.agent.app.bsky.feed.getFeed({ feed: feed.orchard!, limit: 2 })
    assert.deepEqual(posts(res.data), expected.orchard!().slice(0, 2))
    const rest = await acct.rita.agent.app.bsky.feed.getFeed({ feed: feed.orchard!, cursor: res.data.cursor })
    assert.deepEqual(posts(rest.data), expected.orchard!().slice(2))
  })

  test('getFeedSkeleton and describeFeedGenerator at Magpie’s feed generator service (#bsky_fg), found through its did:web', async () => {
    const agent = acct.rita.agent.withProxy('bsky_fg', api.serviceDid)
    const described = await agent.app.bsky.feed.describeFeedGenerator()
    assert.equal(described.data.did, api.serviceDid)
    for (const name of ['hot', 'orchard', 'de']) {
      const res = await agent.app.bsky.feed.getFeedSkeleton({ feed: feed[name]! })
      assert.deepEqual(skeletonPosts(res.data), expected[name]!(), name)
    }
    const personal = await agent.app.bsky.feed.getFeedSkeleton({ feed: feed.moreLike! })
    assert.deepEqual(new Set(skeletonPosts(personal.data)), moreLike())
  })

  test('the generator record the PDS asks its AppView for, and a record Magpie does not have', async () => {
    const agent = await direct()
    const [, , repo, collection, rkey] = feed.hot!.split('/')
    const record = await agent.com.atproto.repo.getRecord({ repo: acct.feedmaker.handle, collection: collection!, rkey: rkey! })
    assert.equal(record.data.uri, feed.hot)
    assert.equal((record.data.value as { did?: string }).did, api.serviceDid)
    await assert.rejects(agent.com.atproto.repo.getRecord({ repo: repo!, collection: collection!, rkey: 'nothing-here' }), (err: any) => err.error === 'RecordNotFound')
    await assert.rejects(agent.com.atproto.repo.getRecord({ repo: repo!, collection: collection!, rkey: rkey!, cid: p.h1!.cid }), (err: any) => err.error === 'RecordNotFound')
  })
})
