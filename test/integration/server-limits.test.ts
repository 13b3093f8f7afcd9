import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { DevAccount } from '#devnet/network.js'
import { SearchTimeoutError, Searcher } from '#/dataplane/opensearch-reader.js'
import { createRecord, startMagpieApi, until, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * Magpie's load bounds and its status page on the real server: a dev-env PDS, live ingest into
 * the real OpenSearch node, and Magpie's HTTP server with loopback callers rate-limited (as a
 * deployment's visitors are) and an admin token configured.
 */

const SEARCH = 'app.bsky.feed.searchPosts'
const ADMIN_TOKEN = 'integration-admin-token-0123456789'

let api: MagpieApi
let alice: DevAccount
let bob: DevAccount

before(async () => {
  api = await startMagpieApi('server-limits', {
    RATE_LIMIT_LOOPBACK: 'true',
    RATE_LIMIT_ANON_EXPENSIVE_PER_MIN: '2',
    MAGPIE_ADMIN_TOKEN: ADMIN_TOKEN,
  })
  ;[alice, bob] = (await Promise.all(['alice', 'bob'].map((n) => api.net.createAccount(n)))) as [DevAccount, DevAccount]
  await createRecord(bob.agent, 'app.bsky.feed.post', { text: 'magpies hoard shiny things', createdAt: new Date().toISOString() })
  await until('post ingested', () => api.xrpc('app.bsky.feed.getAuthorFeed', { actor: bob.did }), (a) => a.body.feed?.length === 1)
})

after(async () => {
  await api?.close()
})

test('anonymous searches past their bucket get 429 with RateLimit-* headers, while an account searches on', async () => {
  const answers = []
  for (let i = 0; i < 3; i++) answers.push(await api.xrpcWithHeaders(SEARCH, { q: 'magpies' }, {}))
  assert.deepEqual(answers.map((a) => a.status), [200, 200, 429])
  assert.equal(answers[0]!.body.posts.length, 1)
  assert.equal(answers[0]!.headers.get('ratelimit-limit'), '2')
  const refused = answers[2]!
  assert.equal(refused.body.error, 'RateLimitExceeded')
  assert.equal(refused.headers.get('ratelimit-remaining'), '0')
  assert.equal(refused.headers.get('ratelimit-policy'), '2;w=60')
  assert.ok(Number(refused.headers.get('retry-after')) >= 1)
  // Browsers' scripts may read them.
  assert.match(refused.headers.get('access-control-expose-headers') ?? '', /RateLimit-Remaining/i)

  const asAlice = await api.xrpcWithHeaders(SEARCH, { q: 'magpies' }, { viewer: alice })
  assert.equal(asAlice.status, 200)
  assert.ok(Number(asAlice.headers.get('ratelimit-limit')) > 2, 'an account has a larger search bucket')
})

test('the public status shows no private families; the admin token shows them', async () => {
  assert.equal((await api.call('app.bsky.graph.muteActor', { actor: bob.did }, alice)).status, 200)
  const admin = await until(
    'the mute counted in the admin status',
    async () => {
      const res = await fetch(`${api.base}/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      return { status: res.status, body: await res.json() }
    },
    (a) => a.body.indices.families?.some((f: any) => f.family === 'mutes' && f.docs >= 1),
  )
  assert.ok(admin.body.indices.totalBytes > 0)

  const pub = (await (await fetch(`${api.base}/status`)).json()) as any
  assert.equal(pub.healthy, true)
  const names = pub.indices.families.map((f: any) => f.family)
  assert.ok(names.includes('posts'), names.join(','))
  for (const hidden of ['mutes', 'bookmarks', 'notif-state']) assert.ok(!names.includes(hidden), hidden)
  assert.equal(pub.indices.totalBytes, undefined)
})

test('a real search stopped at its timeout is refused as a timeout, not served with partial counts', async () => {
  // A partition of slow-to-score documents: scoring each runs a long loop, so the query phase outlasts 50 ms.
  const index = `${api.prefix}probe-timeout`
  await api.client.indices.create({ index, body: { settings: { number_of_shards: 1, number_of_replicas: 0 } } })
  const body = Array.from({ length: 5000 }, (_, n) => [{ index: {} }, { n }]).flat()
  await api.client.bulk({ index, body, refresh: true })
  const slowQuery = {
    size: 3,
    track_total_hits: true,
    query: { script_score: { query: { match_all: {} }, script: { source: 'double s = 0; for (int i = 0; i < 200000; i++) { s += i } return s + doc["n"].value;' } } },
  }
  const bounded = new Searcher(api.client, api.prefix, { searchTimeoutMs: 50 })
  await assert.rejects(bounded.one({ index: 'posts', partitions: [index], body: slowQuery }), (err) => {
    assert.ok(err instanceof SearchTimeoutError, String(err))
    assert.match(err.publicMessage, /took longer than 50 ms/)
    return true
  })
  // Without the bound the same search answers, whole.
  const unbounded = new Searcher(api.client, api.prefix)
  assert.equal((await unbounded.one({ index: 'posts', partitions: [index], body: slowQuery })).total, 5000)
})
