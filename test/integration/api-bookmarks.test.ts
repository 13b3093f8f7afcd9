import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { DevAccount } from '#devnet/network.js'
import { createRecord, startMagpieApi, until, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * Bookmarks end to end: posts written through a real PDS and ingested from its firehose,
 * bookmarked through Magpie's procedures (private state it keeps), read back as bookmark
 * listings and as post view fields. Every 200 answer is checked against the official lexicon.
 */

const CREATE = 'app.bsky.bookmark.createBookmark'
const DELETE = 'app.bsky.bookmark.deleteBookmark'
const LIST = 'app.bsky.bookmark.getBookmarks'
const GET_POSTS = 'app.bsky.feed.getPosts'

let api: MagpieApi
let alice: DevAccount
let bob: DevAccount
let carol: DevAccount
const posts: { uri: string; cid: string }[] = []
let carolPost: { uri: string; cid: string }

before(async () => {
  api = await startMagpieApi('api-bookmarks', {})
  ;[alice, bob, carol] = (await Promise.all(['alice', 'bob', 'carol'].map((n) => api.net.createAccount(n)))) as [DevAccount, DevAccount, DevAccount]
  for (const text of ['first', 'second', 'third']) {
    posts.push(await createRecord(bob.agent, 'app.bsky.feed.post', { text, createdAt: new Date().toISOString() }))
  }
  carolPost = await createRecord(carol.agent, 'app.bsky.feed.post', { text: 'carol', createdAt: new Date().toISOString() })
  await until('posts ingested', () => api.xrpc(GET_POSTS, { uris: [...posts, carolPost].map((p) => p.uri) }), (a) => a.body.posts?.length === 4)
})

after(async () => {
  await api?.close()
})

const subjects = (answer: { body: any }) => answer.body.bookmarks.map((b: any) => b.subject.uri)

test('bookmarks are listed newest first, counted on the post, and marked for their owner only', async () => {
  for (const p of [posts[0]!, posts[2]!, carolPost]) assert.equal((await api.call(CREATE, p, alice)).status, 200)
  // Again: nothing changes (the first bookmark stays, not a second one).
  assert.equal((await api.call(CREATE, posts[0], alice)).status, 200)
  assert.equal((await api.call(CREATE, posts[0], carol)).status, 200)

  const mine = await api.xrpc(LIST, {}, alice)
  assert.equal(mine.status, 200)
  assert.deepEqual(subjects(mine), [carolPost.uri, posts[2]!.uri, posts[0]!.uri])
  assert.equal(mine.body.bookmarks[1].item.record.text, 'third')
  assert.equal(mine.body.bookmarks[1].subject.cid, posts[2]!.cid)
  assert.deepEqual(subjects(await api.xrpc(LIST, {}, bob)), [], 'Bob has none, and never sees Alice`s')

  const asAlice = await api.xrpc(GET_POSTS, { uris: posts.map((p) => p.uri) }, alice)
  assert.deepEqual(asAlice.body.posts.map((p: any) => [p.bookmarkCount, p.viewer.bookmarked]), [[2, true], [0, false], [1, true]])
  const asBob = await api.xrpc(GET_POSTS, { uris: posts.map((p) => p.uri) }, bob)
  assert.deepEqual(asBob.body.posts.map((p: any) => [p.bookmarkCount, p.viewer.bookmarked]), [[2, false], [0, false], [1, false]])
})

test('pages with a cursor', async () => {
  const first = await api.xrpc(LIST, { limit: 2 }, alice)
  assert.equal(first.body.bookmarks.length, 2)
  const second = await api.xrpc(LIST, { limit: 2, cursor: first.body.cursor }, alice)
  assert.deepEqual([...subjects(first), ...subjects(second)], [carolPost.uri, posts[2]!.uri, posts[0]!.uri])
  assert.equal(second.body.cursor, undefined)
})

test('a blocked author`s post shows as blocked; a deleted one as not found', async () => {
  await createRecord(alice.agent, 'app.bsky.graph.block', { subject: carol.did, createdAt: new Date().toISOString() })
  await bob.agent.com.atproto.repo.deleteRecord({ repo: bob.did, collection: 'app.bsky.feed.post', rkey: posts[2]!.uri.split('/').pop()! })
  const answer = await until(
    'the block and the delete ingested',
    () => api.xrpc(LIST, {}, alice),
    (a) => a.body.bookmarks?.[1]?.item?.$type === 'app.bsky.feed.defs#notFoundPost' && a.body.bookmarks?.[0]?.item?.$type === 'app.bsky.feed.defs#blockedPost',
  )
  assert.equal(answer.body.bookmarks.length, 3, 'the bookmarks stay, whatever became of their posts')
})

test('deleteBookmark removes only the requester`s', async () => {
  assert.equal((await api.call(DELETE, { uri: posts[0]!.uri }, alice)).status, 200)
  assert.equal((await api.call(DELETE, { uri: posts[0]!.uri }, alice)).status, 200, 'removing it twice is fine')
  assert.ok(!subjects(await api.xrpc(LIST, {}, alice)).includes(posts[0]!.uri))
  assert.deepEqual(subjects(await api.xrpc(LIST, {}, carol)), [posts[0]!.uri], 'Carol`s bookmark of the same post stays')
  const counted = await api.xrpc(GET_POSTS, { uris: [posts[0]!.uri] }, carol)
  assert.deepEqual([counted.body.posts[0].bookmarkCount, counted.body.posts[0].viewer.bookmarked], [1, true])
})

test('only posts, with a valid CID, and a token', async () => {
  const feedUri = `at://${bob.did}/app.bsky.feed.generator/x`
  const notPost = await api.call(CREATE, { uri: feedUri, cid: posts[0]!.cid }, alice)
  assert.deepEqual([notPost.status, notPost.body.error], [400, 'UnsupportedCollection'])
  assert.equal((await api.call(CREATE, { uri: posts[1]!.uri, cid: 'not-a-cid' }, alice)).status, 400)
  assert.equal((await api.call(CREATE, { uri: 'nope', cid: posts[1]!.cid }, alice)).status, 400)
  assert.equal((await api.call(CREATE, posts[1])).status, 401)
  assert.equal((await api.xrpc(LIST, {})).status, 401)
  assert.equal((await api.xrpc(LIST, { limit: 0 }, alice)).status, 400)
})
