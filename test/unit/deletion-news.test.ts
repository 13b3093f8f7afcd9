import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { BulkOp } from '#/indexing/bulk-writer.js'
import { opsForCommit } from '#/ingest/commit-ops.js'
import type { RecordOpEvent } from '#/ingest/record-ops.js'
import { createLogger } from '#/log.js'

/**
 * Deleting a record whose deletion is news (a verification: its subject hears it was withdrawn)
 * leaves a tombstone that keeps what the news needs, and a notice dated by the delete's commit; any other
 * delete stays a bare tombstone.
 */

const VERIFIER = 'did:plc:verifier'
const SUBJECT = 'did:plc:subject'
const REV = '3m5ujmdtsbs2k'
const DELETED_AT = '2026-11-22T12:00:00.000Z'
const log = createLogger('silent')

const del = (collection: string, rkey: string): RecordOpEvent => ({
  event: 'delete', did: VERIFIER, collection, rkey, uri: `at://${VERIFIER}/${collection}/${rkey}`, rev: REV,
})
const verification = del('app.bsky.graph.verification', '3m5ujmdtsbs2j')
const live = {
  did: VERIFIER,
  cid: 'bafyreib2rxk3rh6kzwq',
  indexedAt: '2026-11-20T08:00:05.000Z',
  record: { $type: 'app.bsky.graph.verification', subject: SUBJECT, handle: 'subject.test', displayName: 'S', createdAt: '2026-11-20T08:00:00.000Z' },
}

const shape = (op: BulkOp) => ({ ...(op.action as any).index, body: JSON.parse(op.body!) })

test('a deleted verification: a tombstone keeping its subject and time, and a withdrawal notice', () => {
  const ops = opsForCommit('t-', [verification], DELETED_AT, log, new Map([[verification.uri, live]])).map(shape)
  assert.equal(ops.length, 2)
  const [tombstone, notice] = ops
  assert.equal(tombstone._id, verification.uri)
  assert.deepEqual(tombstone.body, { tomb: true, did: VERIFIER, subjectDid: SUBJECT, sortAt: '2026-11-20T08:00:00.000Z', notifies: 'verified' })
  assert.equal(notice._id, `${verification.uri}#deleted`)
  assert.equal(notice._index, tombstone._index)
  assert.deepEqual(notice.body, { tomb: true, did: VERIFIER, subjectDid: SUBJECT, sortAt: DELETED_AT, indexedAt: DELETED_AT, notifies: 'unverified' })
  // Both at the delete's revision: a replayed delete is refused as stale, writing nothing twice.
  assert.equal(tombstone.version, notice.version)
  assert.equal(tombstone.version_type, 'external')
})

test('the withdrawal notice is dated by the delete\'s commit, as the firehose reports it, never after Magpie saw it', () => {
  const notice = (committedAt: string | undefined) => opsForCommit('t-', [verification], DELETED_AT, log, new Map([[verification.uri, live]]), committedAt).map(shape)[1]!.body
  // A replay from cursor 0 sees the delete long after it was committed: dated as it happened.
  assert.equal(notice('2026-11-21T09:30:00.000Z').sortAt, '2026-11-21T09:30:00.000Z')
  assert.equal(notice('2026-11-21T09:30:00.000Z').indexedAt, '2026-11-21T09:30:00.000Z')
  // A commit time ahead of Magpie's clock, or none, gives when Magpie saw it.
  assert.equal(notice('2027-01-01T00:00:00.000Z').sortAt, DELETED_AT)
  assert.equal(notice(undefined).sortAt, DELETED_AT)
  assert.equal(notice('not a time').sortAt, DELETED_AT)
})

test('a verification whose document was not found (never seen, or already gone) is a bare tombstone', () => {
  const ops = opsForCommit('t-', [verification], DELETED_AT, log).map(shape)
  assert.deepEqual(ops.map((o) => o.body), [{ tomb: true, did: VERIFIER }])
})

test('other families never carry news, whatever was read', () => {
  const like = del('app.bsky.feed.like', '3m5ujmdtsbs2j')
  const ops = opsForCommit('t-', [like], DELETED_AT, log, new Map([[like.uri, { ...live, record: { subject: { uri: 'at://x', cid: 'y' } } }]])).map(shape)
  assert.deepEqual(ops.map((o) => o.body), [{ tomb: true, did: VERIFIER }])
})
