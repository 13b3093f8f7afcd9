import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import { after, before, test } from 'node:test'
import type { Client } from '@opensearch-project/opensearch'
import { z } from 'zod'
import { createRolledCounts } from '#/dataplane/rolled-counts.js'
import { Searcher } from '#/dataplane/opensearch-reader.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { serveMethods } from '../helpers/xrpc-router.js'

/**
 * When OpenSearch turns reads away for its own state (a full search queue, 429; not ready, 503;
 * shards still unassigned after brief retries; a node that left or is closing mid-search, which
 * OpenSearch reports with a status of 500) or cannot be reached, a caller is told to come back
 * shortly — 503 with Retry-After — not given a 500 as if Magpie were broken. A failure of the
 * search itself stays a 500. Clients standing in for such a node answer the reads.
 */

const queueFull = { status: 429, error: { type: 'rejected_execution_exception', reason: 'rejected execution: search queue is full' } }

// What OpenSearch answers for a search whose shards' node left mid-search (status from the cause).
const disconnected = { type: 'node_disconnected_exception', reason: '[node-1][127.0.0.1:9370][indices:data/read/search[phase/query]] disconnected' }
const nodeLeft = {
  status: 500,
  error: { root_cause: [disconnected], type: 'search_phase_execution_exception', reason: 'all shards failed', phase: 'query', grouped: true, failed_shards: [{ shard: 0, index: 'p-posts-2026.12', node: 'n1', reason: disconnected }] },
}
/** Two of three shards answered; the third failed for `failures` (none named: its copy is gone). */
const partial = (failures?: object[]) => ({
  status: 200,
  _shards: { total: 3, successful: 2, skipped: 0, failed: 1, ...(failures ? { failures } : {}) },
  hits: { total: { value: 1 }, hits: [{ _id: 'a', _index: 'p-posts-2026.12' }] },
})

/** A client whose `_msearch` answers every search with `response`. */
const answeringEach = (response: object): Client =>
  ({ msearch: async (p: { body: unknown[] }) => ({ body: { responses: p.body.filter((_, i) => i % 2 === 1).map(() => response) } }) }) as unknown as Client

const clients: Record<string, Client> = {
  // Every search of the msearch refused.
  'msearch-429': answeringEach(queueFull),
  // The whole call refused.
  'mget-429': {
    mget: async () => {
      throw Object.assign(new Error('Response Error'), { name: 'ResponseError', meta: { statusCode: 429, body: { error: queueFull.error } } })
    },
  } as unknown as Client,
  // A partition whose shards never get assigned: retried briefly, then unavailable.
  unassigned: answeringEach({ status: 503, error: { type: 'search_phase_execution_exception', reason: 'all shards failed' } }),
  // A shard lost its only copy (its node left): the others answer, the page would be partial.
  'shard-lost': answeringEach(partial()),
  // A node left mid-search: the phase failed with a status of 500, for the transport, not the query.
  'node-left': answeringEach(nodeLeft),
  // A shard's answer lost with its node while the others answered.
  'node-left-one-shard': answeringEach(partial([{ shard: 1, index: 'p-posts-2026.12', reason: disconnected }])),
  // The node holding a document is closing.
  'mget-node-closing': {
    mget: async () => ({ body: { docs: [{ _index: 'p-actors', _id: 'did:plc:x', error: { type: 'node_closed_exception', reason: 'node closed {node-2}' } }] } }),
  } as unknown as Client,
  // The node the call went to is closing: the whole call fails with 500.
  'msearch-node-closing': {
    msearch: async () => {
      throw Object.assign(new Error('Response Error'), { name: 'ResponseError', meta: { statusCode: 500, body: { error: { type: 'node_closed_exception', reason: 'node closed {node-2}' }, status: 500 } } })
    },
  } as unknown as Client,
  // The node is down, met first by a read that lists a family's partitions (its read alias).
  'alias-unreachable': {
    indices: {
      getAlias: async () => {
        throw Object.assign(new Error('socket hang up'), { name: 'ConnectionError' })
      },
    },
    mget: async () => ({ body: { docs: [] } }),
  } as unknown as Client,
  // The node is down.
  unreachable: {
    msearch: async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9200'), { name: 'ConnectionError' })
    },
  } as unknown as Client,
}

// A bug, not overload: telling the caller to come back would hide it.
const bug = { type: 'null_pointer_exception', reason: 'Cannot invoke "Object.hashCode()" because "key" is null' }
const failing: Record<string, Client> = {
  'query-bug': answeringEach({ status: 500, error: { root_cause: [bug], type: 'search_phase_execution_exception', reason: 'all shards failed', failed_shards: [{ shard: 0, reason: bug }] } }),
}

const read = defineQuery({
  nsid: 'test.magpie.read',
  params: z.object({ via: param.string({ maxLength: 32 }) }),
  auth: 'none',
  handler: async ({ params }) => {
    const search = new Searcher(clients[params.via] ?? failing[params.via]!, 'p-')
    if (params.via.startsWith('mget')) await search.getByIds([{ index: 'p-actors', id: 'did:plc:x' }])
    else if (params.via.startsWith('alias')) await createRolledCounts(search, { ttlMs: 0 }).settledOf('follows')
    else await search.one({ index: 'posts', body: { query: { match_all: {} } } })
    return {}
  },
})

let server: Server
let base: string

before(async () => {
  ;({ server, base } = await serveMethods([read]))
})

after(() => new Promise<void>((resolve) => server.close(() => resolve())))

for (const via of Object.keys(clients)) {
  test(`an index store that turns reads away (${via}) is a 503 with Retry-After, not a 500`, async () => {
    const res = await fetch(`${base}/xrpc/test.magpie.read?via=${via}`)
    assert.equal(res.status, 503)
    assert.equal(res.headers.get('retry-after'), '1')
    const body = (await res.json()) as { error: string; message: string }
    assert.equal(body.error, 'ServiceUnavailable')
    assert.match(body.message, /try again/)
  })
}

test('a shard failure of the search itself (not the cluster\'s state) stays a 500 that leaks nothing', async () => {
  const res = await fetch(`${base}/xrpc/test.magpie.read?via=query-bug`)
  assert.equal(res.status, 500)
  assert.equal(res.headers.get('retry-after'), null)
  const body = (await res.json()) as { error: string; message: string }
  assert.doesNotMatch(body.message, /hashCode|p-posts/)
})

test('a read that reached a dead node is sent again (to another node of the cluster), and answers', async () => {
  let calls = 0
  const client = {
    msearch: async (p: { body: unknown[] }) => {
      if (calls++ === 0) throw Object.assign(new Error('read ECONNRESET'), { name: 'ConnectionError' })
      return { body: { responses: p.body.filter((_, i) => i % 2 === 1).map(() => ({ status: 200, _shards: { total: 1, successful: 1, failed: 0 }, hits: { hits: [{ _id: 'a', _index: 'p-posts-2026.12' }] } })) } }
    },
  } as unknown as Client
  const result = await new Searcher(client, 'p-').one({ index: 'posts', body: { query: { match_all: {} } } })
  assert.deepEqual(result.hits.map((h) => h._id), ['a'])
  assert.equal(calls, 2)
})
