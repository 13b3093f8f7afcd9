/**
 * Hits' record ids from doc values (dataplane/ids-from-values.ts) on a real OpenSearch node: a
 * search that reads no `_source` is sent without stored fields and its hits still carry their
 * exact URIs; documents written before `rkey` was kept in doc values (none in the document) are
 * answered by asking again as asked, so their ids are right too.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { TID } from '@atproto/common-web'
import type { Client } from '@opensearch-project/opensearch'
import { Searcher, NOT_DELETED } from '#/dataplane/opensearch-reader.js'
import { familyForCollection } from '#/indexing/families.js'
import { recordWriteOp } from '#/indexing/operations.js'
import { createLogger } from '#/log.js'
import { applySetup } from '#/store/setup.js'
import { dropPrefix, testClient, uniquePrefix } from '../helpers/opensearch.js'

const REPOST = 'app.bsky.feed.repost'
const CID = 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm'
const SUBJECT = 'at://did:plc:idsvaluesauthor/app.bsky.feed.post/3kabcdefghijk'

describe('record ids from doc values', () => {
  let client: Client
  let prefix: string
  const sentBodies: Record<string, unknown>[] = []
  let searcher: Searcher
  const dids = ['did:plc:idsvalues0001', 'did:plc:idsvalues0002', 'did:plc:idsvalues0003']
  const now = Date.now()
  const reposts = dids.flatMap((did, i) => [0, 1].map((j) => ({ did, rkey: TID.fromTime((now - (i * 2 + j) * 60_000) * 1000, 7).toString() })))
  const uri = (r: { did: string; rkey: string }) => `at://${r.did}/${REPOST}/${r.rkey}`

  before(async () => {
    client = testClient()
    prefix = uniquePrefix('idsvalues')
    await applySetup(client, prefix, createLogger('warn'))
    const ops = reposts.map((r, i) =>
      recordWriteOp(prefix, familyForCollection(REPOST), { ...r, collection: REPOST, cid: CID, indexedAt: new Date().toISOString(), record: { $type: REPOST, subject: { uri: SUBJECT, cid: CID }, createdAt: new Date(now - i * 60_000).toISOString() } }, i + 1),
    )
    const body = ops.flatMap((op) => [JSON.stringify(op.action), op.body]).join('\n') + '\n'
    const res = await client.bulk({ body, refresh: true } as any)
    assert.equal((res.body as any).errors, false, JSON.stringify((res.body as any).items?.find((x: any) => x.index?.error)))
    const watching = new Proxy(client, {
      get(target, prop, receiver) {
        if (prop === 'msearch') {
          return (params: { body: Record<string, unknown>[] }, ...rest: unknown[]) => {
            params.body.forEach((line, i) => i % 2 === 1 && sentBodies.push(line))
            return (target.msearch as any)(params, ...rest)
          }
        }
        return Reflect.get(target, prop, receiver)
      },
    })
    searcher = new Searcher(watching, prefix)
  })

  after(async () => {
    await dropPrefix(client, prefix)
    await client.close()
  })

  const byTime = () => ({
    index: 'reposts' as const,
    body: { size: 10, _source: false, query: { bool: { filter: [{ term: { subjectUri: SUBJECT } }], must_not: [NOT_DELETED] } }, sort: [{ sortAt: 'desc' }], docvalue_fields: ['did'] },
  })

  test('a search without _source reads no stored fields, and every hit has its exact URI and only the values asked for', async () => {
    sentBodies.length = 0
    const { hits } = await searcher.one(byTime())
    assert.deepEqual(hits.map((h) => h._id), reposts.map(uri), 'the URIs, newest first')
    assert.deepEqual(hits.map((h) => Object.keys(h.fields ?? {})), hits.map(() => ['did']), 'only did, as asked')
    assert.equal(sentBodies.length, 1, 'one search')
    assert.deepEqual(sentBodies[0]!.stored_fields, ['_none_'], 'sent without stored fields')
  })

  test('documents written before rkey was kept in doc values are searched again as asked, with their ids', async () => {
    // As an older Magpie wrote it: the same document without `rkey`.
    const old = { did: 'did:plc:idsvaluesold1', rkey: TID.fromTime((now - 3_600_000) * 1000, 3).toString() }
    const op = recordWriteOp(prefix, familyForCollection(REPOST), { ...old, collection: REPOST, cid: CID, indexedAt: new Date().toISOString(), record: { $type: REPOST, subject: { uri: SUBJECT, cid: CID }, createdAt: new Date(now - 3_600_000).toISOString() } }, 1)
    const doc = JSON.parse(op.body!)
    delete doc.rkey
    await client.index({ index: (op.action as any).index._index, id: uri(old), body: doc, refresh: true } as any)
    sentBodies.length = 0
    const { hits } = await searcher.one(byTime())
    assert.deepEqual(hits.map((h) => h._id), [...reposts.map(uri), uri(old)])
    assert.equal(sentBodies.length, 2, 'asked again')
    assert.equal(sentBodies[1]!.stored_fields, undefined, 'the second time as asked, ids from stored fields')
  })

  test('searches that read _source, and collections without a family of their own, are sent as asked', async () => {
    sentBodies.length = 0
    const withSource = await searcher.one({ index: 'reposts', body: { size: 10, query: { term: { subjectUri: SUBJECT } } } })
    assert.ok(withSource.hits.every((h) => h._source !== undefined))
    await searcher.one({ index: 'records', body: { size: 10, _source: false, query: { match_all: {} } } })
    assert.ok(sentBodies.every((b) => b.stored_fields === undefined), 'no search rewritten')
  })
})
