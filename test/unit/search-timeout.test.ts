import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import { after, before, test } from 'node:test'
import type { Client } from '@opensearch-project/opensearch'
import { z } from 'zod'
import { Searcher } from '#/dataplane/opensearch-reader.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { serveMethods } from '../helpers/xrpc-router.js'

/**
 * Every search the read path sends is bounded: OpenSearch is given a `timeout`, the HTTP request
 * a deadline a little longer. A search some shard stopped at the timeout has partial hits and
 * counts, which are not served as if whole: the caller gets a 503 saying the search took too
 * long. Clients standing in for OpenSearch record what they were sent.
 */

const sent: { params: any; options: any }[] = []

const clients: Record<string, Client> = {
  // A shard stopped at the timeout: OpenSearch answers 200 with what it had, flagged timed_out.
  'timed-out': {
    msearch: async (params: any, options: any) => {
      sent.push({ params, options })
      return { body: { responses: [{ status: 200, timed_out: true, hits: { total: { value: 3 }, hits: [] }, _shards: { failed: 0 } }] } }
    },
  } as unknown as Client,
  // No answer before the client's deadline.
  deadline: {
    msearch: async () => {
      throw Object.assign(new Error('Request timed out'), { name: 'TimeoutError' })
    },
  } as unknown as Client,
}

const read = defineQuery({
  nsid: 'test.magpie.search',
  params: z.object({ via: param.string({ maxLength: 32 }) }),
  auth: 'none',
  handler: async ({ params }) => {
    const search = new Searcher(clients[params.via]!, 'p-', { searchTimeoutMs: 2500 })
    const { total } = await search.one({ index: 'posts', body: { size: 0, track_total_hits: true, query: { match_all: {} } } })
    return { total }
  },
})

let server: Server
let base: string

before(async () => {
  ;({ server, base } = await serveMethods([read]))
})

after(() => new Promise<void>((resolve) => server.close(() => resolve())))

test('each search carries the timeout, and its request a deadline a little longer, not resent', async () => {
  sent.length = 0
  await fetch(`${base}/xrpc/test.magpie.search?via=timed-out`)
  assert.equal(sent.length, 1)
  const [, body] = sent[0]!.params.body
  assert.equal(body.timeout, '2500ms')
  assert.ok(sent[0]!.options.requestTimeout > 2500 && sent[0]!.options.requestTimeout <= 5000, String(sent[0]!.options.requestTimeout))
  assert.equal(sent[0]!.options.maxRetries, 0)
})

for (const via of Object.keys(clients)) {
  test(`a search that ran out of time (${via}) is a 503 saying so, not a partial count`, async () => {
    const res = await fetch(`${base}/xrpc/test.magpie.search?via=${via}`)
    assert.equal(res.status, 503)
    assert.equal(res.headers.get('retry-after'), '1')
    const body = (await res.json()) as { error: string; message: string }
    assert.equal(body.error, 'ServiceUnavailable')
    assert.match(body.message, /took longer than 2500 ms/)
  })
}
