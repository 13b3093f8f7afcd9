import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { cidForRecord } from '@atproto/repo'
import type { NotificationCandidate } from '#/dataplane/index.js'
import { RECORD_DELETED, RECORD_DELETED_CID } from '#/dataplane/notifications.js'
import type { StoredRecord } from '#/dataplane/records.js'
import { notificationsOf } from '#/rules/notifications.js'
import type { PostContext } from '#/hydration/state.js'

/**
 * Which notification a record gives an account, decided as the reference AppView decides it
 * when indexing (packages/bsky's notifsForInsert): one row per case.
 */

const ME = 'did:plc:me'
const BOB = 'did:plc:bob'
const CAROL = 'did:plc:carol'
const post = (did: string, rkey: string) => `at://${did}/app.bsky.feed.post/${rkey}`
const repost = (did: string, rkey: string) => `at://${did}/app.bsky.feed.repost/${rkey}`

function candidate(family: NotificationCandidate['family'], did: string, record: Record<string, unknown>, rkey = 'r1'): NotificationCandidate {
  const collection = { posts: 'app.bsky.feed.post', likes: 'app.bsky.feed.like', reposts: 'app.bsky.feed.repost', follows: 'app.bsky.graph.follow' }[family as string] ?? 'x'
  const stored: StoredRecord = { uri: `at://${did}/${collection}/${rkey}`, did, cid: 'bafy', record, indexedAt: '2026-01-01T00:00:00.000Z', sortedAt: '2026-01-01T00:00:00.000Z' }
  return { family, record: stored }
}

const ctx = (over: Partial<PostContext> = {}): PostContext => ({ violatesThreadGate: false, violatesEmbeddingRules: false, ancestors: [], hiddenReplies: new Set(), ...over })
const mention = (did: string) => ({ facets: [{ index: { byteStart: 0, byteEnd: 1 }, features: [{ $type: 'app.bsky.richtext.facet#mention', did }] }] })
const quoteOf = (uri: string) => ({ embed: { $type: 'app.bsky.embed.record', record: { uri, cid: 'bafy' } } })

describe('likes and reposts', () => {
  const ref = (uri: string) => ({ uri, cid: 'bafy' })
  const rows: [string, NotificationCandidate, string[]][] = [
    ['a like of my post', candidate('likes', BOB, { subject: ref(post(ME, 'p')) }), ['like']],
    ['my own like of my post', candidate('likes', ME, { subject: ref(post(ME, 'p')) }), []],
    ['a like of someone else`s post', candidate('likes', BOB, { subject: ref(post(CAROL, 'p')) }), []],
    ['a like through my repost', candidate('likes', BOB, { subject: ref(post(CAROL, 'p')), via: ref(repost(ME, 'r')) }), ['like-via-repost']],
    ['a like of my post through my repost: both', candidate('likes', BOB, { subject: ref(post(ME, 'p')), via: ref(repost(ME, 'r')) }), ['like', 'like-via-repost']],
    ['an author liking their own post through my repost: nothing', candidate('likes', CAROL, { subject: ref(post(CAROL, 'p')), via: ref(repost(ME, 'r')) }), []],
    ['a repost through my repost', candidate('reposts', BOB, { subject: ref(post(CAROL, 'p')), via: ref(repost(ME, 'r')) }), ['repost-via-repost']],
  ]
  for (const [name, c, reasons] of rows) {
    test(name, () => assert.deepEqual(notificationsOf(ME, c).map((n) => n.reason), reasons))
  }
})

describe('posts', () => {
  const rows: [string, Record<string, unknown>, PostContext, string[]][] = [
    ['a mention', mention(ME), ctx(), ['mention']],
    ['a reply that also mentions me: the mention wins', { ...mention(ME), reply: {} }, ctx({ ancestors: [post(ME, 'p')] }), ['mention']],
    ['a quote of my post', quoteOf(post(ME, 'p')), ctx(), ['quote']],
    ['a quote my postgate forbids', quoteOf(post(ME, 'p')), ctx({ violatesEmbeddingRules: true }), []],
    ['a quote of my list is not a quote', quoteOf(`at://${ME}/app.bsky.graph.list/l`), ctx(), []],
    ['a reply to my post', {}, ctx({ ancestors: [post(ME, 'p')] }), ['reply']],
    ['a reply my threadgate refused', {}, ctx({ ancestors: [post(ME, 'p')], violatesThreadGate: true }), []],
    ['a mention in a refused reply still notifies', mention(ME), ctx({ ancestors: [post(ME, 'p')], violatesThreadGate: true }), ['mention']],
    ['my post four levels up', {}, ctx({ ancestors: [post(BOB, '1'), post(CAROL, '2'), post(BOB, '3'), post(ME, '4')] }), ['reply']],
    ['my post five levels up: too far', {}, ctx({ ancestors: [post(BOB, '1'), post(CAROL, '2'), post(BOB, '3'), post(CAROL, '4'), post(ME, '5')] }), []],
    ['above a hidden reply: not notified', {}, ctx({ ancestors: [post(BOB, '1'), post(ME, '2')], hiddenReplies: new Set([post(BOB, '1')]) }), []],
  ]
  for (const [name, record, context, reasons] of rows) {
    test(name, () => assert.deepEqual(notificationsOf(ME, candidate('posts', BOB, { text: '', ...record }), context).map((n) => n.reason), reasons))
  }

  test('the reply names the nearest of my posts up the thread', () => {
    const got = notificationsOf(ME, candidate('posts', BOB, { text: '' }), ctx({ ancestors: [post(CAROL, '1'), post(ME, '2'), post(ME, '3')] }))
    assert.deepEqual(got, [{ reason: 'reply', reasonSubject: post(ME, '2') }])
  })

  test('my own post notifies me of nothing', () => {
    assert.deepEqual(notificationsOf(ME, candidate('posts', ME, { text: '', ...mention(ME) }), ctx()), [])
  })
})

describe('posts of an account I subscribe to (sorted 2026-01-01)', () => {
  const reply = { reply: { root: { uri: post(CAROL, 'r'), cid: 'bafy' }, parent: { uri: post(CAROL, 'r'), cid: 'bafy' } } }
  const since = (at: string, post: boolean, reply: boolean) => new Map([[BOB, { post, reply, since: at }]])
  const before = '2025-12-31T00:00:00.000Z'
  const rows: [string, Record<string, unknown>, Map<string, { post: boolean; reply: boolean; since: string }> | undefined, PostContext, string[]][] = [
    ['a post made since I subscribed', {}, since(before, true, false), ctx(), ['subscribed-post']],
    ['a post made before I subscribed: nothing', {}, since('2026-01-02T00:00:00.000Z', true, true), ctx(), []],
    ['a reply, subscribed to posts only: nothing', reply, since(before, true, false), ctx({ ancestors: [post(CAROL, 'r')] }), []],
    ['a reply, subscribed to replies: the lexicon has no subscribed-reply', reply, since(before, false, true), ctx({ ancestors: [post(CAROL, 'r')] }), ['subscribed-post']],
    ['a top-level post, subscribed to replies only: nothing', {}, since(before, false, true), ctx(), []],
    ['a reply to my own post: the reply wins', reply, since(before, true, true), ctx({ ancestors: [post(ME, 'p')] }), ['reply']],
    ['a mention: the mention wins', mention(ME), since(before, true, true), ctx(), ['mention']],
    ['no subscription to its author: nothing', {}, undefined, ctx(), []],
  ]
  for (const [name, record, subscriptions, context, reasons] of rows) {
    test(name, () => assert.deepEqual(notificationsOf(ME, candidate('posts', BOB, { text: '', ...record }), context, subscriptions).map((n) => n.reason), reasons))
  }
})

test('follows, joins and verifications', () => {
  assert.deepEqual(notificationsOf(ME, candidate('follows', BOB, { subject: ME })), [{ reason: 'follow' }])
  const pack = `at://${ME}/app.bsky.graph.starterpack/s`
  assert.deepEqual(notificationsOf(ME, candidate('profiles', BOB, { joinedViaStarterPack: { uri: pack, cid: 'bafy' } })), [{ reason: 'starterpack-joined', reasonSubject: pack }])
  assert.deepEqual(notificationsOf(ME, candidate('verifications', BOB, { subject: ME })), [{ reason: 'verified' }])
  assert.deepEqual(notificationsOf(ME, candidate('verifications', BOB, { subject: CAROL })), [])
  // A withdrawn verification: its record is gone, its tombstone and notice say what it was.
  for (const withdrawn of ['verified', 'unverified'] as const) {
    assert.deepEqual(notificationsOf(ME, { ...candidate('verifications', BOB, RECORD_DELETED), withdrawn }), [{ reason: withdrawn }])
  }
})

test('a deleted record stands in under the CID the reference AppView gives it', async () => {
  assert.equal((await cidForRecord(RECORD_DELETED)).toString(), RECORD_DELETED_CID)
})
