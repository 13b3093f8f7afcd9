import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Client } from '@opensearch-project/opensearch'
import { QueryRejectedError, Searcher, type SearchRequest } from '#/dataplane/opensearch-reader.js'

/**
 * The Searcher sends the reads of one turn as one `_msearch` and one `_mget`, yet each caller
 * gets its own answers and its own failures. A fake client answers each sub-search with a hit
 * naming the search's `tag`, or with a shard failure while the tag is in `failing`.
 */

interface Sent {
  msearch: { tags: string[]; maxConcurrent: unknown }[]
  mget: string[][]
}

function fakeClient(failing: Map<string, number>): { client: Client; sent: Sent } {
  const sent: Sent = { msearch: [], mget: [] }
  const client = {
    async msearch(params: { body: any[]; max_concurrent_searches?: unknown }) {
      const bodies = params.body.filter((_, i) => i % 2 === 1)
      const tags = bodies.map((b) => String(b.tag))
      sent.msearch.push({ tags, maxConcurrent: params.max_concurrent_searches })
      const responses = tags.map((tag) => {
        const left = failing.get(tag) ?? 0
        if (left > 0) {
          failing.set(tag, left - 1)
          return { _shards: { total: 2, failed: 1, failures: [{ reason: { type: 'no_shard_available_action_exception' } }] }, hits: { hits: [] } }
        }
        return { _shards: { total: 1, failed: 0 }, hits: { hits: [{ _id: tag, _index: 'x' }], total: { value: 1 } } }
      })
      return { body: { responses } }
    },
    async mget(params: { body: { docs: { _index: string; _id: string }[] } }) {
      const ids = params.body.docs.map((d) => d._id)
      sent.mget.push(ids)
      return {
        body: {
          docs: params.body.docs.map((d) =>
            d._id.startsWith('broken')
              ? { _index: d._index, _id: d._id, error: { type: 'shard_not_available', reason: 'down' } }
              : { _index: d._index, _id: d._id, found: !d._id.startsWith('missing'), _source: { id: d._id } },
          ),
        },
      }
    },
  }
  return { client: client as unknown as Client, sent }
}

const req = (tag: string): SearchRequest => ({ index: 'posts', body: { tag } })
const tagsOf = (results: { hits: { _id: string }[] }[]) => results.map((r) => r.hits[0]?._id)

test('searches of one turn go out as one _msearch; each caller gets its own answers, in order', async () => {
  const { client, sent } = fakeClient(new Map())
  const search = new Searcher(client, 'p-')
  const [a, b, c] = await Promise.all([search.many([req('a1'), req('a2')]), search.one(req('b')), search.many([req('c1'), req('c2'), req('c3')])])
  assert.deepEqual(tagsOf(a), ['a1', 'a2'])
  assert.deepEqual(tagsOf([b]), ['b'])
  assert.deepEqual(tagsOf(c), ['c1', 'c2', 'c3'])
  assert.deepEqual(sent.msearch, [{ tags: ['a1', 'a2', 'b', 'c1', 'c2', 'c3'], maxConcurrent: 6 }])
})

test('a search read after an await of something settled still joins the wave', async () => {
  const { client, sent } = fakeClient(new Map())
  const search = new Searcher(client, 'p-')
  await Promise.all([search.one(req('a')), Promise.resolve().then(async () => search.one(req((await Promise.resolve('b')) as string)))])
  assert.equal(sent.msearch.length, 1)
})

test('a sub-search that keeps failing on a shard fails only its caller, after retrying only its searches', async () => {
  const { client, sent } = fakeClient(new Map([['bad', 99]]))
  const search = new Searcher(client, 'p-')
  const [ok, failed] = await Promise.allSettled([search.many([req('ok1'), req('ok2')]), search.many([req('fine'), req('bad')])])
  assert.equal(ok.status, 'fulfilled')
  assert.deepEqual(tagsOf((ok as PromiseFulfilledResult<any>).value), ['ok1', 'ok2'])
  assert.equal(failed.status, 'rejected')
  assert.match(String((failed as PromiseRejectedResult).reason), /search of posts failed: no_shard_available_action_exception/)
  assert.deepEqual(sent.msearch[0]!.tags, ['ok1', 'ok2', 'fine', 'bad'])
  // The brief retries, each with the failing caller's searches only.
  assert.deepEqual(sent.msearch.slice(1).map((s) => s.tags), [['fine', 'bad'], ['fine', 'bad'], ['fine', 'bad']])
})

test('a sub-search that fails once is retried whole: its caller never gets a partial answer', async () => {
  const { client, sent } = fakeClient(new Map([['flaky', 1]]))
  const search = new Searcher(client, 'p-')
  const [other, mine] = await Promise.all([search.one(req('other')), search.many([req('flaky'), req('steady')])])
  assert.deepEqual(tagsOf([other]), ['other'])
  assert.deepEqual(tagsOf(mine), ['flaky', 'steady'])
  assert.equal(sent.msearch.length, 2)
})

test('a wave of more than 200 searches is split into several _msearch, answers still in order', async () => {
  const { client, sent } = fakeClient(new Map())
  const search = new Searcher(client, 'p-')
  const tags = Array.from({ length: 450 }, (_, i) => `s${i}`)
  const results = await search.many(tags.map(req))
  assert.deepEqual(tagsOf(results), tags)
  assert.deepEqual(sent.msearch.map((s) => s.tags.length), [200, 200, 50])
})

test('gets of one turn go out as one _mget, the same document once; each caller gets only its own', async () => {
  const { client, sent } = fakeClient(new Map())
  const search = new Searcher(client, 'p-')
  const doc = (id: string) => ({ index: 'p-posts', id })
  const [a, b] = await Promise.all([search.getByIds([doc('x'), doc('y'), doc('missing1')]), search.getByIds([doc('y'), doc('z')])])
  assert.deepEqual([...a.keys()], ['x', 'y'])
  assert.deepEqual([...b.keys()], ['y', 'z'])
  assert.deepEqual(sent.mget, [['x', 'y', 'missing1', 'z']])
})

test('a get that fails fails only the callers that asked for that document', async () => {
  const { client } = fakeClient(new Map())
  const search = new Searcher(client, 'p-')
  const doc = (id: string) => ({ index: 'p-posts', id })
  const [ok, failed] = await Promise.allSettled([search.getByIds([doc('x')]), search.getByIds([doc('x'), doc('broken1')])])
  assert.equal(ok.status, 'fulfilled')
  assert.deepEqual([...(ok as PromiseFulfilledResult<Map<string, unknown>>).value.keys()], ['x'])
  assert.equal(failed.status, 'rejected')
  assert.match(String((failed as PromiseRejectedResult).reason), /get broken1 failed/)
})

test('a failed _msearch call fails its callers, not those of a later wave', async () => {
  let calls = 0
  const client = {
    async msearch() {
      calls++
      if (calls === 1) throw new Error('connection reset')
      return { body: { responses: [{ _shards: { failed: 0 }, hits: { hits: [{ _id: 'later', _index: 'x' }] } }] } }
    },
  } as unknown as Client
  const search = new Searcher(client, 'p-')
  await assert.rejects(Promise.all([search.one(req('a')), search.one(req('b'))]), /connection reset/)
  assert.deepEqual(tagsOf([await search.one(req('later'))]), ['later'])
})

test('a malformed search that makes the whole _msearch refused fails only its caller', async () => {
  const sent: string[][] = []
  const client = {
    async msearch(params: { body: any[] }) {
      const tags = params.body.filter((_, i) => i % 2 === 1).map((b) => String(b.tag))
      sent.push(tags)
      if (tags.includes('malformed')) throw Object.assign(new Error('x_content_parse_exception'), { meta: { statusCode: 400 } })
      return { body: { responses: tags.map((tag) => ({ _shards: { failed: 0 }, hits: { hits: [{ _id: tag, _index: 'x' }] } })) } }
    },
  } as unknown as Client
  const search = new Searcher(client, 'p-')
  const [ok, bad] = await Promise.allSettled([search.many([req('a'), req('b')]), search.one(req('malformed'))])
  assert.equal(ok.status, 'fulfilled')
  assert.deepEqual(tagsOf((ok as PromiseFulfilledResult<any>).value), ['a', 'b'])
  assert.equal(bad.status, 'rejected')
  assert.match(String((bad as PromiseRejectedResult).reason), /x_content_parse_exception/)
  assert.deepEqual(sent.slice(1).sort(), [['a', 'b'], ['malformed']])
})

test('a search OpenSearch refuses as a bad request is not retried, and says why', async () => {
  let calls = 0
  const client = {
    async msearch() {
      calls++
      const error = { root_cause: [{ type: 'query_shard_exception', reason: 'failed to create query: maxClauseCount is set to 1024' }], type: 'search_phase_execution_exception' }
      return { body: { responses: [{ error, status: 400 }] } }
    },
  } as unknown as Client
  const search = new Searcher(client, 'p-')
  await assert.rejects(search.one(req('huge')), (err: unknown) => {
    assert.ok(err instanceof QueryRejectedError)
    assert.match(err.message, /maxClauseCount is set to 1024/)
    return true
  })
  assert.equal(calls, 1)
})
