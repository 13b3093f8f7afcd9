/**
 * Backlink counts (dataplane/backlink-counts.ts) on a real OpenSearch node, against counts
 * worked out here from the records written: a subject linked from more records than the first
 * read takes, over several partitions and families, with records naming it at several paths,
 * groups that read cannot see (a rare path in a record that also holds common ones, a rare
 * collection, a large group behind another in the same partition), deletes and an update; a
 * cold subject, counted from that read alone; a subject named from 121 places; and records
 * written before their documents held link places (counted by their keys until reindexed).
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TID } from '@atproto/common-web'
import type { Client } from '@opensearch-project/opensearch'
import { getBacklinkCounts } from '#/dataplane/backlink-counts.js'
import { Searcher } from '#/dataplane/opensearch-reader.js'
import { familyForCollection } from '#/indexing/families.js'
import { extractLinks, linkKey } from '#/indexing/links.js'
import { recordDeleteOp, recordWriteOp } from '#/indexing/operations.js'
import type { BulkOp } from '#/indexing/bulk-writer.js'
import { createLogger } from '#/log.js'
import { applySetup } from '#/store/setup.js'
import { dropPrefix, testClient, uniquePrefix } from '../helpers/opensearch.js'

const LIKE = 'app.bsky.feed.like'
const REPOST = 'app.bsky.feed.repost'
const POST = 'app.bsky.feed.post'
const BOOKMARK = 'net.example.bookmark.v1'
const PIN = 'net.example.pin.v1'
const WIDE = 'net.example.wide.v1'

const did = (i: number) => `did:plc:blcounts${String(i).padStart(16, '0')}`
const postUri = (name: string) => `at://${did(9999)}/${POST}/${name}`
const POPULAR = { uri: postUri('popular'), cid: 'bafyreipopular' }
const OTHER = { uri: postUri('other'), cid: 'bafyreiother' }
const COLD = { uri: postUri('cold'), cid: 'bafyreicold' }
const WIDE_SUBJECT = postUri('wide')
const LEGACY = { uri: postUri('legacy'), cid: 'bafyreilegacy' }

interface Written {
  uri: string
  did: string
  collection: string
  record: Record<string, unknown>
}

/** What was written and is live, by URI: the counts are worked out from it, not from Magpie. */
const live = new Map<string, Written>()
const ops: BulkOp[] = []
let clock = 0

/** Written as Magpie wrote documents before they held `linkPlaces`. */
function withoutPlaces(op: BulkOp): void {
  const doc = JSON.parse(op.body!)
  delete doc.linkPlaces
  op.body = JSON.stringify(doc)
}

function write(author: string, collection: string, month: number, record: Record<string, unknown>, rkey?: string): Written {
  rkey ??= TID.fromTime(Date.UTC(2025, month, 2) * 1000 + clock * 1000, clock++ % 1024).toString()
  const input = { did: author, collection, rkey, cid: `bafyreiblcounts${clock}`, indexedAt: new Date().toISOString(), record: { $type: collection, ...record } }
  const version = ops.filter((op) => op.ref === `at://${author}/${collection}/${rkey}`).length + 1
  ops.push(recordWriteOp(prefix, familyForCollection(collection), input, version))
  const written = { uri: `at://${author}/${collection}/${rkey}`, did: author, collection, record: input.record }
  live.set(written.uri, written)
  return written
}

function remove(w: Written): void {
  const rkey = w.uri.split('/').pop()!
  const version = ops.filter((op) => op.ref === w.uri).length + 1
  ops.push(recordDeleteOp(prefix, familyForCollection(w.collection), { did: w.did, collection: w.collection, rkey }, version))
  live.delete(w.uri)
}

/** The counts as getBacklinkCounts answers them, from the live records' links. */
function expected(subject: string) {
  const groups = new Map<string, { records: number; dids: Set<string> }>()
  const dids = new Set<string>()
  let records = 0
  for (const w of live.values()) {
    const keys = new Set(extractLinks(w.record).links.filter((l) => l.subject === subject).map((l) => linkKey(subject, w.collection, l.path)))
    if (keys.size === 0) continue
    records++
    dids.add(w.did)
    for (const key of keys) {
      const group = groups.get(key) ?? groups.set(key, { records: 0, dids: new Set() }).get(key)!
      group.records++
      group.dids.add(w.did)
    }
  }
  const counts = [...groups]
    .sort(([a, x], [b, y]) => y.records - x.records || Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map(([key, g]) => {
      const [, collection, ...path] = key.split(' ')
      return { collection: collection!, path: path.join(' '), records: g.records, accounts: g.dids.size }
    })
  return { records, accounts: dids.size, counts }
}

let client: Client
let prefix: string
let search: Searcher

before(async () => {
  client = testClient()
  prefix = uniquePrefix('blcounts')
  await applySetup(client, prefix, createLogger('warn'))

  // Likes in two monthly partitions, more than one read takes; some deleted again.
  const likes = Array.from({ length: 650 }, (_, i) => write(did(i % 300), LIKE, 2, { subject: POPULAR, createdAt: '2025-03-02T00:00:00Z' }))
  for (const like of likes.slice(0, 50)) remove(like)
  for (let i = 0; i < 100; i++) write(did(300 + (i % 50)), LIKE, 3, { subject: POPULAR, createdAt: '2025-04-02T00:00:00Z' })
  for (let i = 0; i < 80; i++) write(did(i), REPOST, 2, { subject: POPULAR, createdAt: '2025-03-02T00:00:00Z' })
  // Replies naming it at two paths (root and parent), or one; then, behind them in the same
  // partition, a group larger than a read that a first read cannot have seen.
  for (let i = 0; i < 300; i++) write(did(i % 120), POST, 2, { text: 'a reply', reply: { root: POPULAR, parent: POPULAR }, createdAt: '2025-03-02T00:00:00Z' })
  for (let i = 0; i < 50; i++) write(did(i), POST, 2, { text: 'deeper', reply: { root: POPULAR, parent: OTHER }, createdAt: '2025-03-02T00:00:00Z' })
  for (let i = 0; i < 600; i++) write(did(i % 200), POST, 2, { text: 'a quote', embed: { $type: 'app.bsky.embed.record', record: POPULAR }, createdAt: '2025-03-02T00:00:00Z' })
  // Rare: a path held by one record only, beside paths common ones hold; a collection of its
  // own with one record; a group whose only record is deleted; a record updated away from it.
  write(did(7), POST, 2, {
    text: 'see this',
    reply: { root: POPULAR, parent: POPULAR },
    facets: [{ index: { byteStart: 0, byteEnd: 3 }, features: [{ $type: 'app.bsky.richtext.facet#link', uri: POPULAR.uri }] }],
    createdAt: '2025-03-02T00:00:00Z',
  })
  write(did(400), BOOKMARK, 2, { subject: POPULAR.uri, createdAt: '2025-03-02T00:00:00Z' })
  remove(write(did(401), PIN, 2, { subject: POPULAR.uri, createdAt: '2025-03-02T00:00:00Z' }))
  const moved = write(did(402), BOOKMARK, 2, { subject: POPULAR.uri, createdAt: '2025-03-02T00:00:00Z' })
  write(did(402), BOOKMARK, 2, { subject: OTHER.uri, createdAt: '2025-03-02T00:00:00Z' }, moved.uri.split('/').pop())

  // A cold subject: a few records, one naming it twice.
  for (let i = 0; i < 3; i++) write(did(i), LIKE, 2, { subject: COLD, createdAt: '2025-03-02T00:00:00Z' })
  write(did(3), POST, 2, { text: 'cold reply', reply: { root: COLD, parent: COLD }, createdAt: '2025-03-02T00:00:00Z' })

  // A subject named from more places than are counted by term: one record at 120 paths.
  for (let i = 0; i < 520; i++) write(did(i % 90), LIKE, 2, { subject: { uri: WIDE_SUBJECT, cid: 'bafyreiwide' }, createdAt: '2025-03-02T00:00:00Z' })
  write(did(403), WIDE, 2, Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`at${i}`, WIDE_SUBJECT])))

  // A popular subject some of whose linking records were written before places were: among
  // them, written last (past the first read), the only record naming it from a facet.
  for (let i = 0; i < 540; i++) {
    write(did(i % 70), POST, 4, { text: 'an older reply', reply: { root: LEGACY, parent: LEGACY }, createdAt: '2025-05-02T00:00:00Z' })
    if (i % 5 === 0) withoutPlaces(ops.at(-1)!)
  }
  write(did(8), POST, 4, {
    text: 'older',
    reply: { root: LEGACY, parent: LEGACY },
    facets: [{ index: { byteStart: 0, byteEnd: 3 }, features: [{ $type: 'app.bsky.richtext.facet#link', uri: LEGACY.uri }] }],
    createdAt: '2025-05-02T00:00:00Z',
  })
  withoutPlaces(ops.at(-1)!)

  for (let i = 0; i < ops.length; i += 1000) {
    const body = ops.slice(i, i + 1000).flatMap((op) => [JSON.stringify(op.action), op.body]).join('\n') + '\n'
    const res = await client.bulk({ body, refresh: true } as any)
    assert.equal((res.body as any).errors, false, JSON.stringify((res.body as any).items?.find((item: any) => item.index?.error)))
  }
  search = new Searcher(client, prefix)
})

after(async () => {
  await dropPrefix(client, prefix)
  await client.close()
})

describe('backlink counts', () => {
  test('a popular subject: every group exact, the rare ones and the one behind another included, deleted and moved records not', async () => {
    const want = expected(POPULAR.uri)
    // The fixture is what it means to be: more records than a read, groups the first read misses.
    assert.ok(want.records > 1500, `${want.records} records`)
    assert.deepEqual(
      want.counts.map((c) => `${c.collection} ${c.path} ${c.records}`),
      [
        `${LIKE} .subject.uri 700`,
        `${POST} .embed.record.uri 600`,
        `${POST} .reply.root.uri 351`,
        `${POST} .reply.parent.uri 301`,
        `${REPOST} .subject.uri 80`,
        `${POST} .facets[].features[].uri 1`,
        `${BOOKMARK} .subject 1`,
      ],
    )
    const bodies: string[] = []
    assert.deepEqual(await getBacklinkCounts(new Searcher(recording(bodies), prefix), POPULAR.uri), want)
    // Counted by filter, not by reading every linking record's keys (~15x the cost at 50,000).
    assert.ok(bodies.length > 0 && bodies.every((body) => !body.includes('"execution_hint":"map"')), 'no terms aggregation over the keys')
  })

  test('a cold subject: exact, in one request', async () => {
    const bodies: string[] = []
    const want = expected(COLD.uri)
    assert.equal(want.records, 4)
    assert.deepEqual(await getBacklinkCounts(new Searcher(recording(bodies), prefix), COLD.uri), want)
    assert.equal(bodies.length, 1)
    assert.deepEqual(await getBacklinkCounts(search, 'https://nothing.example/'), { records: 0, accounts: 0, counts: [] })
  })

  test('a subject named from 121 places: every group counted', async () => {
    const want = expected(WIDE_SUBJECT)
    assert.equal(want.counts.length, 121)
    assert.deepEqual(await getBacklinkCounts(search, WIDE_SUBJECT), want)
  })

  test('records written before link places existed: still every group exact', async () => {
    const want = expected(LEGACY.uri)
    assert.deepEqual(
      want.counts.map((c) => `${c.collection} ${c.path} ${c.records}`),
      [`${POST} .reply.parent.uri 541`, `${POST} .reply.root.uri 541`, `${POST} .facets[].features[].uri 1`],
    )
    assert.deepEqual(await getBacklinkCounts(search, LEGACY.uri), want)
  })
})

/** A client that keeps the body of every `_msearch` it sends. */
function recording(bodies: string[]): Client {
  const wrapped = Object.create(client) as Client
  wrapped.msearch = ((params: { body: unknown }, ...rest: unknown[]) => {
    bodies.push(typeof params.body === 'string' ? params.body : JSON.stringify(params.body))
    return (client.msearch as (...a: unknown[]) => unknown)(params, ...rest)
  }) as Client['msearch']
  return wrapped
}
