import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import { test } from 'node:test'
import vm from 'node:vm'
import type { Client } from '@opensearch-project/opensearch'
import Koa from 'koa'
import { listenOn } from '#/server/listen.js'
import { cachedStats, RateWindow } from '#/server/service-status.js'
import { createWebRouter } from '#/server/web.js'

// The status page's rates: counter deltas over a moving window of samples taken per request.

test('the first sample averages over the life of the process', () => {
  const w = new RateWindow(60_000, 0)
  assert.deepEqual(w.add({ at: 10_000, events: 50, ops: 20 }), { eventsPerSecond: 5, recordOpsPerSecond: 2, windowSeconds: 10 })
})

test('later samples average over at most the window, measured from the newest sample a window old', () => {
  const w = new RateWindow(60_000, 0)
  w.add({ at: 30_000, events: 30, ops: 0 })
  w.add({ at: 70_000, events: 430, ops: 0 })
  // The baseline moves to the 30 s sample (the newest at least 60 s before 100 s): 600 events in 70 s.
  assert.deepEqual(w.add({ at: 100_000, events: 630, ops: 70 }), { eventsPerSecond: 8.57, recordOpsPerSecond: 1, windowSeconds: 70 })
  // Then to the 70 s sample.
  assert.deepEqual(w.add({ at: 140_000, events: 1430, ops: 70 }), { eventsPerSecond: 14.29, recordOpsPerSecond: 1, windowSeconds: 70 })
})

test('samples closer than a second are used but not kept, so fast polling does not grow the window', () => {
  const w = new RateWindow(60_000, 0)
  w.add({ at: 1000, events: 10, ops: 0 })
  for (let i = 1; i < 100; i++) w.add({ at: 1000 + i * 5, events: 10, ops: 0 })
  assert.equal((w as any).newer.length, 1)
  assert.deepEqual(w.add({ at: 2000, events: 30, ops: 0 }), { eventsPerSecond: 15, recordOpsPerSecond: 0, windowSeconds: 2 })
})

// ---- what /status tells whom ---------------------------------------------------------------------

const ADMIN_TOKEN = 'an-admin-token-of-some-length'
const PREFIX = 'st-'

/** A cluster standing in for OpenSearch's `_cat` answers, counting the calls. */
function catClient(answer: 'figures' | 'unreachable') {
  const calls = { aliases: 0, indices: 0 }
  const refuse = () => {
    throw Object.assign(new Error('connect ECONNREFUSED 10.20.30.40:9200'), { name: 'ConnectionError' })
  }
  const families = ['posts', 'actors', 'mutes', 'bookmarks', 'notif-state', 'aggregates']
  const client = {
    cluster: {
      health: async () => {
        if (answer === 'unreachable') refuse()
        return { body: { status: 'yellow', number_of_nodes: 2, number_of_data_nodes: 2, active_shards: 9, unassigned_shards: 3, initializing_shards: 0, relocating_shards: 0 } }
      },
    },
    cat: {
      aliases: async () => {
        calls.aliases++
        if (answer === 'unreachable') refuse()
        // Slow enough for requests to overlap.
        await new Promise((resolve) => setTimeout(resolve, 20))
        return { body: families.map((f) => ({ alias: `${PREFIX}${f}`, index: `${PREFIX}${f}-000001` })) }
      },
      indices: async () => {
        calls.indices++
        if (answer === 'unreachable') refuse()
        return { body: families.map((f, i) => ({ index: `${PREFIX}${f}-000001`, 'docs.count': String(10 + i), 'store.size': '4096' })) }
      },
    },
  } as unknown as Client
  return { client, calls }
}

async function serveStatus(client: Client, adminToken?: string): Promise<{ base: string; close: () => Promise<void> }> {
  const app = new Koa()
  const router = createWebRouter(client, PREFIX, { adminToken })
  app.use(router.routes())
  const server = http.createServer(app.callback())
  const base = `http://127.0.0.1:${await listenOn(server, 0, '127.0.0.1')}`
  return { base, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

const getStatus = async (base: string, token?: string) => {
  const res = await fetch(`${base}/status`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  return { status: res.status, text: await res.text() }
}

test('a store that does not answer: the public status says so without its host and port; the admin sees the error', async () => {
  const { client } = catClient('unreachable')
  const { base, close } = await serveStatus(client, ADMIN_TOKEN)
  try {
    const pub = await getStatus(base)
    assert.equal(pub.status, 200)
    assert.doesNotMatch(pub.text, /10\.20\.30\.40|9200|ECONNREFUSED/)
    const body = JSON.parse(pub.text)
    assert.equal(body.healthy, false)
    assert.equal(body.cluster, null)
    assert.ok(body.indices.error)
    const admin = await getStatus(base, ADMIN_TOKEN)
    assert.equal(admin.status, 200)
    assert.match(JSON.parse(admin.text).indices.error, /ECONNREFUSED 10\.20\.30\.40:9200/)
  } finally {
    await close()
  }
})

test('publicly: records of the public families only (no mutes, bookmarks, notification state, sizes); the admin token shows them', async () => {
  const { client } = catClient('figures')
  const { base, close } = await serveStatus(client, ADMIN_TOKEN)
  try {
    const pub = JSON.parse((await getStatus(base)).text)
    assert.equal(pub.healthy, true)
    // The cluster's colour and the copies it is missing are what an operator watches after a node loss.
    assert.deepEqual(pub.cluster, { status: 'yellow', nodes: 2, dataNodes: 2, activeShards: 9, unassignedShards: 3, initializingShards: 0, relocatingShards: 0 })
    assert.match(pub.version, /^\d+\.\d+\.\d+/)
    assert.deepEqual(pub.indices.families.map((f: any) => f.family).sort(), ['actors', 'posts'])
    assert.deepEqual(pub.indices.families.find((f: any) => f.family === 'posts'), { family: 'posts', docs: 10 })
    assert.equal(pub.indices.totalDocs, 21)
    assert.equal(pub.indices.totalBytes, undefined)

    const admin = JSON.parse((await getStatus(base, ADMIN_TOKEN)).text)
    const byFamily = new Map(admin.indices.families.map((f: any) => [f.family, f]))
    for (const family of ['mutes', 'bookmarks', 'notif-state']) assert.ok(byFamily.has(family), family)
    assert.deepEqual(byFamily.get('mutes'), { family: 'mutes', indices: 1, docs: 12, bytes: 4096 })
    assert.equal(admin.indices.totalBytes, 6 * 4096)

    // A wrong token is refused, not served the public view as if it were right.
    assert.equal((await getStatus(base, 'not-the-admin-token')).status, 401)
  } finally {
    await close()
  }
})

test('without a configured admin token the details are not available to anyone', async () => {
  const { client } = catClient('figures')
  const { base, close } = await serveStatus(client)
  try {
    const answer = await getStatus(base, ADMIN_TOKEN)
    assert.equal(answer.status, 403)
    assert.equal(JSON.parse(answer.text).error, 'AdminUnavailable')
    assert.equal((await getStatus(base)).status, 200)
  } finally {
    await close()
  }
})

test('requests close together share one set of _cat calls', async () => {
  const { client, calls } = catClient('figures')
  const { base, close } = await serveStatus(client, ADMIN_TOKEN)
  try {
    await Promise.all([getStatus(base), getStatus(base), getStatus(base, ADMIN_TOKEN)])
    await getStatus(base)
    await getStatus(base)
    assert.deepEqual(calls, { aliases: 1, indices: 1 })
  } finally {
    await close()
  }
})

test('cached figures are asked for again once the period is over', async () => {
  let clock = 0
  let fetches = 0
  const read = cachedStats(async () => ({ families: [], totalDocs: ++fetches, totalBytes: 0 }), 5_000, () => clock)
  await read()
  clock = 4_000
  await read()
  assert.equal(fetches, 1)
  clock = 9_500
  const again = await read()
  assert.equal(fetches, 2)
  assert.ok(again.ok && again.stats.totalDocs === 2)
})

test('the page polls /status no faster than every 2 s, whatever statusEvery a link asks for', () => {
  const intervals: number[] = []
  // Whatever the script touches on the page is a no-op that answers the same; only its timers are kept.
  const anything: any = new Proxy(function () {}, { get: (_t, key) => (key === Symbol.toPrimitive ? () => '' : anything), apply: () => anything, construct: () => anything })
  const page = {
    document: anything,
    location: { search: '?statusEvery=1' },
    fetch: () => new Promise(() => {}),
    setInterval: (_fn: unknown, ms: number) => intervals.push(ms),
    setTimeout: () => 0,
    URLSearchParams,
    Intl,
  }
  const source = readFileSync(new URL('../../src/server/web/search.js', import.meta.url), 'utf8')
  vm.runInNewContext(source, page)
  assert.deepEqual(intervals, [2000])
})
