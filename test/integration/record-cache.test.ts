/**
 * Records read again are served from the data plane's cache only while a real-time version
 * check says they are unchanged (dataplane/cached-reads.ts): an update or a delete made a moment
 * ago is what the next read answers, on a real OpenSearch node, without any refresh.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { TID } from '@atproto/common-web'
import type { Client } from '@opensearch-project/opensearch'
import { createIndexVersions } from '#/dataplane/index-versions.js'
import { getRecords } from '#/dataplane/records.js'
import { Searcher } from '#/dataplane/opensearch-reader.js'
import { familyForCollection } from '#/indexing/families.js'
import { recordDeleteOp, recordWriteOp } from '#/indexing/operations.js'
import type { BulkOp } from '#/indexing/bulk-writer.js'
import { createLogger } from '#/log.js'
import { applySetup } from '#/store/setup.js'
import { createSharedDocs } from '#/store/shared-docs.js'
import { cacheBytes, cacheLookups } from '#/metrics.js'
import { dropPrefix, testClient, uniquePrefix } from '../helpers/opensearch.js'
import { growth, samples } from '../helpers/metrics.js'
import { startRedis } from '../helpers/redis.js'

const PROFILE = 'app.bsky.actor.profile'
const POST = 'app.bsky.feed.post'
const DID = 'did:plc:recordcache0000000000000'
const CID = 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm'

let client: Client
let prefix: string
let search: Searcher
let version = Date.now() * 1000

before(async () => {
  client = testClient()
  prefix = uniquePrefix('record-cache')
  await applySetup(client, prefix, createLogger('warn'))
  search = new Searcher(client, prefix)
})

after(async () => {
  await dropPrefix(client, prefix)
  await client.close()
})

/** Written without a refresh: only real-time reads can see it. */
async function write(op: BulkOp): Promise<void> {
  const res = await client.bulk({ body: `${JSON.stringify(op.action)}\n${op.body}\n` } as any)
  assert.equal((res.body as any).errors, false, JSON.stringify((res.body as any).items))
}

const put = (collection: string, rkey: string, record: Record<string, unknown>) =>
  write(recordWriteOp(prefix, familyForCollection(collection), { did: DID, collection, rkey, cid: CID, record, indexedAt: new Date().toISOString() }, ++version))

test('an updated profile and a deleted post are served as they are now, not as first read', async () => {
  const profileUri = `at://${DID}/${PROFILE}/self`
  const rkey = TID.nextStr()
  const postUri = `at://${DID}/${POST}/${rkey}`
  await put(PROFILE, 'self', { $type: PROFILE, displayName: 'First' })
  await put(POST, rkey, { $type: POST, text: 'hello', createdAt: new Date().toISOString() })

  const first = await getRecords(search, [profileUri, postUri])
  assert.equal(first.get(profileUri)?.record.displayName, 'First')
  assert.equal(first.get(postUri)?.record.text, 'hello')
  // Read again unchanged: the same answer (now from the cache).
  assert.equal((await getRecords(search, [profileUri])).get(profileUri)?.record.displayName, 'First')

  await put(PROFILE, 'self', { $type: PROFILE, displayName: 'Second' })
  await write(recordDeleteOp(prefix, familyForCollection(POST), { did: DID, collection: POST, rkey }, ++version))
  const now = await getRecords(search, [profileUri, postUri])
  assert.equal(now.get(profileUri)?.record.displayName, 'Second')
  assert.equal(now.has(postUri), false, 'the deleted post is gone')
})

test('cached records cannot be changed in place by a caller', async () => {
  const uri = `at://${DID}/${PROFILE}/self`
  const one = (await getRecords(search, [uri])).get(uri)!
  const two = (await getRecords(search, [uri])).get(uri)!
  assert.throws(() => {
    ;(two.record as Record<string, unknown>).displayName = 'Mallory'
  }, TypeError)
  assert.equal(one.record.displayName, 'Second')
})

/** A client of its own whose `_mget`s are recorded: which documents were read with their `_source`, and every document asked for. */
function recordingClient(): { client: Client; sourceReads: string[]; asked: string[] } {
  const own = testClient()
  const sourceReads: string[] = []
  const asked: string[] = []
  const mget = own.mget.bind(own) as (params: any) => Promise<any>
  ;(own as any).mget = (params: any) => {
    for (const doc of params.body.docs) if (doc._source !== false) sourceReads.push(doc._id)
    for (const doc of params.body.docs) asked.push(doc._id)
    return mget(params)
  }
  return { client: own, sourceReads, asked }
}

test('documents and absences read at an index version are served again without a read until the index is written to', async () => {
  const { client: own, asked } = recordingClient()
  try {
    const plane = new Searcher(own, prefix, { cache: { indexVersions: createIndexVersions(own, { reuseMs: 0 }) } })
    const profileUri = `at://${DID}/${PROFILE}/self`
    const rkey = TID.nextStr()
    const postUri = `at://${DID}/${POST}/${rkey}`
    await put(PROFILE, 'self', { $type: PROFILE, displayName: 'Versioned' })

    const first = await getRecords(plane, [profileUri, postUri])
    assert.equal(first.get(profileUri)?.record.displayName, 'Versioned')
    assert.equal(first.has(postUri), false, 'no such post yet')
    assert.ok(asked.length >= 2, 'the first read asks OpenSearch')
    asked.length = 0
    const again = await getRecords(plane, [profileUri, postUri])
    assert.equal(again.get(profileUri)?.record.displayName, 'Versioned')
    assert.equal(again.has(postUri), false)
    assert.deepEqual(asked, [], 'nothing written since: no document read, not even its version')

    // The post appears, the profile changes, both without a refresh: the next read sees both.
    await put(POST, rkey, { $type: POST, text: 'now here', createdAt: new Date().toISOString() })
    await put(PROFILE, 'self', { $type: PROFILE, displayName: 'Renamed' })
    const now = await getRecords(plane, [profileUri, postUri])
    assert.equal(now.get(profileUri)?.record.displayName, 'Renamed')
    assert.equal(now.get(postUri)?.record.text, 'now here')

    await write(recordDeleteOp(prefix, familyForCollection(POST), { did: DID, collection: POST, rkey }, ++version))
    assert.equal((await getRecords(plane, [postUri])).has(postUri), false, 'the deleted post is gone at once')
  } finally {
    await own.close()
  }
})

test('with Redis, a document one API process has read is served by another without reading its source, and only at its current version', async () => {
  const redis = await startRedis()
  const one = recordingClient()
  const two = recordingClient()
  const sharedOne = createSharedDocs({ redisUrl: redis.url, namespace: `${prefix}doc:` })
  const sharedTwo = createSharedDocs({ redisUrl: redis.url, namespace: `${prefix}doc:` })
  try {
    assert.equal(await sharedOne.ready(), true)
    assert.equal(await sharedTwo.ready(), true)
    const first = new Searcher(one.client, prefix, { cache: { shared: sharedOne } })
    const second = new Searcher(two.client, prefix, { cache: { shared: sharedTwo } })
    const uri = `at://${DID}/${PROFILE}/self`
    await put(PROFILE, 'self', { $type: PROFILE, displayName: 'Shared' })

    assert.equal((await getRecords(first, [uri])).get(uri)?.record.displayName, 'Shared')
    assert.deepEqual(one.sourceReads, [uri])
    // The write to Redis is in the background; give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 100))
    let before = await samples(cacheLookups)
    assert.equal((await getRecords(second, [uri])).get(uri)?.record.displayName, 'Shared')
    assert.deepEqual(two.sourceReads, [], 'the second process checked the version only')
    // Counted as a miss of its own cache and a hit in Redis.
    assert.deepEqual(await growth(cacheLookups, before), { 'cache=documents,result=miss': 1, 'cache=documents_shared,result=hit': 1 })
    before = await samples(cacheLookups)
    assert.equal((await getRecords(second, [uri])).get(uri)?.record.displayName, 'Shared')
    assert.deepEqual(await growth(cacheLookups, before), { 'cache=documents,result=hit': 1 }, 'read again: its own cache, Redis not asked')

    // Redis still holds the old version: the second process must notice and read the new one.
    await put(PROFILE, 'self', { $type: PROFILE, displayName: 'Changed' })
    const third = new Searcher(two.client, prefix, { cache: { shared: sharedTwo } })
    before = await samples(cacheLookups)
    assert.equal((await getRecords(third, [uri])).get(uri)?.record.displayName, 'Changed')
    assert.deepEqual(two.sourceReads, [uri])
    assert.deepEqual(await growth(cacheLookups, before), { 'cache=documents,result=miss': 1, 'cache=documents_shared,result=miss': 1 }, 'a stale entry is a miss')

    // Redis gone: reads answer from OpenSearch, promptly.
    redis.stop()
    await new Promise((resolve) => redis.process.once('exit', resolve))
    const fourth = new Searcher(one.client, prefix, { cache: { shared: sharedOne } })
    const started = Date.now()
    assert.equal((await getRecords(fourth, [uri])).get(uri)?.record.displayName, 'Changed')
    assert.ok(Date.now() - started < 2000, 'no long wait on a dead Redis')
  } finally {
    redis.stop()
    await Promise.all([sharedOne.close(), sharedTwo.close(), one.client.close(), two.client.close()])
  }
})

test('what a server keeps of the documents it read stays within READ_CACHE_MB, and 0 keeps nothing', async () => {
  const posts = Array.from({ length: 40 }, () => TID.nextStr())
  for (const rkey of posts) await put(POST, rkey, { $type: POST, text: `budget ${rkey} ${'x'.repeat(200)}`, createdAt: new Date().toISOString() })
  const uris = posts.map((rkey) => `at://${DID}/${POST}/${rkey}`)
  const held = async () => (await samples(cacheBytes)).get('cache=documents') ?? NaN

  // Room for a handful of these posts (each well over 300 bytes of JSON): reading all 40 keeps the newest few.
  const small = new Searcher(client, prefix, { cache: { localBytes: 4096 } })
  assert.equal((await getRecords(small, uris)).size, 40)
  const kept = await held()
  assert.ok(kept > 1000 && kept <= 4096, `holds ${kept} bytes, within the 4096 budget`)
  let before = await samples(cacheLookups)
  assert.equal((await getRecords(small, uris.slice(0, 5))).size, 5)
  assert.deepEqual(await growth(cacheLookups, before), { 'cache=documents,result=miss': 5 }, 'the first posts read were pushed out')
  before = await samples(cacheLookups)
  await getRecords(small, uris.slice(4, 5))
  assert.deepEqual(await growth(cacheLookups, before), { 'cache=documents,result=hit': 1 }, 'what was read last is held')

  const none = new Searcher(client, prefix, { cache: { localBytes: 0 } })
  await getRecords(none, uris.slice(0, 3))
  assert.equal(await held(), 0)
  before = await samples(cacheLookups)
  assert.equal((await getRecords(none, uris.slice(0, 3))).size, 3)
  assert.deepEqual(await growth(cacheLookups, before), { 'cache=documents,result=miss': 3 }, 'read again: nothing was kept')
})

test('a record holding a `__proto__` key is read like any other, and nothing else changes', async () => {
  const rkey = TID.nextStr()
  const uri = `at://${DID}/${POST}/${rkey}`
  // An open lexicon object may carry any key; JSON.parse makes this one an own property.
  const record = JSON.parse(`{"$type":"${POST}","text":"odd keys","createdAt":"${new Date().toISOString()}","__proto__":{"polluted":true}}`)
  await put(POST, rkey, record)
  const read = (await getRecords(search, [uri])).get(uri)
  assert.equal(read?.record.text, 'odd keys', 'the record is served')
  assert.equal(JSON.stringify(read?.record).includes('"__proto__":{"polluted":true}'), true, 'with its key as written')
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'and no object gained a prototype from it')
})
