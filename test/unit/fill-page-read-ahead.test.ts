/**
 * A page read ahead and its refills played in memory (paging.ts `emulateFill`) must answer what
 * fetching round by round answers (`fillPage`, the reference AppView's loop): the same items and
 * the same cursor, for every pattern of hidden items, page size and listing length.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { emulateFill, FETCHES, fillPage } from '#/api/paging.js'

interface Out {
  feed: number[]
  cursor?: string
}

/** A listing of `kept.length` items; item i is shown when kept[i]. Cursors are item positions. */
function listing(kept: boolean[]) {
  let fetches = 0
  const slice = (cursor: string | undefined, limit: number) => {
    const from = cursor === undefined ? 0 : Number(cursor) + 1
    const to = Math.min(from + limit, kept.length)
    return { from, to }
  }
  return {
    get fetches() {
      return fetches
    },
    /** One fetch of `limit` items: the shown ones, continuing after the last when there are more. */
    fetch({ cursor, limit }: { cursor: string | undefined; limit: number }): Promise<Out> {
      fetches++
      const { from, to } = slice(cursor, limit)
      const feed = [...Array(to - from).keys()].map((i) => from + i).filter((i) => kept[i])
      return Promise.resolve({ feed, cursor: to < kept.length ? String(to - 1) : undefined })
    },
    /** The first fetch reading `ahead` items and playing the refills over them. */
    fetchAhead(ahead: number) {
      return ({ cursor, limit, refill }: { cursor: string | undefined; limit: number; refill: boolean }): Promise<Out> => {
        if (refill) return this.fetch({ cursor, limit })
        fetches++
        const { from, to } = slice(cursor, Math.max(ahead, limit))
        const read = kept.slice(from, to)
        const more = to < kept.length
        const { consumed, fetches: played } = emulateFill(limit, read, more)
        const feed = [...Array(consumed).keys()].map((i) => from + i).filter((i) => kept[i])
        const goesOn = consumed < read.length || more
        return Promise.resolve(Object.assign({ feed, cursor: goesOn ? String(from + consumed - 1) : undefined }, { [FETCHES]: played }))
      }
    },
  }
}

function random(seed: number) {
  let s = seed
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
}

test('reading ahead answers what fetching round by round answers', async () => {
  const rand = random(42)
  let cases = 0
  let savedFetches = 0
  for (let run = 0; run < 3000; run++) {
    const length = Math.floor(rand() * 40)
    const density = rand()
    const kept = Array.from({ length }, () => rand() < density)
    const limit = 1 + Math.floor(rand() * 9)
    const ahead = limit + Math.floor(rand() * 30)
    const start = length > 0 && rand() < 0.3 ? String(Math.floor(rand() * length)) : undefined
    const plain = listing(kept)
    const want = await fillPage({ cursor: start, limit, fetch: (p) => plain.fetch(p), items: (o) => o.feed })
    const reading = listing(kept)
    const got = await fillPage({ cursor: start, limit, fetch: reading.fetchAhead(ahead), items: (o) => o.feed })
    assert.deepEqual({ feed: got.feed, cursor: got.cursor }, { feed: want.feed, cursor: want.cursor }, `kept ${kept.map(Number).join('')}, limit ${limit}, ahead ${ahead}, from ${start}`)
    assert.ok(reading.fetches <= plain.fetches, 'never more fetches than round by round')
    savedFetches += plain.fetches - reading.fetches
    cases++
  }
  assert.equal(cases, 3000)
  assert.ok(savedFetches > 1000, `reading ahead saved fetches (${savedFetches})`)
})

test("a peek whose newest items are hidden is one fetch, with the reference loop's cursor", async () => {
  const kept = [false, false, false, true, true, false, true]
  const reading = listing(kept)
  const got = await fillPage({ cursor: undefined, limit: 1, fetch: reading.fetchAhead(8), items: (o) => o.feed })
  assert.deepEqual(got.feed, [3])
  assert.equal(got.cursor, '3')
  assert.equal(reading.fetches, 1)
})

test('the ten-fetch bound of the reference loop holds when everything read ahead is hidden', async () => {
  const kept = Array.from({ length: 30 }, () => false)
  const plain = listing(kept)
  const want = await fillPage({ cursor: undefined, limit: 1, fetch: (p) => plain.fetch(p), items: (o) => o.feed })
  const got = await fillPage({ cursor: undefined, limit: 1, fetch: listing(kept).fetchAhead(25), items: (o) => o.feed })
  assert.deepEqual(want, { feed: [], cursor: '9' })
  assert.deepEqual({ feed: got.feed, cursor: got.cursor }, want)
})
