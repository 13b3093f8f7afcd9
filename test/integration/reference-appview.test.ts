// Smoke test of the reference-AppView harness: Bluesky's own AppView
// (@atproto/bsky via dev-env) on the Postgres scripts/test started, fed by
// the PDS firehose, answering app.bsky.* reads with a viewer's service auth.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { AtpAgent } from '@atproto/api'
import WebSocket from 'ws'
import { startReferenceNetwork, type ReferenceAccount, type ReferenceNetwork } from '#devnet/reference-network.js'

describe('reference AppView harness', () => {
  let net: ReferenceNetwork
  let appview: AtpAgent
  let alice: ReferenceAccount
  let bob: ReferenceAccount
  let post: { uri: string, cid: string }
  let like: { uri: string }
  let follow: { uri: string }
  let reply: { uri: string }

  before(async () => {
    const t0 = performance.now()
    net = await startReferenceNetwork()
    const total = (performance.now() - t0) / 1000
    const rss = process.memoryUsage().rss / 2 ** 20
    console.log(`# reference network up in ${total.toFixed(2)}s (TestNetwork.create ${(net.startupMs / 1000).toFixed(2)}s), ` +
      `rss ${rss.toFixed(0)} MiB; bsky ${net.bskyUrl} (${net.bskyDid}), pds ${net.pdsUrl}, schemas ${net.schemas.join(',')}`)
    appview = new AtpAgent({ service: net.bskyUrl })

    alice = await net.createAccount('alice')
    bob = await net.createAccount('bob')
    await alice.agent.upsertProfile((old) => ({ ...old, displayName: 'Alice', description: 'posts things' }))
    post = await alice.agent.post({ text: 'hello, reference appview', createdAt: new Date().toISOString() })
    follow = await bob.agent.follow(alice.did)
    like = await bob.agent.like(post.uri, post.cid)
    reply = await bob.agent.post({
      text: 'hi alice',
      reply: { root: post, parent: post },
      createdAt: new Date().toISOString()
    })
    const t1 = performance.now()
    await net.processAll()
    console.log(`# processAll after 7 writes: ${(performance.now() - t1).toFixed(0)}ms`)
  })

  after(async () => {
    await net?.close()
  })

  test('the harness exposes the services and a firehose Magpie can consume', async () => {
    assert.match(net.firehoseUrl, /^ws:\/\/localhost:\d+$/)
    assert.match(net.bskyDid, /^did:plc:/)
    assert.equal(alice.handle, 'alice.test')
    assert.ok(alice.accessJwt.length > 20)
    const first = await firstFrame(`${net.subscribeReposUrl}?cursor=0`)
    assert.ok(first.byteLength > 0)
    // An actor it never saw: an XRPC error, not a crash.
    const missing = await appview.app.bsky.actor.getProfile({ actor: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' }).catch((err: Error) => err)
    assert.ok(missing instanceof Error && /not found/i.test(missing.message), String(missing))
  })

  test('getProfile shows counts and the viewer\'s follow', async () => {
    const lxm = 'app.bsky.actor.getProfile'
    const { data } = await appview.app.bsky.actor.getProfile({ actor: alice.did }, { headers: await net.bskyAuthHeaders(bob.agent, lxm) })
    assert.equal(data.did, alice.did)
    assert.equal(data.handle, 'alice.test')
    assert.equal(data.displayName, 'Alice')
    assert.equal(data.description, 'posts things')
    assert.equal(data.followersCount, 1)
    assert.equal(data.followsCount, 0)
    assert.equal(data.postsCount, 1)
    assert.equal(data.viewer?.following, follow.uri)
    assert.equal(data.viewer?.followedBy, undefined)

    // Same profile by handle, seen by its owner: no follow of her own.
    const own = await appview.app.bsky.actor.getProfile({ actor: 'alice.test' }, { headers: await net.bskyAuthHeaders(alice.agent, lxm) })
    assert.equal(own.data.did, alice.did)
    assert.equal(own.data.viewer?.following, undefined)

    const bobSeenByAlice = await appview.app.bsky.actor.getProfile({ actor: bob.did }, { headers: await net.bskyAuthHeaders(alice.agent, lxm) })
    assert.equal(bobSeenByAlice.data.followsCount, 1)
    assert.equal(bobSeenByAlice.data.postsCount, 1)
    assert.equal(bobSeenByAlice.data.viewer?.followedBy, follow.uri)
  })

  test('getAuthorFeed shows the post with its like and reply counts and the viewer\'s like', async () => {
    const lxm = 'app.bsky.feed.getAuthorFeed'
    const { data } = await appview.app.bsky.feed.getAuthorFeed({ actor: alice.did }, { headers: await net.bskyAuthHeaders(bob.agent, lxm) })
    assert.equal(data.feed.length, 1)
    const item = data.feed[0]!
    assert.equal(item.post.uri, post.uri)
    assert.equal(item.post.cid, post.cid)
    assert.equal(item.post.author.did, alice.did)
    assert.equal(item.post.likeCount, 1)
    assert.equal(item.post.replyCount, 1)
    assert.equal(item.post.repostCount, 0)
    assert.equal(item.post.viewer?.like, like.uri)
    assert.equal((item.post.record as { text?: string }).text, 'hello, reference appview')

    // The author's own view: no like of hers.
    const own = await appview.app.bsky.feed.getAuthorFeed({ actor: alice.did }, { headers: await net.bskyAuthHeaders(alice.agent, lxm) })
    assert.equal(own.data.feed[0]?.post.viewer?.like, undefined)
  })

  test('getPostThread shows the reply and viewer state, and works anonymously', async () => {
    const lxm = 'app.bsky.feed.getPostThread'
    const { data } = await appview.app.bsky.feed.getPostThread({ uri: post.uri }, { headers: await net.bskyAuthHeaders(bob.agent, lxm) })
    const thread = data.thread as { $type?: string, post: { uri: string, likeCount?: number, viewer?: { like?: string } }, replies?: { post: { uri: string } }[] }
    assert.equal(thread.$type, 'app.bsky.feed.defs#threadViewPost')
    assert.equal(thread.post.uri, post.uri)
    assert.equal(thread.post.likeCount, 1)
    assert.equal(thread.post.viewer?.like, like.uri)
    assert.deepEqual(thread.replies?.map((r) => r.post.uri), [reply.uri])

    const anon = await appview.app.bsky.feed.getPostThread({ uri: post.uri })
    const anonThread = anon.data.thread as typeof thread
    assert.equal(anonThread.post.likeCount, 1)
    assert.equal(anonThread.post.viewer?.like, undefined)
  })

  test('a token for another audience is refused', async () => {
    const lxm = 'app.bsky.actor.getProfile'
    const token = await net.serviceAuthToken(bob.agent, net.pdsDid, lxm)
    const res = await fetch(`${net.bskyUrl}/xrpc/${lxm}?actor=${encodeURIComponent(alice.did)}`, {
      headers: { authorization: `Bearer ${token}` }
    })
    assert.equal(res.status, 401)
  })
})

function firstFrame (url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    const timer = setTimeout(() => { ws.terminate(); reject(new Error(`no frame from ${url}`)) }, 10_000)
    ws.once('message', (data: Buffer) => {
      clearTimeout(timer)
      ws.close()
      resolve(data)
    })
    ws.once('error', (err) => { clearTimeout(timer); reject(err) })
  })
}
