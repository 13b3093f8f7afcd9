import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { createSafeFetch } from '#/identity/safe-fetch.js'
import { estimateBackfill, firstRunNotice, formatBytes, formatDuration } from '#/world/full-backfill-estimate.js'
import { countHostedAccounts } from '#/world/hosted-accounts.js'

/** A relay answering listHosts in two pages (one host inactive), and a PDS with listRepos only. */
let relay: http.Server
let pds: http.Server
const fetch = createSafeFetch({ allowPrivateNetwork: true, timeoutMs: 2000 })

function serve(handler: (url: URL) => unknown): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const body = handler(new URL(req.url!, 'http://x'))
    res.writeHead(body === undefined ? 501 : 200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body ?? { error: 'MethodNotImplemented' }))
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}
const origin = (s: http.Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`

before(async () => {
  relay = await serve((url) => {
    if (url.pathname !== '/xrpc/com.atproto.sync.listHosts') return undefined
    return url.searchParams.get('cursor') === 'p2'
      ? { hosts: [{ hostname: 'c.example', accountCount: 5, status: 'active' }] }
      : { cursor: 'p2', hosts: [{ hostname: 'a.example', accountCount: 1200 }, { hostname: 'b.example', accountCount: 900, status: 'banned' }] }
  })
  pds = await serve((url) => {
    if (url.pathname !== '/xrpc/com.atproto.sync.listRepos') return undefined
    return url.searchParams.get('cursor') === 'next'
      ? { repos: [{ did: 'did:plc:c' }] }
      : { cursor: 'next', repos: [{ did: 'did:plc:a' }, { did: 'did:plc:b' }] }
  })
})

after(async () => {
  relay.close()
  pds.close()
  await fetch.close()
})

test("a relay's accounts are summed over its active hosts, every page", async () => {
  assert.deepEqual(await countHostedAccounts(fetch, origin(relay)), { count: 1205, how: 'summed over its hosts, com.atproto.sync.listHosts' })
})

test('a PDS without listHosts is counted by listRepos', async () => {
  assert.deepEqual(await countHostedAccounts(fetch, origin(pds)), { count: 3, how: 'com.atproto.sync.listRepos' })
})

test('a host that answers neither gives no count, and no error', async () => {
  assert.equal(await countHostedAccounts(fetch, 'http://127.0.0.1:9'), undefined)
})

test('the estimate: 406 B and 192 µs of CPU per record', () => {
  // 1e9 × 406 B × 1.3 = 527.8 GB; 1e9 × 192 µs over 2 cores = 96,000 s.
  const e = estimateBackfill(1e9, 2)
  assert.equal(Math.round(e.diskBytes / 1e9), 528)
  assert.equal(e.seconds, 96_000)
  assert.equal(formatBytes(e.diskBytes), '528 GB')
  assert.equal(formatDuration(e.seconds), '26.7 hours')
  const text = firstRunNotice({ relay: 'wss://relay.example', relayOrigin: 'https://relay.example', accounts: { count: 2_000_000, how: 'listHosts' }, cores: 2 })
  // 2 M accounts × 500 assumed records = 1 billion records.
  assert.match(text, /hosts 2,000,000 accounts \(listHosts\); at an assumed ~500 records each \(not measured\) that is ~1\.0 billion records/)
  assert.match(text, /disk {2}~528 GB/)
  assert.match(text, /magpie backfill --relay https:\/\/relay\.example/)
})
