/**
 * A thread read by its root (dataplane/thread.ts) answers exactly what the level-by-level walks
 * answer: a search per level of replies down (posts.ts getDescendants) and a real-time get per
 * ancestor up. Posts go through the post transform and bulk writer into a fresh prefix: a
 * branching thread with ties, a deleted reply, a reply naming another root under the thread
 * (and a reply under it naming the right one), a loop of forged parents, and a parent written
 * after the last refresh.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { getDescendants } from '#/dataplane/posts.js'
import { replyParentOf } from '#/records/post-record.js'
import { getRecords, type StoredRecord } from '#/dataplane/records.js'
import { Searcher } from '#/dataplane/opensearch-reader.js'
import { createRolledCounts } from '#/dataplane/rolled-counts.js'
import { getThread } from '#/dataplane/thread.js'
import { BulkWriter } from '#/indexing/bulk-writer.js'
import { recordDeleteOp, recordWriteOp } from '#/indexing/operations.js'
import { postFamily } from '#/indexing/transforms/post.js'
import { createLogger } from '#/log.js'
import { applySetup } from '#/store/setup.js'
import { dropPrefix, testClient, uniquePrefix } from '../helpers/opensearch.js'

const client = testClient()
const prefix = uniquePrefix('thread-reads')
const log = createLogger('warn')
const search = new Searcher(client, prefix)
// Nothing here is ever rolled up: every partition is searched, which is what the walks read. A
// stopped clock keeps the view of the partitions read once, so round trips are counted alike.
const rolled = createRolledCounts(search, { ttlMs: 60_000, now: () => 0 })

const DIDS = ['did:plc:alice', 'did:plc:bob', 'did:plc:carol']
/** Record keys are TIDs of 2026, so every post lands in one partition. */
let clock = 0
const S32 = '234567abcdefghijklmnopqrstuvwxyz'
const nextRkey = () => {
  let n = clock++
  let tail = ''
  for (let i = 0; i < 4; i++, n = Math.floor(n / 32)) tail = S32[n % 32] + tail
  return `3mcaaaaaa${tail}`
}
const uris: Record<string, string> = {}

interface Spec {
  name: string
  parent?: string
  /** The root the reply names (defaults to R). */
  root?: string
  /** Same createdAt as the post named, to tie on the first sort key. */
  tieWith?: string
}

const createdAt = new Map<string, string>()

function writeOp(spec: Spec, version = 1) {
  const rkey = nextRkey()
  const did = DIDS[clock % DIDS.length]!
  const uri = `at://${did}/app.bsky.feed.post/${rkey}`
  uris[spec.name] = uri
  const at = spec.tieWith ? createdAt.get(spec.tieWith)! : new Date(Date.UTC(2026, 0, 1, 0, 0, clock)).toISOString()
  createdAt.set(spec.name, at)
  const ref = (name: string) => ({ uri: uris[name] ?? name, cid: `bafy${name}` })
  const record: Record<string, unknown> = { $type: 'app.bsky.feed.post', text: spec.name, createdAt: at }
  if (spec.parent) record.reply = { root: ref(spec.root ?? 'R'), parent: ref(spec.parent) }
  return {
    op: recordWriteOp(prefix, postFamily, { did, collection: 'app.bsky.feed.post', rkey, cid: `bafy${spec.name}`, record, indexedAt: '2026-06-01T00:00:00.000Z' }, version),
    did,
    rkey,
  }
}

const THREAD: Spec[] = [
  { name: 'R' },
  { name: 'a1', parent: 'R' },
  { name: 'a2', parent: 'R' },
  { name: 'a3', parent: 'R', tieWith: 'a2' },
  { name: 'b1', parent: 'a1' },
  { name: 'b2', parent: 'a1' },
  { name: 'c1', parent: 'b1' },
  { name: 'd1', parent: 'c1' },
  { name: 'e1', parent: 'd1' },
  { name: 'f1', parent: 'e1' },
  { name: 'gone', parent: 'a1' },
  { name: 'underGone', parent: 'gone' },
  // Its root is another thread's, yet its parent is in this one, and a reply under it names this root.
  { name: 'X' },
  { name: 'forged', parent: 'a2', root: 'X' },
  { name: 'underForged', parent: 'forged' },
  { name: 'b3', parent: 'a3' },
  // A second thread with nothing forged in it.
  { name: 'S' },
  { name: 's1', parent: 'S', root: 'S' },
  { name: 's2', parent: 'S', root: 'S' },
  { name: 's3', parent: 's1', root: 'S' },
  { name: 's4', parent: 's3', root: 'S' },
  { name: 's5', parent: 's4', root: 'S' },
  { name: 's6', parent: 's2', root: 'S' },
]

// A wide thread: more replies than the first read of a thread takes (dataplane/thread.ts), some nested.
const WIDE: Spec[] = [{ name: 'W' }, ...Array.from({ length: 300 }, (_, i): Spec => ({ name: `w${i}`, parent: i < 280 ? 'W' : `w${i - 280}`, root: 'W' }))]

before(async () => {
  await applySetup(client, prefix, log)
  const writer = new BulkWriter<string>({ client, log, flushBytes: 1_000_000, flushMs: 50, maxInFlight: 1 })
  const written = new Map<string, { did: string; rkey: string }>()
  for (const spec of [...THREAD, ...WIDE]) {
    const { op, did, rkey } = writeOp(spec)
    written.set(spec.name, { did, rkey })
    writer.add(op)
  }
  // Two posts whose parents are each other, in thread R.
  const l1 = nextRkey()
  const l2 = nextRkey()
  uris.l1 = `at://did:plc:bob/app.bsky.feed.post/${l1}`
  uris.l2 = `at://did:plc:bob/app.bsky.feed.post/${l2}`
  for (const [rkey, parent, text] of [[l1, uris.l2, 'l1'], [l2, uris.l1, 'l2']] as const) {
    const reply = { root: { uri: uris.R, cid: 'bafyR' }, parent: { uri: parent, cid: 'bafyl' } }
    const record = { $type: 'app.bsky.feed.post', text, createdAt: '2026-01-02T00:00:00.000Z', reply }
    writer.add(recordWriteOp(prefix, postFamily, { did: 'did:plc:bob', collection: 'app.bsky.feed.post', rkey, cid: `bafy${text}`, record, indexedAt: '2026-06-01T00:00:00.000Z' }, 1))
  }
  const gone = written.get('gone')!
  writer.add(recordDeleteOp(prefix, postFamily, { did: gone.did, collection: 'app.bsky.feed.post', rkey: gone.rkey }, 2))
  await writer.close()
  await client.indices.refresh({ index: `${prefix}posts-*` })
})

after(async () => {
  await dropPrefix(client, prefix)
  await client.close()
})

/** The per-level real-time walk up that getThread's ancestors must equal. */
async function walkAncestors(uri: string, height: number): Promise<StoredRecord[]> {
  const chain: StoredRecord[] = []
  const seen = new Set<string>()
  let next: string | undefined = uri
  while (next && !seen.has(next) && chain.length <= height) {
    seen.add(next)
    const record = (await getRecords(search, [next])).get(next)
    if (!record) break
    chain.push(record)
    next = replyParentOf(record)
  }
  return chain
}

const names = (records: StoredRecord[]) => records.map((r) => String(r.record.text))

async function assertSameAsWalks(name: string, height: number, depth: number) {
  const uri = uris[name]!
  const thread = await getThread(search, rolled, uri, { height, depth })
  const [ancestors, descendants] = await Promise.all([walkAncestors(uri, height), getDescendants(search, uri, depth)])
  assert.deepEqual(names(thread.ancestors), names(ancestors), `ancestors of ${name}, height ${height}`)
  assert.deepEqual(names(thread.descendants), names(ancestors.length ? descendants : []), `descendants of ${name}, depth ${depth}`)
  assert.deepEqual(thread.descendants, ancestors.length ? descendants : [])
  return thread
}

test('every anchor, height and depth: the same posts in the same order as the walks', async () => {
  for (const name of ['R', 'a1', 'a2', 'a3', 'b1', 'c1', 'e1', 'f1', 'forged', 'underForged', 'underGone', 'l1', 'S', 's1', 's3', 's5']) {
    for (const [height, depth] of [[0, 0], [0, 1], [1, 1], [2, 3], [6, 6], [10, 2], [3, 10]] as const) {
      await assertSameAsWalks(name, height, depth)
    }
  }
})

test('the reply naming another root, and the reply under it, are among the root\'s descendants', async () => {
  const { descendants } = await assertSameAsWalks('R', 0, 6)
  const got = names(descendants)
  assert.ok(got.includes('forged') && got.includes('underForged'), got.join(' '))
  assert.ok(!got.includes('gone') && !got.includes('underGone'), 'a deleted reply hides what is under it')
  // Newest first; a3 and a2 tie on time and are ordered by cid, as the search sorts.
  assert.deepEqual(got.slice(0, 3), ['a3', 'a2', 'a1'])
})

test('a thread wider than its first read: every reply, the same as the walks', async () => {
  const thread = await assertSameAsWalks('W', 0, 2)
  assert.equal(thread.descendants.length, 300)
})

test('a loop of forged parents ends the walks both ways', async () => {
  const { ancestors, descendants } = await assertSameAsWalks('l1', 10, 10)
  assert.deepEqual(names(ancestors), ['l1', 'l2'])
  assert.deepEqual(names(descendants), ['l2'])
})

test('a thread with nothing forged is read in a few round trips whatever its depth', async () => {
  const { descendants } = await assertSameAsWalks('S', 0, 10)
  assert.deepEqual(names(descendants), ['s2', 's1', 's6', 's3', 's4', 's5'])
  const transport = client.transport as unknown as { request: (...args: any[]) => Promise<any> }
  const original = transport.request
  const paths: string[] = []
  transport.request = function (this: unknown, params: any, ...rest: any[]) {
    paths.push(String(params.path))
    return original.call(this, params, ...rest)
  }
  try {
    // The anchor; the thread (with the check for replies naming another root under the anchor); that check below.
    await getThread(search, rolled, uris.S!, { height: 0, depth: 10 })
    assert.deepEqual(paths, ['/_mget', '/_msearch', '/_msearch'])
    paths.length = 0
    // From the last reply up (the walk: a get per ancestor): the anchor; the thread beside the parent and the root; the ancestors between.
    await getThread(search, rolled, uris.s5!, { height: 10, depth: 10 })
    assert.deepEqual([paths.length, paths[0], paths.slice(1, 3).sort(), paths[3]], [4, '/_mget', ['/_mget', '/_msearch'], '/_mget'], paths.join(' '))
    paths.length = 0
    // Under a reply: the anchor; the thread's ids and parents; the picked replies' records (not a walk level by level).
    const { descendants } = await getThread(search, rolled, uris.s1!, { height: 0, depth: 10 })
    assert.deepEqual(names(descendants), ['s3', 's4', 's5'])
    assert.deepEqual(paths, ['/_mget', '/_msearch', '/_msearch'])
  } finally {
    transport.request = original
  }
})

test('a parent written after the last refresh is still an ancestor (gets are real-time)', async () => {
  await client.indices.putSettings({ index: `${prefix}posts-*`, body: { index: { refresh_interval: '-1' } } })
  try {
    const writer = new BulkWriter<string>({ client, log, flushBytes: 1_000_000, flushMs: 50, maxInFlight: 1 })
    writer.add(writeOp({ name: 'late', parent: 'f1' }).op)
    writer.add(writeOp({ name: 'underLate', parent: 'late' }).op)
    await writer.close()
    const { ancestors } = await assertSameAsWalks('underLate', 10, 2)
    assert.deepEqual(names(ancestors).slice(0, 3), ['underLate', 'late', 'f1'])
    assert.equal(names(ancestors).at(-1), 'R')
  } finally {
    await client.indices.putSettings({ index: `${prefix}posts-*`, body: { index: { refresh_interval: null as unknown as string } } })
  }
})
