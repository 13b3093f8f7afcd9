import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { StoredRecord } from '#/dataplane/index.js'
import { compareKeys } from '#/dataplane/keyset.js'
import { SelfThreadTracker } from '#/rules/posts.js'
import { detachedQuotes, embeddingDisabledBy, postgateUriOf, replyRestriction, threadgateUriOf } from '#/records/gates.js'
import { embeddedRecordUri, mentionedDids } from '#/records/post-record.js'
import type { PostInfo } from '#/hydration/post-state.js'
import type { HydrationState } from '#/hydration/state.js'

/** What threadgates and postgates say, read from records as clients write them; the feed ordering; self-threads. */

const ALICE = 'did:plc:alice'
const ROOT = `at://${ALICE}/app.bsky.feed.post/3kroot`

function record(uri: string, value: Record<string, unknown>, sortedAt = '2024-05-01T00:00:00.000Z'): StoredRecord {
  return { uri, did: uri.split('/')[2]!, cid: 'bafy', record: value, indexedAt: sortedAt, sortedAt }
}

test('gate URIs share the post’s repo and rkey; other URIs are left as they are', () => {
  assert.equal(threadgateUriOf(ROOT), `at://${ALICE}/app.bsky.feed.threadgate/3kroot`)
  assert.equal(postgateUriOf(ROOT), `at://${ALICE}/app.bsky.feed.postgate/3kroot`)
  const list = `at://${ALICE}/app.bsky.graph.list/3klist`
  assert.equal(threadgateUriOf(list), list)
})

test('threadgate rules: no `allow` lets anyone reply, an empty one no one but the author', () => {
  const gate = (allow: unknown) => record(threadgateUriOf(ROOT), { post: ROOT, ...(allow === undefined ? {} : { allow }), createdAt: '2024-05-01T00:00:00Z' })
  assert.equal(replyRestriction(ROOT, null), undefined)
  assert.equal(replyRestriction(ROOT, gate(undefined)), undefined)
  assert.deepEqual(replyRestriction(ROOT, gate([])), {
    owner: ALICE,
    mention: false,
    follower: false,
    following: false,
    lists: [],
    since: '2024-05-01T00:00:00.000Z',
  })
  const rules = replyRestriction(
    ROOT,
    gate([
      { $type: 'app.bsky.feed.threadgate#mentionRule' },
      { $type: 'app.bsky.feed.threadgate#followerRule' },
      { $type: 'app.bsky.feed.threadgate#listRule', list: `at://${ALICE}/app.bsky.graph.list/3kl` },
      { $type: 'app.bsky.feed.threadgate#someFutureRule' },
    ]),
  )
  assert.deepEqual([rules?.mention, rules?.follower, rules?.following, rules?.lists], [true, true, false, [`at://${ALICE}/app.bsky.graph.list/3kl`]])
})

test('mentions come from the root post’s facets', () => {
  const root = record(ROOT, {
    text: 'hi @bob',
    facets: [
      { index: { byteStart: 3, byteEnd: 7 }, features: [{ $type: 'app.bsky.richtext.facet#mention', did: 'did:plc:bob' }] },
      { index: { byteStart: 0, byteEnd: 2 }, features: [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://x.test' }] },
    ],
  })
  assert.deepEqual([...mentionedDids(root)], ['did:plc:bob'])
  assert.deepEqual([...mentionedDids(undefined)], [])
})

test('postgates: the disable rule and detached quotes', () => {
  const gate = record(postgateUriOf(ROOT), {
    post: ROOT,
    embeddingRules: [{ $type: 'app.bsky.feed.postgate#disableRule' }],
    detachedEmbeddingUris: ['at://did:plc:bob/app.bsky.feed.post/3kq', 42],
  })
  assert.equal(embeddingDisabledBy(gate), true)
  assert.equal(embeddingDisabledBy(record(postgateUriOf(ROOT), { post: ROOT })), false)
  assert.deepEqual(detachedQuotes(gate), ['at://did:plc:bob/app.bsky.feed.post/3kq'])
})

test('the record a post embeds, plain or with media', () => {
  const quoted = { uri: ROOT, cid: 'bafy' }
  assert.equal(embeddedRecordUri(record('at://did:plc:bob/app.bsky.feed.post/1', { embed: { $type: 'app.bsky.embed.record', record: quoted } })), ROOT)
  const withMedia = { $type: 'app.bsky.embed.recordWithMedia', record: { record: quoted }, media: { $type: 'app.bsky.embed.images', images: [] } }
  assert.equal(embeddedRecordUri(record('at://did:plc:bob/app.bsky.feed.post/2', { embed: withMedia })), ROOT)
  assert.equal(embeddedRecordUri(record('at://did:plc:bob/app.bsky.feed.post/3', { embed: { $type: 'app.bsky.embed.images', images: [] } })), undefined)
})

test('feed order: newest first, then by CID, then by author', () => {
  const keys = [
    [1000, 'bafya', 'did:b'],
    [2000, 'bafya', 'did:a'],
    [1000, 'bafyb', 'did:a'],
    [1000, 'bafya', 'did:c'],
  ]
  assert.deepEqual([...keys].sort(compareKeys), [
    [2000, 'bafya', 'did:a'],
    [1000, 'bafyb', 'did:a'],
    [1000, 'bafya', 'did:c'],
    [1000, 'bafya', 'did:b'],
  ])
})

test('self-threads: a reply counts only with its whole chain of parents on the page', () => {
  const uri = (k: string) => `at://${ALICE}/app.bsky.feed.post/${k}`
  const ref = (k: string) => ({ uri: uri(k), cid: 'bafy' })
  const post = (k: string, parent?: string): [string, PostInfo] => [
    uri(k),
    { ...record(uri(k), { text: k, ...(parent ? { reply: { root: ref('a'), parent: ref(parent) } } : {}) }), violatesThreadGate: false, violatesEmbeddingRules: false },
  ]
  const posts = new Map([post('a'), post('b', 'a'), post('c', 'b'), post('x', 'gone'), post('loop1', 'loop2'), post('loop2', 'loop1')])
  const state = { posts } as unknown as HydrationState
  const items = ['a', 'b', 'c', 'x', 'loop1', 'loop2'].map((k) => ({ post: uri(k) }))
  const tracker = new SelfThreadTracker(items, state)
  assert.deepEqual(items.map((i) => tracker.ok(i.post)), [true, true, true, false, false, false])
  const withoutRoot = new SelfThreadTracker(items.slice(1, 3), state)
  assert.equal(withoutRoot.ok(uri('c')), false)
})
