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
 * When OpenSearch turns reads away for its own load (a full search queue, 429; not ready, 503;
 * shards still unassigned after brief retries) or cannot be reached, a caller is told to come back shortly — 503 with Retry-After — not given
 * a 500 as if Magpie were broken. Clients standing in for such a node answer the reads.
 */

const queueFull = { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'rejected execution: search queue is full' } }

const clients: Record<string, Client> = {
  // Every search of the msearch refused.
  'msearch-429': { msearch: async (p: { body: unknown[] }) => ({ body: { responses: p.body.filter((_, i) => i % 2 === 1).map(() => queueFull) } }) } as unknown as Client,
  // The whole call refused.
  'mget-429': {
    mget: async () => {
      throw Object.assign(new Error('Response Error'), { name: 'ResponseError', meta: { statusCode: 429, body: { error: queueFull.error } } })
    },
  } as unknown as Client,
  // A partition whose shards never get assigned: retried briefly, then unavailable.
  unassigned: {
    msearch: async (p: { body: unknown[] }) => ({
      body: { responses: p.body.filter((_, i) => i % 2 === 1).map(() => ({ status: 503, error: { type: 'search_phase_execution_exception', reason: 'all shards failed' } })) },
    }),
  } as unknown as Client,
  // A shard lost its only copy (its node left): the others answer, the page would be partial.
  'shard-lost': {
    msearch: async (p: { body: unknown[] }) => ({
      body: {
        responses: p.body
          .filter((_, i) => i % 2 === 1)
          .map(() => ({ status: 200, _shards: { total: 3, successful: 2, skipped: 0, failed: 1 }, hits: { total: { value: 1 }, hits: [{ _id: 'a', _index: 'p-posts-2026.12' }] } })),
      },
    }),
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

const read = defineQuery({
  nsid: 'test.magpie.read',
  params: z.object({ via: param.string({ maxLength: 32 }) }),
  auth: 'none',
  handler: async ({ params }) => {
    const search = new Searcher(clients[params.via]!, 'p-')
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
