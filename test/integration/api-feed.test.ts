import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { AtpAgent } from '@atproto/api'
import { TID } from '@atproto/common-web'
import type { DevAccount, DevNetwork } from '#devnet/network.js'
import { createRecord, startMagpieApi, until, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * Posts and feeds end to end: posts, replies, quotes, likes, reposts, threadgates, postgates
 * and blocks written through a real PDS, carried by its firehose into OpenSearch, read back over
 * HTTP with viewer tokens minted by that PDS. Every successful answer is checked against the
 * official lexicon.
 */

const CDN = 'https://cdn.magpie.test/img'
const VIDEO_CDN = 'https://video.magpie.test/watch'
// A 1×1 PNG, and the head of an MP4 (the PDS sniffs blob types).
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')
const MP4 = Buffer.concat([Buffer.from('0000001866747970', 'hex'), Buffer.from('mp42'), Buffer.alloc(4), Buffer.from('mp42isom'), Buffer.alloc(64)])

let api: MagpieApi
let net: DevNetwork
let base: string

type Named = 'alice' | 'bob' | 'carol' | 'dave' | 'erin' | 'frank' | 'gina' | 'hank' | 'ivy'
const acct = {} as Record<Named, DevAccount>
interface Ref {
  uri: string
  cid: string
}
/** Records the assertions refer to. */
const r: Record<string, Ref> = {}
let imageCid: string
let videoCid: string

before(async () => {
  api = await startMagpieApi('api-feed', { IMAGE_CDN_URL: CDN, VIDEO_CDN_URL: VIDEO_CDN })
  ;({ net, base } = api)

  const names: Named[] = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'hank', 'ivy']
  const created = await Promise.all(names.map((name) => net.createAccount(name)))
  names.forEach((name, i) => (acct[name] = created[i]!))
  await writeFixtures()
})

after(() => api.close())

const now = () => new Date().toISOString()
const rkeyOf = (uri: string) => uri.split('/').pop()!

const create: (agent: AtpAgent, collection: string, record: Record<string, unknown>, rkey?: string) => Promise<Ref> = createRecord

function post(who: DevAccount, text: string, extra: Record<string, unknown> = {}, rkey?: string) {
  return create(who.agent, 'app.bsky.feed.post', { text, createdAt: now(), ...extra }, rkey)
}

function reply(who: DevAccount, parent: Ref, root: Ref, text: string) {
  return post(who, text, { reply: { root, parent } })
}

const quoteOf = (subject: Ref) => ({ embed: { $type: 'app.bsky.embed.record', record: subject } })

async function remove(who: DevAccount, uri: string) {
  const [, , did, collection, rkey] = uri.split('/')
  await who.agent.com.atproto.repo.deleteRecord({ repo: did!, collection: collection!, rkey: rkey! })
}

async function writeFixtures() {
  const { alice, bob, carol, dave, erin, frank, gina, hank, ivy } = acct
  const image = (await alice.agent.uploadBlob(PNG, { encoding: 'image/png' })).data.blob
  const video = (await alice.agent.uploadBlob(MP4, { encoding: 'video/mp4' })).data.blob
  imageCid = image.ref.toString()
  videoCid = video.ref.toString()
  const images = { $type: 'app.bsky.embed.images', images: [{ image, alt: 'a dot', aspectRatio: { width: 1, height: 1 } }] }
  // Blobs belong to a repo: Carol uploads the same image for her own post.
  const carolImage = (await carol.agent.uploadBlob(PNG, { encoding: 'image/png' })).data.blob
  const carolImages = { ...images, images: [{ ...images.images[0], image: carolImage }] }
  const follow = (from: DevAccount, to: DevAccount) => create(from.agent, 'app.bsky.graph.follow', { subject: to.did, createdAt: now() })
  for (const [from, to] of [[alice, bob], [alice, gina], [bob, alice], [carol, alice], [ivy, hank], [ivy, bob]] as const) await follow(from, to)

  // Alice's posts: one embed of each kind, a gated thread, a plain post.
  r.images = await post(alice, 'a dot', { embed: images, labels: { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'spoiler' }] } })
  r.external = await post(alice, 'a link', {
    embed: { $type: 'app.bsky.embed.external', external: { uri: 'https://example.com/page', title: 'Example', description: 'An example page', thumb: image } },
  })
  r.video = await post(alice, 'a clip', { embed: { $type: 'app.bsky.embed.video', video, alt: 'a clip', aspectRatio: { width: 16, height: 9 } } })
  r.root = await post(alice, 'only people I follow may reply')
  const gate = { post: r.root.uri, allow: [{ $type: 'app.bsky.feed.threadgate#followingRule' }], createdAt: now() }
  r.gate = await create(alice.agent, 'app.bsky.feed.threadgate', gate, rkeyOf(r.root.uri))
  r.bobReply = await reply(bob, r.root, r.root, 'allowed: alice follows me')
  r.carolReply = await reply(carol, r.root, r.root, 'not allowed')
  r.selfReply = await reply(alice, r.root, r.root, 'and a second thought')
  await alice.agent.com.atproto.repo.putRecord({
    repo: alice.did,
    collection: 'app.bsky.feed.threadgate',
    rkey: rkeyOf(r.root.uri),
    record: { $type: 'app.bsky.feed.threadgate', ...gate, hiddenReplies: [r.bobReply.uri] },
  })
  r.plain = await post(alice, 'plain')
  r.daveReply = await reply(dave, r.plain, r.plain, 'a reply across a block')
  r.daveQuote = await post(dave, 'quoting across a block', quoteOf(r.plain))

  // Bob's post, which Alice replies to and reposts.
  r.bobPost = await post(bob, 'bob says')
  r.aliceToBob = await reply(alice, r.bobPost, r.bobPost, 'replying to bob')
  r.aliceRepost = await create(alice.agent, 'app.bsky.feed.repost', { subject: r.bobPost, createdAt: now() })

  // Quotes: plain, with media, of a quote, of a list; then a postgate detaches one and forbids more.
  r.list = await create(alice.agent, 'app.bsky.graph.list', { purpose: 'app.bsky.graph.defs#curatelist', name: 'Pals', createdAt: now() })
  r.quote = await post(bob, 'quoting a dot', quoteOf(r.images))
  r.withMedia = await post(carol, 'a quote with media', {
    embed: { $type: 'app.bsky.embed.recordWithMedia', record: { $type: 'app.bsky.embed.record', record: r.external }, media: carolImages },
  })
  r.nested = await post(gina, 'a quote of a quote', quoteOf(r.withMedia))
  r.listQuote = await post(bob, 'see this list', quoteOf(r.list))
  await create(
    alice.agent,
    'app.bsky.feed.postgate',
    { post: r.images.uri, embeddingRules: [{ $type: 'app.bsky.feed.postgate#disableRule' }], detachedEmbeddingUris: [r.quote.uri], createdAt: now() },
    rkeyOf(r.images.uri),
  )
  r.lateQuote = await post(gina, 'quoting after the postgate', quoteOf(r.images))

  // Likes and reposts of the dot; Carol's like is deleted in a test.
  r.bobLike = await create(bob.agent, 'app.bsky.feed.like', { subject: r.images, createdAt: now() })
  r.carolLike = await create(carol.agent, 'app.bsky.feed.like', { subject: r.images, createdAt: now() })
  r.ginaLike = await create(gina.agent, 'app.bsky.feed.like', { subject: r.images, createdAt: now() })
  r.bobRepost = await create(bob.agent, 'app.bsky.feed.repost', { subject: r.images, createdAt: now() })

  // Dave blocks Alice.
  await create(dave.agent, 'app.bsky.graph.block', { subject: alice.did, createdAt: now() })

  // A post deleted under its reply.
  r.gone = await post(alice, 'soon gone')
  r.orphan = await reply(bob, r.gone, r.gone, 'replying to something deleted')
  await remove(alice, r.gone.uri)

  // Accounts that will stop being hosted; Bob reposts Frank.
  r.erinPost = await post(erin, 'erin was here')
  r.frankPost = await post(frank, 'frank was here')
  r.bobRepostsFrank = await create(bob.agent, 'app.bsky.feed.repost', { subject: r.frankPost, createdAt: now() })

  // Alice pins her link post.
  await create(alice.agent, 'app.bsky.actor.profile', { displayName: 'Alice', pinnedPost: r.external }, 'self')

  // Hank, for paging: an old post in an old partition, posts, reposts, and a new post whose rkey is old.
  const oldTime = Date.UTC(2023, 5, 1) * 1000
  r.hankOld = await post(hank, 'from long ago', { createdAt: '2023-06-01T00:00:00.000Z' }, TID.fromTime(oldTime, 1).toString())
  for (let i = 0; i < 9; i++) r[`hank${i}`] = await post(hank, `hank ${i}`)
  r.hankRepost1 = await create(hank.agent, 'app.bsky.feed.repost', { subject: r.bobPost, createdAt: now() })
  r.hankRepost2 = await create(hank.agent, 'app.bsky.feed.repost', { subject: r.plain, createdAt: now() })
  r.hankLatest = await post(hank, 'new, with an old rkey', {}, TID.fromTime(oldTime + 3_600_000_000, 1).toString())
  // List feeds: Ivy's list of Hank and Gina; Alice's of Bob and Dave, who blocks her.
  const listOf = async (owner: DevAccount, name: string, members: DevAccount[]) => {
    const list = await create(owner.agent, 'app.bsky.graph.list', { purpose: 'app.bsky.graph.defs#curatelist', name, createdAt: now() })
    for (const m of members) await create(owner.agent, 'app.bsky.graph.listitem', { list: list.uri, subject: m.did, createdAt: now() })
    return list
  }
  r.ivyList = await listOf(ivy, 'Hank and Gina', [hank, gina])
  r.aliceList = await listOf(alice, 'Bob and Dave', [bob, dave])
  r.ivyMark = await post(ivy, 'the last fixture')
}

const serviceToken = (account: DevAccount, lxm: string) => api.serviceToken(account, lxm)
/** A GET of an app.bsky.feed method. */
const xrpc = (method: string, params: Record<string, string | string[] | number | boolean>, viewer?: DevAccount) =>
  api.xrpc(`app.bsky.feed.${method}`, params, viewer)

async function onePost(uri: string, viewer?: DevAccount): Promise<any> {
  const { body } = await xrpc('getPosts', { uris: uri }, viewer)
  return body.posts[0]
}

/** Every page of a paged method, following cursors. */
async function allPages(method: string, params: Record<string, string | number>, key: string, viewer?: DevAccount): Promise<any[]> {
  const items: any[] = []
  let cursor: string | undefined
  for (let pages = 0; pages < 50; pages++) {
    const { status, body } = await xrpc(method, { ...params, ...(cursor ? { cursor } : {}) }, viewer)
    assert.equal(status, 200)
    items.push(...body[key])
    cursor = body.cursor
    if (!cursor) return items
  }
  throw new Error('too many pages')
}

const feedKey = (item: any) => `${item.post.uri} ${item.reason?.uri ?? ''}`

describe('posts', () => {
  test('the fixtures are indexed', async () => {
    await until('the last fixture', () => xrpc('getPosts', { uris: r.ivyMark!.uri }), (a) => a.body.posts?.length === 1)
    await until('counts settled', () => xrpc('getPosts', { uris: r.images!.uri }), (a) => a.body.posts[0]?.likeCount === 3 && a.body.posts[0]?.quoteCount === 2 && a.body.posts[0]?.repostCount === 1)
  })

  test('getPosts: views in the order asked, unknown and deleted ones left out', async () => {
    const uris = [r.external!.uri, r.gone!.uri, r.images!.uri, 'at://did:plc:aaaaaaaaaaaaaaaaaaaaaaaa/app.bsky.feed.post/3kabcdefghijk', r.external!.uri]
    const { status, body } = await xrpc('getPosts', { uris })
    assert.equal(status, 200)
    assert.deepEqual(body.posts.map((p: any) => p.uri), [r.external!.uri, r.images!.uri])
  })

  test('a post view: author, record, counts, self-labels, indexedAt', async () => {
    const view = await onePost(r.images!.uri)
    assert.equal(view.cid, r.images!.cid)
    assert.equal(view.author.did, acct.alice.did)
    assert.equal(view.author.handle, acct.alice.handle)
    assert.equal(view.record.text, 'a dot')
    assert.deepEqual([view.likeCount, view.repostCount, view.replyCount, view.quoteCount, view.bookmarkCount], [3, 1, 0, 2, 0])
    assert.deepEqual(view.labels.map((l: any) => [l.src, l.uri, l.val]), [[acct.alice.did, r.images!.uri, 'spoiler']])
    assert.ok(view.indexedAt)
    assert.equal(view.viewer, undefined)
  })

  test('embeds: images, external, video', async () => {
    const [images, external, video] = (await xrpc('getPosts', { uris: [r.images!.uri, r.external!.uri, r.video!.uri] })).body.posts
    assert.deepEqual(images.embed, {
      $type: 'app.bsky.embed.images#view',
      images: [
        {
          thumb: `${CDN}/feed_thumbnail/plain/${acct.alice.did}/${imageCid}`,
          fullsize: `${CDN}/feed_fullsize/plain/${acct.alice.did}/${imageCid}`,
          alt: 'a dot',
          aspectRatio: { width: 1, height: 1 },
        },
      ],
    })
    assert.deepEqual(external.embed, {
      $type: 'app.bsky.embed.external#view',
      external: { uri: 'https://example.com/page', title: 'Example', description: 'An example page', thumb: `${CDN}/feed_thumbnail/plain/${acct.alice.did}/${imageCid}` },
    })
    const did = encodeURIComponent(acct.alice.did)
    assert.deepEqual(video.embed, {
      $type: 'app.bsky.embed.video#view',
      cid: videoCid,
      playlist: `${VIDEO_CDN}/${did}/${videoCid}/playlist.m3u8`,
      thumbnail: `${VIDEO_CDN}/${did}/${videoCid}/thumbnail.jpg`,
      alt: 'a clip',
      aspectRatio: { width: 16, height: 9 },
    })
  })

  test('embeds: record with media, a quote of a quote, a list', async () => {
    const [withMedia, nested, listQuote] = (await xrpc('getPosts', { uris: [r.withMedia!.uri, r.nested!.uri, r.listQuote!.uri] })).body.posts
    assert.equal(withMedia.embed.$type, 'app.bsky.embed.recordWithMedia#view')
    assert.equal(withMedia.embed.media.$type, 'app.bsky.embed.images#view')
    assert.equal(withMedia.embed.record.record.$type, 'app.bsky.embed.record#viewRecord')
    assert.equal(withMedia.embed.record.record.uri, r.external!.uri)
    assert.equal(withMedia.embed.record.record.value.text, 'a link')
    assert.equal(withMedia.embed.record.record.embeds[0].$type, 'app.bsky.embed.external#view')

    // Two levels of embeds, no more: the quoted quote's own quote carries no embeds.
    const quoted = nested.embed.record
    assert.equal(quoted.$type, 'app.bsky.embed.record#viewRecord')
    assert.equal(quoted.uri, r.withMedia!.uri)
    assert.equal(quoted.embeds[0].$type, 'app.bsky.embed.recordWithMedia#view')
    assert.equal(quoted.embeds[0].record.record.uri, r.external!.uri)
    assert.equal(quoted.embeds[0].record.record.embeds, undefined)

    assert.equal(listQuote.embed.record.$type, 'app.bsky.graph.defs#listView')
    assert.equal(listQuote.embed.record.name, 'Pals')
    assert.equal(listQuote.embed.record.creator.did, acct.alice.did)
  })

  test('postgates: a detached quote, a quote made after quoting was disabled, viewer.embeddingDisabled', async () => {
    const [quote, late] = (await xrpc('getPosts', { uris: [r.quote!.uri, r.lateQuote!.uri] })).body.posts
    assert.deepEqual(quote.embed, { $type: 'app.bsky.embed.record#view', record: { $type: 'app.bsky.embed.record#viewDetached', uri: r.images!.uri, detached: true } })
    assert.equal(late.embed.record.$type, 'app.bsky.embed.record#viewDetached')
    assert.equal((await onePost(r.images!.uri, acct.bob)).viewer.embeddingDisabled, true)
    assert.equal((await onePost(r.images!.uri, acct.alice)).viewer.embeddingDisabled, false)
    assert.equal((await onePost(r.external!.uri, acct.bob)).viewer.embeddingDisabled, false)
  })

  test('viewer state: like, repost, pinned', async () => {
    const asBob = await onePost(r.images!.uri, acct.bob)
    assert.equal(asBob.viewer.like, r.bobLike!.uri)
    assert.equal(asBob.viewer.repost, r.bobRepost!.uri)
    assert.equal(asBob.viewer.threadMuted, false)
    assert.equal(asBob.viewer.bookmarked, false)
    assert.equal(asBob.viewer.pinned, undefined)
    const [pinned, notPinned] = (await xrpc('getPosts', { uris: [r.external!.uri, r.images!.uri] }, acct.alice)).body.posts
    assert.equal(pinned.viewer.pinned, true)
    assert.equal(notPinned.viewer.pinned, false)
    assert.equal(notPinned.viewer.like, undefined)
  })

  test('blocks: posts of accounts the viewer has a block with are left out; quotes across a block show as blocked', async () => {
    const asAlice = await xrpc('getPosts', { uris: [r.daveReply!.uri, r.plain!.uri] }, acct.alice)
    assert.deepEqual(asAlice.body.posts.map((p: any) => p.uri), [r.plain!.uri])
    const quote = await onePost(r.daveQuote!.uri)
    assert.equal(quote.embed.record.$type, 'app.bsky.embed.record#viewBlocked')
    assert.equal(quote.embed.record.author.did, acct.alice.did)
  })

  test('deleted interactions are no longer counted', async () => {
    await remove(acct.carol, r.carolLike!.uri)
    const { body } = await until('like count drops', () => xrpc('getPosts', { uris: r.images!.uri }), (a) => a.body.posts[0].likeCount === 2)
    assert.equal(body.posts[0].likeCount, 2)
  })
})

describe('likes, reposts and quotes of a post', () => {
  test('getLikes: newest first, paged without gaps or duplicates', async () => {
    const { body } = await xrpc('getLikes', { uri: r.images!.uri, cid: r.images!.cid })
    assert.equal(body.uri, r.images!.uri)
    assert.equal(body.cid, r.images!.cid)
    assert.deepEqual(body.likes.map((l: any) => l.actor.did), [acct.gina.did, acct.bob.did])
    assert.ok(body.likes[0].createdAt && body.likes[0].indexedAt)
    const paged = await allPages('getLikes', { uri: r.images!.uri, limit: 1 }, 'likes')
    assert.deepEqual(paged.map((l: any) => l.actor.did), [acct.gina.did, acct.bob.did])
  })

  test('getRepostedBy', async () => {
    const { body } = await xrpc('getRepostedBy', { uri: r.images!.uri })
    assert.deepEqual(body.repostedBy.map((p: any) => p.did), [acct.bob.did])
    const bobPost = await xrpc('getRepostedBy', { uri: r.bobPost!.uri, limit: 1 })
    assert.equal(bobPost.body.repostedBy.length, 1)
    assert.ok(bobPost.body.cursor)
  })

  test('getQuotes: detached quotes stay listed', async () => {
    const { body } = await xrpc('getQuotes', { uri: r.images!.uri })
    assert.deepEqual(body.posts.map((p: any) => p.uri), [r.lateQuote!.uri, r.quote!.uri])
  })

  test('getActorLikes: only for the viewer themselves', async () => {
    const { status, body } = await xrpc('getActorLikes', { actor: acct.bob.did }, acct.bob)
    assert.equal(status, 200)
    assert.deepEqual(body.feed.map((i: any) => i.post.uri), [r.images!.uri])
    assert.equal(body.feed[0].post.viewer.like, r.bobLike!.uri)
    for (const viewer of [acct.alice, undefined]) {
      const other = await xrpc('getActorLikes', { actor: acct.bob.did }, viewer)
      assert.deepEqual(other, { status: 400, body: { error: 'InvalidRequest', message: 'Profile not found' } })
    }
  })
})

describe('threads', () => {
  test('a gated thread: the disallowed reply is left out and not counted; hidden replies are the client’s to hide', async () => {
    const { status, body } = await xrpc('getPostThread', { uri: r.root!.uri })
    assert.equal(status, 200)
    assert.equal(body.thread.post.uri, r.root!.uri)
    assert.equal(body.thread.post.replyCount, 2)
    // Newest first, as the reference AppView returns them.
    assert.deepEqual(body.thread.replies.map((t: any) => t.post.uri), [r.selfReply!.uri, r.bobReply!.uri])
    assert.deepEqual(body.thread.replies[0].replies, [])
    assert.equal(body.threadgate.uri, r.gate!.uri)
    assert.deepEqual(body.threadgate.record.hiddenReplies, [r.bobReply!.uri])
    assert.equal(body.thread.post.threadgate.uri, r.gate!.uri)
  })

  test('replyDisabled follows the gate for each viewer; the disallowed reply stands alone', async () => {
    assert.equal((await onePost(r.root!.uri, acct.carol)).viewer.replyDisabled, true)
    assert.equal((await onePost(r.root!.uri, acct.bob)).viewer.replyDisabled, false)
    assert.equal((await onePost(r.root!.uri, acct.alice)).viewer.replyDisabled, false)
    assert.equal((await onePost(r.carolReply!.uri, acct.bob)).viewer.replyDisabled, true)
    assert.equal((await onePost(r.plain!.uri, acct.carol)).viewer.replyDisabled, undefined)
    const { body } = await xrpc('getPostThread', { uri: r.carolReply!.uri })
    assert.equal(body.thread.post.uri, r.carolReply!.uri)
    assert.equal(body.thread.parent, undefined)
    assert.equal(body.thread.replies, undefined)
  })

  test('parents up to parentHeight, replies down to depth', async () => {
    const { body } = await xrpc('getPostThread', { uri: r.selfReply!.uri, depth: 0 })
    assert.equal(body.thread.parent.post.uri, r.root!.uri)
    assert.equal(body.thread.replies, undefined)
    const noParent = await xrpc('getPostThread', { uri: r.selfReply!.uri, parentHeight: 0 })
    assert.equal(noParent.body.thread.parent, undefined)
    const shallow = await xrpc('getPostThread', { uri: r.root!.uri, depth: 1 })
    assert.equal(shallow.body.thread.replies[0].replies, undefined)
  })

  test('blocks: a reply across a block is left out; a blocked parent shows as blocked; a blocked anchor is a blockedPost', async () => {
    const thread = await xrpc('getPostThread', { uri: r.plain!.uri })
    assert.deepEqual(thread.body.thread.replies, [])
    const fromReply = await xrpc('getPostThread', { uri: r.daveReply!.uri })
    assert.equal(fromReply.body.thread.parent.$type, 'app.bsky.feed.defs#blockedPost')
    assert.equal(fromReply.body.thread.parent.uri, r.plain!.uri)
    const asDave = await xrpc('getPostThread', { uri: r.plain!.uri }, acct.dave)
    assert.equal(asDave.status, 200)
    assert.equal(asDave.body.thread.$type, 'app.bsky.feed.defs#blockedPost')
    assert.equal(asDave.body.thread.author.did, acct.alice.did)
    assert.equal(asDave.body.thread.author.viewer.blockedBy, false)
    assert.match(asDave.body.thread.author.viewer.blocking, /app\.bsky\.graph\.block/)
  })

  test('deleted posts: a missing parent is notFound; a missing anchor is NotFound', async () => {
    const { body } = await xrpc('getPostThread', { uri: r.orphan!.uri })
    assert.deepEqual(body.thread.parent, { $type: 'app.bsky.feed.defs#notFoundPost', uri: r.gone!.uri, notFound: true })
    const gone = await xrpc('getPostThread', { uri: r.gone!.uri })
    assert.deepEqual(gone, { status: 400, body: { error: 'NotFound', message: `Post not found: ${r.gone!.uri}` } })
  })

  test('the root author’s likes, and muted threads', async () => {
    await create(acct.alice.agent, 'app.bsky.feed.like', { subject: r.selfReply, createdAt: now() })
    const { body } = await until(
      'root author like',
      () => xrpc('getPostThread', { uri: r.root!.uri }),
      (a) => !!a.body.thread?.replies?.[0]?.threadContext?.rootAuthorLike,
    )
    assert.equal(body.thread.replies[1].threadContext.rootAuthorLike, undefined)
    const token = await serviceToken(acct.alice, 'app.bsky.graph.muteThread')
    const res = await fetch(`${base}/xrpc/app.bsky.graph.muteThread`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ root: r.root!.uri }),
    })
    assert.equal(res.status, 200)
    const muted = await xrpc('getPosts', { uris: [r.root!.uri, r.selfReply!.uri, r.plain!.uri] }, acct.alice)
    assert.deepEqual(muted.body.posts.map((p: any) => p.viewer.threadMuted), [true, true, false])
  })
})

describe('author feeds', () => {
  test('posts, replies and reposts, newest first, with reply context and repost reasons', async () => {
    const { body } = await xrpc('getAuthorFeed', { actor: acct.alice.handle })
    const items = body.feed.map(feedKey)
    assert.ok(items.indexOf(`${r.bobPost!.uri} ${r.aliceRepost!.uri}`) >= 0, 'the repost')
    const repost = body.feed.find((i: any) => i.reason)
    assert.equal(repost.reason.$type, 'app.bsky.feed.defs#reasonRepost')
    assert.equal(repost.reason.by.did, acct.alice.did)
    const toBob = body.feed.find((i: any) => i.post.uri === r.aliceToBob!.uri)
    assert.equal(toBob.reply.parent.uri, r.bobPost!.uri)
    assert.equal(toBob.reply.root.$type, 'app.bsky.feed.defs#postView')
    const times = body.feed.map((i: any) => i.reason?.indexedAt ?? i.post.indexedAt)
    assert.deepEqual(times, [...times].sort().reverse())
  })

  test('filters', async () => {
    const uris = async (filter: string) => (await xrpc('getAuthorFeed', { actor: acct.alice.did, filter })).body.feed.map(feedKey)
    const noReplies = await uris('posts_no_replies')
    assert.ok(!noReplies.some((k: string) => k.startsWith(`${r.selfReply!.uri} `) || k.startsWith(`${r.aliceToBob!.uri} `)))
    assert.ok(noReplies.includes(`${r.bobPost!.uri} ${r.aliceRepost!.uri}`))
    assert.deepEqual(await uris('posts_with_media'), [`${r.images!.uri} `])
    assert.deepEqual(await uris('posts_with_video'), [`${r.video!.uri} `])
    const threads = await uris('posts_and_author_threads')
    assert.ok(threads.includes(`${r.selfReply!.uri} `), 'a reply in her own thread')
    assert.ok(!threads.includes(`${r.aliceToBob!.uri} `), 'not a reply to someone else')
    assert.deepEqual(await uris('no_such_filter'), await uris('posts_with_replies'))
  })

  test('includePins: the pinned post heads the first page (and is not repeated there)', async () => {
    const { body } = await xrpc('getAuthorFeed', { actor: acct.alice.did, includePins: true, limit: 100 })
    assert.equal(body.feed[0].post.uri, r.external!.uri)
    assert.deepEqual(body.feed[0].reason, { $type: 'app.bsky.feed.defs#reasonPin' })
    assert.equal(body.feed.filter((i: any) => i.post.uri === r.external!.uri).length, 1)
    // (Later pages are the plain feed, where the post shows again where it falls, as in the reference AppView.)
    const withoutPins = (await xrpc('getAuthorFeed', { actor: acct.alice.did, limit: 100 })).body.feed
    assert.equal(withoutPins.filter((i: any) => i.post.uri === r.external!.uri).length, 1)
    assert.ok(!withoutPins.some((i: any) => i.reason?.$type === 'app.bsky.feed.defs#reasonPin'))
  })

  test('a reply its thread’s gate disallowed has no reply context', async () => {
    const { body } = await xrpc('getAuthorFeed', { actor: acct.carol.did })
    const item = body.feed.find((i: any) => i.post.uri === r.carolReply!.uri)
    assert.ok(item)
    assert.equal(item.reply, undefined)
  })

  test('paging across time partitions: no gaps, no duplicates, newest first', async () => {
    const full = (await xrpc('getAuthorFeed', { actor: acct.hank.did, limit: 100 })).body.feed.map(feedKey)
    assert.equal(full.length, 13)
    assert.equal(full[0], `${r.hankLatest!.uri} `, 'a new post whose rkey is old comes first')
    assert.equal(full.at(-1), `${r.hankOld!.uri} `, 'the old post comes last')
    for (const limit of [1, 4, 5]) {
      const paged = (await allPages('getAuthorFeed', { actor: acct.hank.did, limit }, 'feed')).map(feedKey)
      assert.deepEqual(paged, full, `pages of ${limit}`)
    }
  })

  test('a page the rules empty is refilled from further on', async () => {
    // Dave blocks Alice: Hank's repost of her post is left out of what Dave sees.
    const first = await xrpc('getAuthorFeed', { actor: acct.hank.did, limit: 1 }, acct.dave)
    assert.deepEqual(first.body.feed.map(feedKey), [`${r.hankLatest!.uri} `])
    const second = await xrpc('getAuthorFeed', { actor: acct.hank.did, limit: 1, cursor: first.body.cursor }, acct.dave)
    assert.deepEqual(second.body.feed.map(feedKey), [`${r.bobPost!.uri} ${r.hankRepost1!.uri}`])
    assert.ok(second.body.cursor)
  })

  test('blocks either way are errors', async () => {
    const asAlice = await xrpc('getAuthorFeed', { actor: acct.dave.did }, acct.alice)
    assert.deepEqual(asAlice, { status: 400, body: { error: 'BlockedByActor', message: `Requester is blocked by actor: ${acct.dave.did}` } })
    const asDave = await xrpc('getAuthorFeed', { actor: acct.alice.did }, acct.dave)
    assert.deepEqual(asDave, { status: 400, body: { error: 'BlockedActor', message: `Requester has blocked actor: ${acct.alice.did}` } })
    const dave = await xrpc('getAuthorFeed', { actor: acct.dave.did })
    const daveReply = dave.body.feed.find((i: any) => i.post.uri === r.daveReply!.uri)
    assert.equal(daveReply.reply.parent.$type, 'app.bsky.feed.defs#blockedPost')
    assert.equal(daveReply.reply.root.$type, 'app.bsky.feed.defs#blockedPost')
  })

  test('a reply to a deleted post shows its parent as not found', async () => {
    const { body } = await xrpc('getAuthorFeed', { actor: acct.bob.did })
    const orphan = body.feed.find((i: any) => i.post.uri === r.orphan!.uri)
    assert.deepEqual(orphan.reply.parent, { $type: 'app.bsky.feed.defs#notFoundPost', uri: r.gone!.uri, notFound: true })
  })
})

describe('list feeds', () => {
  test('posts (not reposts) of the members, newest first, paged without gaps or duplicates', async () => {
    const expected = [r.hankLatest, ...[8, 7, 6, 5, 4, 3, 2, 1, 0].map((i) => r[`hank${i}`]), r.lateQuote, r.nested, r.hankOld].map((ref) => `${ref!.uri} `)
    const full = await until('the list feed', () => xrpc('getListFeed', { list: r.ivyList!.uri, limit: 100 }), (a) => a.body.feed?.length === expected.length)
    assert.deepEqual(full.body.feed.map(feedKey), expected)
    assert.equal(full.body.cursor, undefined)
    for (const limit of [1, 4, 5]) {
      const paged = (await allPages('getListFeed', { list: r.ivyList!.uri, limit }, 'feed')).map(feedKey)
      assert.deepEqual(paged, expected, `pages of ${limit}`)
    }
  })

  test('members with a block with the list’s creator are left out, and for a viewer what the timeline hides', async () => {
    const bobs = [r.orphan, r.listQuote, r.quote, r.bobPost, r.bobReply].map((ref) => ref!.uri)
    const anon = await until('alice’s list', () => xrpc('getListFeed', { list: r.aliceList!.uri }), (a) => a.body.feed?.length >= bobs.length)
    assert.deepEqual(anon.body.feed.map((i: any) => i.post.uri), bobs, 'none of Dave’s, who blocks Alice')
    // Dave blocks Alice: Bob's replies in her threads are left out of what he sees.
    const asDave = await xrpc('getListFeed', { list: r.aliceList!.uri }, acct.dave)
    assert.deepEqual(
      asDave.body.feed.map((i: any) => i.post.uri),
      [r.listQuote, r.quote, r.bobPost].map((ref) => ref!.uri),
    )
  })

  test('an unknown list has an empty feed (as in the reference AppView); a bad URI is 400', async () => {
    const unknown = await xrpc('getListFeed', { list: `at://${acct.alice.did}/app.bsky.graph.list/3zzzzzzzzzzzz` })
    assert.deepEqual(unknown, { status: 200, body: { feed: [] } })
    const bad = await xrpc('getListFeed', { list: 'not a uri' })
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error, 'InvalidRequest')
  })
})

describe('timeline', () => {
  test('posts and reposts of followed accounts and one’s own, newest first, paged without gaps or duplicates', async () => {
    const full = (await xrpc('getTimeline', { limit: 100 }, acct.ivy)).body.feed.map(feedKey)
    assert.ok(full.includes(`${r.ivyMark!.uri} `), 'her own post')
    assert.ok(full.includes(`${r.hank0!.uri} `), 'a followed account’s post')
    assert.ok(full.includes(`${r.images!.uri} ${r.bobRepost!.uri}`), 'a followed account’s repost')
    assert.ok(!full.some((k: string) => k.startsWith(`${r.external!.uri} `)), 'not an unfollowed account’s post')
    assert.equal(new Set(full).size, full.length)
    const paged = (await allPages('getTimeline', { limit: 4 }, 'feed', acct.ivy)).map(feedKey)
    assert.deepEqual(paged, full)
  })

  test('replies show their thread; blocked accounts are left out', async () => {
    const { body } = await xrpc('getTimeline', {}, acct.alice)
    const bobReply = body.feed.find((i: any) => i.post.uri === r.bobReply!.uri)
    assert.equal(bobReply.reply.root.uri, r.root!.uri)
    assert.equal(bobReply.reply.parent.$type, 'app.bsky.feed.defs#postView')
    assert.ok(!body.feed.some((i: any) => i.post.author.did === acct.dave.did))
  })

  test('takedowns and deactivations hide an account’s posts and the reposts of them', async () => {
    await until('bob’s repost of frank', () => xrpc('getAuthorFeed', { actor: acct.bob.did }), (a) => a.body.feed.some((i: any) => i.post.uri === r.frankPost!.uri))
    await net.takedown(acct.erin.did)
    await net.deactivate(acct.frank.did)
    await until('erin and frank gone', () => xrpc('getPosts', { uris: [r.erinPost!.uri, r.frankPost!.uri] }), (a) => a.body.posts.length === 0)
    const bob = await xrpc('getAuthorFeed', { actor: acct.bob.did })
    assert.ok(!bob.body.feed.some((i: any) => i.post.uri === r.frankPost!.uri))
    const erin = await xrpc('getAuthorFeed', { actor: acct.erin.did })
    assert.deepEqual(erin, { status: 400, body: { error: 'InvalidRequest', message: 'Profile not found' } })
  })
})

describe('bad requests', () => {
  test('bad parameters are 400 InvalidRequest', async () => {
    const cases: [string, Record<string, string | number>][] = [
      ['getPosts', {}],
      ['getPosts', { uris: 'not a uri' }],
      ['getLikes', { uri: r.images!.uri, limit: 0 }],
      ['getLikes', { uri: r.images!.uri, cursor: 'junk' }],
      ['getQuotes', { uri: r.images!.uri, cid: 'not-a-cid' }],
      ['getRepostedBy', { uri: r.images!.uri, limit: 101 }],
      ['getPostThread', { uri: r.root!.uri, depth: -1 }],
      ['getPostThread', { uri: r.root!.uri, parentHeight: 1001 }],
      ['getAuthorFeed', {}],
      ['getAuthorFeed', { actor: acct.alice.did, includePins: 'yes' }],
      ['getActorLikes', { actor: 'not a handle!' }],
    ]
    for (const [method, params] of cases) {
      const { status, body } = await xrpc(method, params)
      assert.equal(status, 400, `${method} ${JSON.stringify(params)}`)
      assert.equal(body.error, 'InvalidRequest')
    }
    const tooMany = await xrpc('getPosts', { uris: Array.from({ length: 26 }, () => r.images!.uri) })
    assert.equal(tooMany.status, 400)
  })

  test('the timeline needs a viewer', async () => {
    const { status, body } = await xrpc('getTimeline', {})
    assert.equal(status, 401)
    assert.equal(body.error, 'AuthMissing')
  })
})
