/**
 * Records read again are served from the data plane's cache only while a real-time version
 * check says they are unchanged (dataplane/records.ts): an update or a delete made a moment
 * ago is what the next read answers, on a real OpenSearch node, without any refresh.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { TID } from '@atproto/common-web'
import type { Client } from '@opensearch-project/opensearch'
import { getRecords } from '#/dataplane/records.js'
import { Searcher } from '#/dataplane/search.js'
import { familyForCollection } from '#/indexing/families.js'
import { recordDeleteOp, recordWriteOp } from '#/indexing/operations.js'
import type { BulkOp } from '#/indexing/bulk-writer.js'
import { createLogger } from '#/log.js'
import { applySetup } from '#/store/setup.js'
import { dropPrefix, testClient, uniquePrefix } from '../helpers/opensearch.js'

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
