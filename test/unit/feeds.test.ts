import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { HotCandidate } from '#/dataplane/index.js'
import { compareRanked, rankedCursor, rankedPage, rankOnce, readRankedCursor, type Ranked } from '#/feeds/post-ranking.js'
import { InvalidSkeletonError, readSkeletonResponse, skeletonItem } from '#/feeds/skeleton.js'
import { feedSpecFor, publishableFeed } from '#/feeds/specs.js'
import { HOT_DEFAULTS, hotScore, rankHot } from '#/feeds/whats-hot.js'
import { encodeCursor } from '#/dataplane/cursor.js'

/** The pure parts of the feeds: reading a generator's skeleton, naming built-in feeds, ranking and paging. */

const post = (rkey: string, did = 'did:plc:alice') => `at://${did}/app.bsky.feed.post/${rkey}`
const repost = (rkey: string) => `at://did:plc:bob/app.bsky.feed.repost/${rkey}`
const REPOST = 'app.bsky.feed.defs#skeletonReasonRepost'
const PIN = 'app.bsky.feed.defs#skeletonReasonPin'

describe('skeleton items from a feed generator', () => {
  const cases: [string, unknown, object | undefined][] = [
    ['a post', { post: post('a') }, { post: post('a') }],
    ['a repost', { post: post('a'), reason: { $type: REPOST, repost: repost('r') } }, { post: post('a'), repost: repost('r') }],
    ['a pin', { post: post('a'), reason: { $type: PIN } }, { post: post('a'), authorPinned: true }],
    ['a feed context is kept', { post: post('a'), feedContext: 'ctx' }, { post: post('a'), feedContext: 'ctx' }],
    ['an unknown reason is no reason', { post: post('a'), reason: { $type: 'com.example#boost' } }, { post: post('a') }],
    ['not an object', 'at://did:plc:alice/app.bsky.feed.post/a', undefined],
    ['no post', { reason: { $type: PIN } }, undefined],
    ['not an AT URI', { post: 'https://example.com/post/1' }, undefined],
    ['a handle for authority', { post: 'at://alice.test/app.bsky.feed.post/a' }, undefined],
    ['not a post', { post: 'at://did:plc:alice/app.bsky.graph.follow/a' }, undefined],
    ['a repost reason naming a post', { post: post('a'), reason: { $type: REPOST, repost: post('b') } }, undefined],
    ['a repost reason without a repost', { post: post('a'), reason: { $type: REPOST } }, undefined],
    ['a feed context over 2000 characters', { post: post('a'), feedContext: 'x'.repeat(2001) }, undefined],
    ['a feed context that is not a string', { post: post('a'), feedContext: 7 }, undefined],
  ]
  for (const [name, raw, expected] of cases) {
    test(name, () => assert.deepEqual(skeletonItem(raw), expected))
  }
})

describe('a generator answer as a skeleton', () => {
  test('bad items are dropped one by one, repeats once seen, and only `limit` items are read', () => {
    const feed = [
      { post: post('a') },
      { post: 'junk' },
      { post: post('a') },
      { post: post('a'), reason: { $type: REPOST, repost: repost('r') } },
      { post: post('b') },
      { post: post('c') },
    ]
    const { skeleton, dropped } = readSkeletonResponse({ feed, cursor: 'next', reqId: 'req-1' }, { limit: 5 })
    assert.deepEqual(skeleton, {
      items: [{ post: post('a') }, { post: post('a'), repost: repost('r') }, { post: post('b') }],
      cursor: 'next',
      reqId: 'req-1',
    })
    assert.equal(dropped, 2)
  })

  test('a huge page costs no more than `limit` items', () => {
    const feed = Array.from({ length: 100_000 }, (_, i) => ({ post: post(`p${i}`) }))
    const { skeleton } = readSkeletonResponse({ feed }, { limit: 30 })
    assert.equal(skeleton.items.length, 30)
  })

  test('an empty page, or the cursor sent coming back, ends paging', () => {
    assert.equal(readSkeletonResponse({ feed: [], cursor: 'more' }, { limit: 10 }).skeleton.cursor, undefined)
    assert.equal(readSkeletonResponse({ feed: [{ post: post('a') }], cursor: 'c1' }, { limit: 10, sentCursor: 'c1' }).skeleton.cursor, undefined)
    assert.equal(readSkeletonResponse({ feed: [{ post: post('a') }], cursor: 'c2' }, { limit: 10, sentCursor: 'c1' }).skeleton.cursor, 'c2')
  })

  test('an over-long request id is not passed on', () => {
    assert.equal(readSkeletonResponse({ feed: [], reqId: 'x'.repeat(101) }, { limit: 10 }).skeleton.reqId, undefined)
  })

  for (const [name, body] of [
    ['not JSON', undefined],
    ['no feed', { cursor: 'x' }],
    ['a feed that is not a list', { feed: { post: post('a') } }],
    ['a cursor that is not a string', { feed: [], cursor: 12 }],
  ] as const) {
    test(`the whole answer is invalid: ${name}`, () => {
      assert.throws(() => readSkeletonResponse(body, { limit: 10 }), InvalidSkeletonError)
    })
  }
})

describe('which built-in feed a record names', () => {
  const gen = (rkey: string) => `at://did:plc:pub/app.bsky.feed.generator/${rkey}`
  const cases: [string, string, Record<string, unknown> | undefined, unknown][] = [
    ["what's hot by key", gen('whats-hot'), undefined, { algorithm: 'whats-hot' }],
    ['more like what I liked by key', gen('more-like-liked'), undefined, { algorithm: 'more-like-liked' }],
    ['a hashtag by key (normalized)', gen('tag-Cats'), undefined, { algorithm: 'posts', tags: ['cats'], langs: [], includeReplies: false }],
    ['a language by key', gen('lang-pt-BR'), undefined, { algorithm: 'posts', tags: [], langs: ['pt-BR'], includeReplies: false }],
    ['not a language', gen('lang-!!'), undefined, undefined],
    ['an unknown key', gen('cats'), undefined, undefined],
    ['the record config wins over the key', gen('whats-hot'), { magpieFeed: { algorithm: 'posts', tags: ['#猫'] } }, { algorithm: 'posts', tags: ['猫'], langs: [], includeReplies: false }],
    ['tags and languages together', gen('x'), { magpieFeed: { algorithm: 'posts', tags: ['art'], langs: ['ja'], includeReplies: true } }, { algorithm: 'posts', tags: ['art'], langs: ['ja'], includeReplies: true }],
    ['a config naming no posts', gen('x'), { magpieFeed: { algorithm: 'posts' } }, undefined],
    ['a config with an unknown algorithm', gen('whats-hot'), { magpieFeed: { algorithm: 'random' } }, undefined],
    ['a config that is not an object', gen('whats-hot'), { magpieFeed: 'whats-hot' }, undefined],
    ['a record without config falls back to the key', gen('whats-hot'), { did: 'did:web:magpie.test' }, { algorithm: 'whats-hot' }],
  ]
  for (const [name, uri, record, expected] of cases) {
    test(name, () => assert.deepEqual(feedSpecFor(uri, record), expected))
  }

  test('publishable feeds: record keys, and a hashtag no key can carry named by its hash', () => {
    assert.equal(publishableFeed('whats-hot')?.rkey, 'whats-hot')
    assert.equal(publishableFeed('tag:#Cats')?.rkey, 'tag-cats')
    assert.equal(publishableFeed('lang:ja')?.rkey, 'lang-ja')
    const cat = publishableFeed('tag:猫')!
    assert.match(cat.rkey, /^tag-[0-9a-f]{16}$/)
    assert.equal(cat.displayName, '#猫')
    // Published with its config, the record names the feed whatever its key.
    assert.deepEqual(feedSpecFor(`at://did:plc:pub/app.bsky.feed.generator/${cat.rkey}`, { magpieFeed: cat.config }), cat.config)
    for (const bad of ['hot', 'tag:', 'lang:xx_yy', 'tag:#']) assert.equal(publishableFeed(bad), undefined, bad)
  })
})

describe('ranked feeds', () => {
  const ranked = rankOnce([
    { uri: 'at://b', score: 2 },
    { uri: 'at://a', score: 3 },
    { uri: 'at://c', score: 2 },
    { uri: 'at://a', score: 1 },
    { uri: 'at://d', score: Number.NaN },
  ])

  test('one entry per post, best first, ties by URI', () => {
    assert.deepEqual(ranked, [{ uri: 'at://a', score: 3 }, { uri: 'at://c', score: 2 }, { uri: 'at://b', score: 2 }])
  })

  test('pages by keyset, and a cursor resumes after the item it names', () => {
    const first = rankedPage(ranked, 2)
    assert.deepEqual(first.items.map((r) => r.uri), ['at://a', 'at://c'])
    const { after } = readRankedCursor(rankedCursor(first.last))
    const second = rankedPage(ranked, 2, after)
    assert.deepEqual(second.items.map((r) => r.uri), ['at://b'])
    assert.equal(second.last, undefined)
  })

  test('a ranking recomputed between pages neither repeats nor shifts', () => {
    const first = rankedPage(ranked, 2)
    // A new post ranks above the cursor, another below; one already served gained score.
    const later = rankOnce([...ranked, { uri: 'at://n', score: 5 }, { uri: 'at://m', score: 1 }, { uri: 'at://c', score: 4 }])
    assert.deepEqual(rankedPage(later, 10, first.last).items.map((r) => r.uri), ['at://b', 'at://m'])
  })

  test('cursors carry a prefix; malformed ones are refused', () => {
    const cursor = rankedCursor({ uri: 'at://x', score: 1.25 }, [1700000000000])
    assert.deepEqual(readRankedCursor(cursor, 1), { prefix: [1700000000000], after: { uri: 'at://x', score: 1.25 } })
    assert.throws(() => readRankedCursor(cursor), /Malformed cursor/)
    assert.throws(() => readRankedCursor('not-a-cursor', 1), /Malformed cursor/)
    assert.throws(() => readRankedCursor(encodeCursor(['x', 1, 'at://x']), 1), /Malformed cursor/)
    assert.throws(() => readRankedCursor(encodeCursor(['at://x', 1])), /Malformed cursor/)
  })

  test('compareRanked is a total order', () => {
    const a: Ranked = { uri: 'at://a', score: 1 }
    assert.equal(compareRanked(a, { ...a }), 0)
  })
})

describe("what's hot", () => {
  const HOUR = 3_600_000
  const now = Date.UTC(2026, 10, 22, 12)
  const candidate = (uri: string, hoursAgo: number, likes: number, reposts = 0, replies = 0): HotCandidate => ({
    uri,
    sortAt: now - hoursAgo * HOUR,
    likes,
    reposts,
    replies,
  })
  const order = (cs: HotCandidate[]) => rankHot(cs, HOT_DEFAULTS.halfLifeMs).map((r) => r.uri)

  test('more engagement ranks higher; reposts weigh double', () => {
    assert.deepEqual(order([candidate('at://few', 1, 2), candidate('at://many', 1, 40), candidate('at://reposted', 1, 0, 3)]), [
      'at://many',
      'at://reposted',
      'at://few',
    ])
  })

  test('equal engagement: the newer first; a half-life of age costs a doubling of engagement', () => {
    assert.deepEqual(order([candidate('at://old', 20, 10), candidate('at://new', 2, 10)]), ['at://new', 'at://old'])
    const half = HOT_DEFAULTS.halfLifeMs / HOUR
    const fresh = hotScore(candidate('at://fresh', 0, 7), HOT_DEFAULTS.halfLifeMs)
    const older = hotScore(candidate('at://older', half, 15), HOT_DEFAULTS.halfLifeMs)
    assert.ok(Math.abs(fresh - older) < 1e-9)
  })

  test('the order is that of engagement · 2^(-age / half-life), whatever the time', () => {
    const cs = [candidate('at://a', 30, 300), candidate('at://b', 3, 20, 4), candidate('at://c', 0.5, 3, 0, 2), candidate('at://d', 12, 50)]
    for (const at of [now, now + 5 * HOUR, now + 40 * HOUR]) {
      const decayed = [...cs].sort((x, y) => weight(y, at) - weight(x, at)).map((c) => c.uri)
      assert.deepEqual(order(cs), decayed)
    }
  })

  function weight(c: HotCandidate, at: number): number {
    return (1 + c.likes + 2 * c.reposts + c.replies) * 2 ** (-(at - c.sortAt) / HOT_DEFAULTS.halfLifeMs)
  }
})
