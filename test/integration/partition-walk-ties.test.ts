/**
 * Newest-first walks over monthly partitions (dataplane/partition-walk.ts) on a real OpenSearch
 * node, with many records sharing a millisecond: paging through them in small pages serves every
 * record exactly once, in the order OpenSearch itself gives for (sortAt, cid, did) descending —
 * including runs of equal times longer than one read takes, and cursors that fall inside them.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { TID } from '@atproto/common-web'
import type { Client } from '@opensearch-project/opensearch'
import { NEWEST_FIRST, live } from '#/dataplane/keyset.js'
import { countNotificationCandidates } from '#/dataplane/notifications.js'
import { createPartitionWalk } from '#/dataplane/partition-walk.js'
import type { SortKey } from '#/dataplane/pages.js'
import { Searcher } from '#/dataplane/opensearch-reader.js'
import { familyForCollection } from '#/indexing/families.js'
import { recordDeleteOp, recordWriteOp } from '#/indexing/operations.js'
import { createLogger } from '#/log.js'
import { applySetup } from '#/store/setup.js'
import { dropPrefix, testClient, uniquePrefix } from '../helpers/opensearch.js'

const REPOST = 'app.bsky.feed.repost'
const SUBJECT = 'at://did:plc:walktiesauthor00/app.bsky.feed.post/3kabcdefghijk'
const cidOf = (i: number) => `bafyreiwalkties${String((i * 7919) % 1000).padStart(4, '0')}${i}`

describe('newest-first walks with records sharing a millisecond', () => {
  let client: Client
  let prefix: string
  let search: Searcher
  const dids = Array.from({ length: 6 }, (_, i) => `did:plc:walkties${String(i).padStart(8, '0')}`)
  const written: string[] = []

  before(async () => {
    client = testClient()
    prefix = uniquePrefix('walkties')
    await applySetup(client, prefix, createLogger('warn'))
    search = new Searcher(client, prefix)
    // Two months; in each, a run of 25 records in one millisecond (longer than a page plus the
    // read's slack), small runs of 2-3, and singles; a few deleted.
    const times: [number, number][] = []
    for (const month of [Date.UTC(2025, 2, 10), Date.UTC(2025, 5, 10)]) {
      for (let i = 0; i < 25; i++) times.push([month, month + 3_600_000])
      for (let i = 0; i < 12; i++) times.push([month, month + Math.floor(i / 3) * 1000])
      for (let i = 0; i < 6; i++) times.push([month, month + 7_200_000 + i])
    }
    const ops = times.flatMap(([month, at], i) => {
      const did = dids[i % dids.length]!
      const rkey = TID.fromTime((month + i) * 1000, i % 32).toString()
      const input = { did, collection: REPOST, rkey, cid: cidOf(i), indexedAt: new Date(at + 60_000).toISOString(), record: { $type: REPOST, subject: { uri: SUBJECT, cid: cidOf(0) }, createdAt: new Date(at).toISOString() } }
      const deleted = i % 11 === 5
      if (!deleted) written.push(`at://${did}/${REPOST}/${rkey}`)
      return [recordWriteOp(prefix, familyForCollection(REPOST), input, 1), ...(deleted ? [recordDeleteOp(prefix, familyForCollection(REPOST), input, 2)] : [])]
    })
    const body = ops.flatMap((op) => [JSON.stringify(op.action), op.body]).join('\n') + '\n'
    const res = await client.bulk({ body, refresh: true } as any)
    assert.equal((res.body as any).errors, false)
  })

  after(async () => {
    await dropPrefix(client, prefix)
    await client.close()
  })

  for (const limit of [1, 4, 7, 30]) {
    test(`pages of ${limit}: every record once, in OpenSearch's own (sortAt, cid, did) order`, async () => {
      // The expected order, from one search sorted by OpenSearch over the whole alias.
      const { hits } = await search.one({ index: 'reposts', body: { size: 1000, query: live({ term: { subjectUri: SUBJECT } }), sort: NEWEST_FIRST, _source: false } })
      const expected = hits.map((h) => h._id)
      assert.equal(expected.length, written.length, 'every live record is there')
      const walk = createPartitionWalk(search, { ttlMs: 0 })
      const served: string[] = []
      let afterKey: SortKey | undefined
      for (let pages = 0; pages < 200; pages++) {
        const page = await walk([{ family: 'reposts', filter: [{ term: { subjectUri: SUBJECT } }], source: false }], { limit, after: afterKey }, (_, hit) => hit._id)
        served.push(...page.items)
        assert.ok(page.items.length <= limit)
        if (!page.next) break
        assert.deepEqual(page.next, hits[served.length - 1]!.sort, 'the cursor is the key OpenSearch gives the last item')
        afterKey = page.next
      }
      assert.deepEqual(served, expected)
    })
  }

  test('a walk for what is newer than a time finds exactly that, and asks no partition holding nothing newer', async () => {
    // Between the two months: only the June records are newer (unread since a seenAt, say).
    const bound = Date.UTC(2025, 4, 1)
    const filter = [{ term: { subjectUri: SUBJECT } }, { range: { sortAt: { gt: new Date(bound).toISOString() } } }]
    const { hits } = await search.one({ index: 'reposts', body: { size: 1000, query: live(...filter), sort: NEWEST_FIRST, _source: false } })
    assert.ok(hits.length > 0 && hits.length < written.length, 'some records on each side of the bound')
    const asked: string[] = []
    const spied = Object.create(search) as Searcher
    spied.many = (requests) => {
      // The walk's searches for records (not its one-hit reads of each partition's newest time).
      for (const r of requests) if (r.partitions && !r.requestCache) asked.push(...r.partitions)
      return search.many(requests)
    }
    const walk = createPartitionWalk(spied, { ttlMs: 0 })
    const page = await walk([{ family: 'reposts', filter, source: false, newerThan: bound }], { limit: 100 }, (_, hit) => hit._id)
    assert.deepEqual(page.items, hits.map((h) => h._id))
    assert.ok(asked.some((index) => index.endsWith('2025.06')), `June was searched: ${asked}`)
    assert.ok(!asked.some((index) => index.endsWith('2025.03')), `March was searched for records: ${asked}`)
  })

  test('an unread count since a time counts exactly what is newer, asking no partition holding nothing newer', async () => {
    const bound = Date.UTC(2025, 4, 1)
    const author = 'did:plc:walktiesauthor00'
    const { hits } = await search.one({
      index: 'reposts',
      body: { size: 1000, query: live({ term: { subjectDid: author } }, { range: { sortAt: { gt: new Date(bound).toISOString() } } }), _source: false },
    })
    assert.ok(hits.length > 0 && hits.length < written.length, 'some records on each side of the bound')
    const asked: string[] = []
    const spied = Object.create(search) as Searcher
    spied.many = (requests) => {
      for (const r of requests) if (!r.requestCache) asked.push(...(r.partitions ?? [`${r.index} (every partition)`]))
      return search.many(requests)
    }
    const walk = createPartitionWalk(spied, { ttlMs: 0 })
    const count = await countNotificationCandidates(spied, walk, { recipient: author, reasons: ['repost'], threads: [], after: new Date(bound).toISOString(), withRecordsGone: false })
    assert.equal(count, hits.length)
    assert.deepEqual(asked.map((index) => index.slice(prefix.length)), ['reposts-2025.06'])
  })
})
