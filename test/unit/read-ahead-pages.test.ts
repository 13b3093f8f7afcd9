/**
 * A keyset listing taken through `readAheadPages` must give, round after round, exactly what
 * reading each round's page on its own gives (the same items, the same continuation key), with
 * fewer reads of the listing when rounds read ahead.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { leadingToFill, readAheadPages } from '#/api/paging.js'
import type { Page, PageRequest, SortKey } from '#/dataplane/index.js'
import { makeRng } from '#devnet/rng.js'

/** A newest-first listing of `n` items whose keys are [time]; `reads` counts reads of it. */
function listing(n: number) {
  const items = Array.from({ length: n }, (_, i) => ({ id: `item${i}`, key: [1_000_000 - i] as SortKey }))
  const stats = { reads: 0 }
  const read = async ({ after, limit }: PageRequest): Promise<Page<string>> => {
    stats.reads++
    const from = after === undefined ? 0 : items.findIndex((it) => Number(it.key[0]) < Number(after[0]))
    const rest = from < 0 ? [] : items.slice(from)
    // One more than asked for tells whether a next page exists, as the data plane's pages do.
    const got = rest.slice(0, limit + 1)
    const page = got.slice(0, limit)
    return { items: page.map((it) => it.id), keys: page.map((it) => it.key), next: got.length > limit ? page.at(-1)?.key : undefined }
  }
  return { read, stats }
}

test('rounds read ahead take what pages of their own size would, with fewer reads', async () => {
  const rng = makeRng(7)
  let directReads = 0
  let aheadReads = 0
  for (let trial = 0; trial < 300; trial++) {
    const n = rng.int(80)
    const wants = Array.from({ length: rng.range(1, 5) }, () => rng.range(1, 30))
    const direct = listing(n)
    const ahead = listing(n)
    const taker = readAheadPages(ahead.read, undefined)
    let after: SortKey | undefined
    for (const want of wants) {
      const page = await direct.read({ after, limit: want })
      const taken = await taker.take(want, want * 3)
      assert.deepEqual(taken.items, page.items, `trial ${trial}: items of a round of ${want}`)
      assert.deepEqual(taken.next, page.next, `trial ${trial}: continuation after a round of ${want}`)
      after = page.next
      if (!after) break
    }
    directReads += direct.stats.reads
    aheadReads += ahead.stats.reads
  }
  assert.ok(aheadReads < directReads * 0.7, `reading ahead read the listing ${aheadReads} times, rounds alone ${directReads}`)
})

test('a listing without keys is refused rather than paged wrongly', async () => {
  const taker = readAheadPages<string>(async () => ({ items: ['a', 'b'], next: [1] }), undefined)
  await assert.rejects(taker.take(1, 2), /key/)
})

test('a page fills with the candidate that completes it, whatever the others yield', () => {
  // Candidates notifying 0, 1 or 2 times: the page of 3 ends with the third candidate (0 + 1 + 2).
  assert.equal(leadingToFill([0, 1, 2, 1, 1], 3), 3)
  // Exactly full on the last one, and never full: every candidate is used.
  assert.equal(leadingToFill([1, 1, 1], 3), 3)
  assert.equal(leadingToFill([0, 1, 0], 3), 3)
  // One candidate overfilling a page is still the last one used.
  assert.equal(leadingToFill([2, 5, 1], 4), 2)
  assert.equal(leadingToFill([], 2), 0)
})
