import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pageOfRanked, resumeAt } from '#/api/ranked-list-pages.js'
import { rankByLikes } from '#/dataplane/feed-suggestions.js'
import { coFollowMinCount, rankCoFollowed } from '#/dataplane/follow-suggestions.js'
import { concatRanked, MAX_RANKED, rankedCache, type Ranked } from '#/dataplane/ranked-lists.js'
import { isTopicWord } from '#/dataplane/topic-words.js'
import { mergeTrending, rankPopular, rankTrending, rankWords, type TagBucket, type TopicStat } from '#/dataplane/trending.js'
import { encodeCursor } from '#/dataplane/cursor.js'

/** The pure parts of discovery: ranking and thresholds, ranked-list paging, and list reuse. */

const bucket = (key: string, posts: number, authors: number, score = 0): TagBucket => ({ key, doc_count: posts, score, authors: { value: authors } })
const tags = (ranked: { topic: string }[]) => ranked.map((t) => t.topic)
const keys = (ranked: Ranked[]) => ranked.map((r) => r.key)

test('rankTrending: a tag needs enough distinct authors', () => {
  assert.deepEqual(tags(rankTrending([bucket('solo', 50, 1, 9), bucket('crowd', 5, 5, 1)], 3)), ['crowd'])
  assert.deepEqual(tags(rankTrending([bucket('three', 3, 3, 1)], 3)), ['three'])
})

test('rankTrending: a burst from few accounts counts as little as its authors are few', () => {
  // 'burst' is twice as significant by posts, but 20 posts from 4 accounts weigh 4/20 of that.
  const ranked = rankTrending([bucket('burst', 20, 4, 2), bucket('organic', 6, 6, 1)], 3)
  assert.deepEqual(tags(ranked), ['organic', 'burst'])
  assert.ok(Math.abs(ranked[1]!.score - 0.4) < 1e-9)
})

test('rankTrending: equal scores by tag; nothing less common than before trends', () => {
  assert.deepEqual(tags(rankTrending([bucket('b', 4, 4, 1), bucket('a', 4, 4, 1), bucket('c', 4, 4, 0)], 3)), ['a', 'b'])
  // Cardinality is approximate: authors never count for more than the posts.
  assert.equal(rankTrending([bucket('x', 3, 5, 1)], 3)[0]!.authors, 3)
})

test('rankPopular: by authors, then posts, then tag; trending ones left out', () => {
  const buckets = [bucket('many-posts', 30, 4), bucket('many-authors', 10, 8), bucket('also-4', 12, 4), bucket('trending', 40, 20), bucket('solo', 90, 1)]
  assert.deepEqual(tags(rankPopular(buckets, 3, new Set(['trending']))), ['many-authors', 'many-posts', 'also-4'])
})

const word = (key: string, authors: number, score = 1) => ({ key, doc_count: authors, score })

test('rankWords: enough accounts, significant, best first; ties by word', () => {
  const ranked = rankWords([word('solo', 1, 9), word('eclipse', 5, 2), word('comet', 3, 1), word('aurora', 3, 1), word('steady', 4, 0)], 3)
  assert.deepEqual(tags(ranked), ['eclipse', 'aurora', 'comet'])
  assert.deepEqual(ranked[0], { topic: 'eclipse', kind: 'word', posts: 5, authors: 5, score: 2 })
})

test('rankWords: stop words, link pieces, handles, numbers, emoji and short tokens are not topics', () => {
  const noise = ['the', 'about', 'https', 'www', 'bsky.app', 'alice.bsky.social', '2025', '❤️', 'ok', 'x', 'nao', 'und']
  assert.deepEqual(tags(rankWords([...noise.map((n) => word(n, 9, 5)), word('eclipse', 3, 1)], 3)), ['eclipse'])
})

test('isTopicWord: two-character bigrams of scripts without spaces are words; single characters are not', () => {
  assert.equal(isTopicWord('地震'), true)
  assert.equal(isTopicWord('猫'), false)
  assert.equal(isTopicWord('눈'), false)
  assert.equal(isTopicWord('eclipse'), true)
  assert.equal(isTopicWord('über'), true)
})

test('mergeTrending: a tag, then a word, in turn; a word that is a trending tag is left out', () => {
  const stat = (topic: string, kind: TopicStat['kind']): TopicStat => ({ topic, kind, posts: 3, authors: 3, score: 1 })
  const merged = mergeTrending([stat('sometag', 'hashtag'), stat('other', 'hashtag')], [stat('sometag', 'word'), stat('eclipse', 'word'), stat('comet', 'word'), stat('aurora', 'word')])
  assert.deepEqual(merged.map((t) => `${t.kind}:${t.topic}`), ['hashtag:sometag', 'word:eclipse', 'hashtag:other', 'word:comet', 'word:aurora'])
  assert.deepEqual(tags(mergeTrending([], [stat('comet', 'word')])), ['comet'])
  assert.deepEqual(tags(mergeTrending([stat('a', 'hashtag'), stat('b', 'hashtag')], [])), ['a', 'b'])
})

test('rankCoFollowed: followers in common over the root of all followers, ties by DID', () => {
  const common = new Map([['did:star', 40], ['did:niche', 9], ['did:b', 4], ['did:a', 4]])
  const followers = new Map([['did:star', 10_000], ['did:niche', 9], ['did:b', 16], ['did:a', 16]])
  // niche 9/3 = 3, a and b 4/4 = 1, star 40/100 = 0.4
  assert.deepEqual(keys(rankCoFollowed(common, followers)), ['did:niche', 'did:a', 'did:b', 'did:star'])
  // A count lagging behind (or missing) is never less than the followers in common.
  assert.equal(rankCoFollowed(new Map([['did:x', 4]]), new Map())[0]!.score, 2)
})

test('coFollowMinCount: any shared follow for a small audience, three for a large one', () => {
  assert.equal(coFollowMinCount(1), 1)
  assert.equal(coFollowMinCount(19), 1)
  assert.equal(coFollowMinCount(20), 3)
})

test('concatRanked: lists in order, each key once, exclusions out, bounded', () => {
  const r = (...ks: string[]) => ks.map((key, i) => ({ key, score: 10 - i }))
  assert.deepEqual(keys(concatRanked([r('a', 'b'), r('b', 'c', 'd')], ['d'])), ['a', 'b', 'c'])
  const long = Array.from({ length: MAX_RANKED + 5 }, (_, i) => ({ key: `k${i}`, score: 0 }))
  assert.equal(concatRanked([long]).length, MAX_RANKED)
})

test('rankByLikes: most liked first, equally liked ones in relevance order', () => {
  const ranked = rankByLikes(['u1', 'u2', 'u3', 'u2'], new Map([['u2', 5], ['u3', 1]]))
  assert.deepEqual(ranked, [{ key: 'u2', score: 5 }, { key: 'u3', score: 1 }, { key: 'u1', score: 0 }])
})

const list = (...ks: string[]): Ranked[] => ks.map((key) => ({ key, score: 0 }))

test('pageOfRanked: pages in order, the last without a cursor', () => {
  const ranked = list('a', 'b', 'c', 'd', 'e')
  const seen: string[] = []
  let cursor: string | undefined
  for (let i = 0; i < 3; i++) {
    const page = pageOfRanked(ranked, cursor, 2)
    seen.push(...page.keys)
    cursor = page.cursor
  }
  assert.deepEqual(seen, ['a', 'b', 'c', 'd', 'e'])
  assert.equal(cursor, undefined)
  assert.deepEqual(pageOfRanked(ranked, undefined, 5), { keys: ['a', 'b', 'c', 'd', 'e'], cursor: undefined })
  assert.deepEqual(pageOfRanked([], undefined, 5), { keys: [], cursor: undefined })
})

test('resumeAt: after the same item when the list was recomputed in between', () => {
  const after = { offset: 2, key: 'b' }
  assert.equal(resumeAt(['a', 'b', 'c'], after), 2, 'unchanged: the position')
  assert.equal(resumeAt(['b', 'a', 'c'], after), 1, 'moved up: right after it')
  assert.equal(resumeAt(['x', 'a', 'c', 'b', 'd'], after), 4, 'moved down: right after it')
  assert.equal(resumeAt(['a', 'c', 'd'], after), 2, 'gone: the same position')
  assert.equal(resumeAt(['a'], after), 1, 'gone from a shorter list: its end')
})

test('pageOfRanked: a cursor that is not one of its own is InvalidRequest', () => {
  for (const cursor of ['junk', encodeCursor([0, 'a']), encodeCursor([1.5, 'a']), encodeCursor(['a', 'b']), encodeCursor([1])]) {
    assert.throws(() => pageOfRanked(list('a'), cursor, 1), { message: 'Malformed cursor' }, cursor)
  }
})

/** A compute function counting its calls, each answered when `release` is called. */
function deferredCompute() {
  const calls: { key: string; resolve: (v: string) => void; reject: (e: Error) => void }[] = []
  const compute = (key: string) => new Promise<string>((resolve, reject) => calls.push({ key, resolve, reject }))
  return { calls, compute }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

test('rankedCache: fresh values reused; stale ones served while one recomputation runs; too old ones waited for', async () => {
  let clock = 0
  const { calls, compute } = deferredCompute()
  const get = rankedCache(compute, { ttlMs: 100, staleMs: 1000, now: () => clock })

  const first = [get('k'), get('k')]
  assert.equal(calls.length, 1, 'concurrent callers share one computation')
  calls[0]!.resolve('v1')
  assert.deepEqual(await Promise.all(first), ['v1', 'v1'])

  clock = 50
  assert.equal(await get('k'), 'v1')
  assert.equal(calls.length, 1, 'fresh: no computation')

  clock = 500
  assert.equal(await get('k'), 'v1', 'stale: served at once')
  assert.equal(await get('k'), 'v1')
  assert.equal(calls.length, 2, 'one background recomputation')
  calls[1]!.resolve('v2')
  await tick()
  assert.equal(await get('k'), 'v2')

  clock = 5000
  const waited = get('k')
  assert.equal(calls.length, 3)
  calls[2]!.resolve('v3')
  assert.equal(await waited, 'v3', 'too old: the caller waits for the new value')
})

test('rankedCache: a failed recomputation keeps the stale value and is retried; a failed first one is an error', async () => {
  let clock = 0
  const { calls, compute } = deferredCompute()
  const get = rankedCache(compute, { ttlMs: 100, now: () => clock })
  const failing = get('k')
  calls[0]!.reject(new Error('down'))
  await assert.rejects(failing, /down/)

  const retried = get('k')
  assert.equal(calls.length, 2)
  calls[1]!.resolve('v1')
  assert.equal(await retried, 'v1')

  clock = 150
  assert.equal(await get('k'), 'v1')
  calls[2]!.reject(new Error('down again'))
  await tick()
  assert.equal(await get('k'), 'v1', 'the stale value stands')
  assert.equal(calls.length, 4, 'and the next caller tries again')
})

test('rankedCache: ttl 0 computes every time', async () => {
  let n = 0
  const get = rankedCache(async () => ++n, { ttlMs: 0 })
  assert.deepEqual([await get('k'), await get('k')], [1, 2])
})
