import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Client } from '@opensearch-project/opensearch'
import { createPartitionWalk } from '#/dataplane/partition-walk.js'
import { searchPosts } from '#/dataplane/post-search.js'
import { Searcher } from '#/dataplane/opensearch-reader.js'

/**
 * Post search under overload: OpenSearch turns away the page's search and the count beside it
 * (429, its search queue full). The request fails — once, to its caller — and nothing is left
 * rejecting with no one listening, which would end a server process. A client standing in for
 * an overloaded node answers the partition probe and refuses the rest.
 */

const overloaded = {
  indices: { getAlias: async () => ({ statusCode: 200, body: { 'p-posts-2026.01': {} } }) },
  async msearch(params: { body: any[] }) {
    const bodies = params.body.filter((_, i) => i % 2 === 1)
    return {
      body: {
        responses: bodies.map((body) =>
          body.size === 1 && body.query?.term?._index
            ? { _shards: { failed: 0 }, hits: { hits: [{ _id: 'x', _index: 'p-posts-2026.01', sort: [Date.now()] }] } }
            : { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'rejected execution: search queue is full' } },
        ),
      },
    }
  },
} as unknown as Client

test('a search whose page and count are both refused fails once, leaving no rejection unhandled', async () => {
  const unhandled: unknown[] = []
  const listener = (reason: unknown) => void unhandled.push(reason)
  process.on('unhandledRejection', listener)
  try {
    const search = new Searcher(overloaded, 'p-')
    const walk = createPartitionWalk(search, { ttlMs: 0 })
    const request = { search: { text: [{ kind: 'word' as const, text: 'river', negated: false }], filters: {}, languages: [] }, sort: 'latest' as const, limit: 10, withTotal: true }
    await assert.rejects(searchPosts(search, walk, async () => new Map(), request), /search queue is full/)
    // Long enough for the count's retries to run out, whichever of the two failed first.
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    assert.deepEqual(unhandled, [])
  } finally {
    process.off('unhandledRejection', listener)
  }
})
