import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { after, before, test } from 'node:test'
import type { Client } from '@opensearch-project/opensearch'
import { startServer } from '#/cli/commands/serve.js'
import { reposFromCarFiles } from '#devnet/repo-car-files.js'
import { startRepoHost, type RepoHost } from '#devnet/repo-host.js'
import { startBackfill } from '#/ingest/backfill/start.js'
import { createLogger } from '#/log.js'
import { repoCarsDir } from '../helpers/corpus.js'
import { devnetConfig } from '../helpers/devnet-env.js'
import { dropPrefix, setUpPrefix, testClient } from '../helpers/opensearch.js'
import { loadLexicons } from '../helpers/xrpc-fuzz.js'

/**
 * Backfill fills the backlinks and the record search too: a real repo (repo-stream_little.car:
 * tangled issues, comments, label ops, stars; leaflet documents and comments) served by a local
 * host, backfilled, then asked for over HTTP. The links and words expected are read off the
 * records themselves (listed beside each assertion), not from Magpie.
 */

const log = createLogger(process.env.LOG_LEVEL ?? 'warn')
const lex = loadLexicons()
const OWNER = 'did:plc:lulmyldiq4sb2ikags5sfb25'
const ISSUE = `at://${OWNER}/sh.tangled.repo.issue/3m2cb5emiys22`
let client: Client
let host: RepoHost
let server: Server
let base: string
const prefixes: string[] = []

before(async () => {
  client = testClient()
  const repos = await reposFromCarFiles([path.join(repoCarsDir(), 'repo-stream_little.car')])
  host = await startRepoHost({ repos })
  for (const repo of repos) {
    host.putRepo({
      ...repo,
      didDoc: { id: repo.did, alsoKnownAs: [], verificationMethod: [], service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: host.url }] },
    })
  }
  const prefix = await setUpPrefix(client, 'bl-backfill', prefixes, log)
  const config = devnetConfig({ plcUrl: host.url }, prefix, { BULK_FLUSH_MS: '50', READ_CACHE_MS: '0', PORT: '0' })
  const summary = await startBackfill(config, client, log, { hosts: [host.url], tty: false })
  assert.equal(summary.failed, 0, JSON.stringify(summary))
  await client.indices.refresh({ index: `${prefix}*` })
  server = await startServer(config, client, log)
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

after(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()))
  await host?.close()
  for (const prefix of prefixes) await dropPrefix(client, prefix)
  await client?.close()
})

async function ok(nsid: string, params: Record<string, string>): Promise<any> {
  const res = await fetch(`${base}/xrpc/${nsid}?${new URLSearchParams(params)}`)
  const body = (await res.json()) as any
  assert.equal(res.status, 200, JSON.stringify(body))
  lex.assertValidXrpcOutput(nsid, body)
  return body
}

const rkeyPaths = (body: { links: { uri: string; path: string }[] }) => body.links.map((l) => `${l.uri.split('/').slice(-2).join('/')} ${l.path}`)

test('backlinks of a tangled issue: its label ops and its comment', async () => {
  // sh.tangled.label.op 3m2cb6b3vt322 and 3m2ce27x5y222 have `subject` = the issue;
  // sh.tangled.repo.issue.comment 3m2cguflwft22 has `issue` = the issue.
  assert.deepEqual(rkeyPaths(await ok('net.magpie.links.getBacklinks', { subject: ISSUE })), [
    'sh.tangled.repo.issue.comment/3m2cguflwft22 .issue',
    'sh.tangled.label.op/3m2ce27x5y222 .subject',
    'sh.tangled.label.op/3m2cb6b3vt322 .subject',
  ])
  const counts = await ok('net.magpie.links.getBacklinkCounts', { subject: ISSUE })
  assert.equal(counts.records, 3)
  assert.equal(counts.accounts, 1)
  assert.deepEqual(
    counts.counts.map((c: { collection: string; path: string; records: number }) => `${c.collection} ${c.path} ${c.records}`).sort(),
    ['sh.tangled.label.op .subject 2', 'sh.tangled.repo.issue.comment .issue 1'],
  )
})

test('links inside arrays and nested objects of real records', async () => {
  // The `add[].key` of label ops 3m2cb6b3vt322, 3m2cbt5px3x22, 3m2cf2rjqz322, 3m2cfiuxeyc22 (its second item) and
  // 3m2cs6rrwsy22 names the good-first-issue label definition.
  const label = `at://did:plc:wshs7t2adsemcrrd4snkeqli/sh.tangled.label.definition/good-first-issue`
  const ops = await ok('net.magpie.links.getBacklinks', { subject: label, collection: 'sh.tangled.label.op' })
  assert.deepEqual(new Set(ops.links.map((l: { path: string }) => l.path)), new Set(['.add[].key']))
  assert.equal(ops.links.length, 5)
  // Leaflet document 3lygi5ohgwk22 links to an earlier update by URL from facets of two text blocks and
  // of a nested list item; the Bluesky post 3lxvlldzk422c (older) embeds it as an external link.
  const byUrl = await ok('net.magpie.links.getBacklinks', { subject: 'https://updates.microcosm.blue/3lxvll4ebhs2c' })
  assert.deepEqual(rkeyPaths(byUrl), [
    'pub.leaflet.document/3lygi5ohgwk22 .pages[].blocks[].block.children[].children[].content.facets[].features[].uri',
    'pub.leaflet.document/3lygi5ohgwk22 .pages[].blocks[].block.facets[].features[].uri',
    'app.bsky.feed.post/3lxvlldzk422c .embed.external.uri',
  ])
  // pub.leaflet.comment 3lysmvjot2s2f comments on document 3lxvll4ebhs2c.
  const comments = await ok('net.magpie.links.getBacklinks', { subject: `at://${OWNER}/pub.leaflet.document/3lxvll4ebhs2c` })
  assert.deepEqual(rkeyPaths(comments), ['pub.leaflet.comment/3lysmvjot2s2f .subject'])
  // sh.tangled.graph.follow 3lw7kkylb4h22 follows this DID.
  const follows = await ok('net.magpie.links.getBacklinks', { subject: 'did:plc:wshs7t2adsemcrrd4snkeqli', collection: 'sh.tangled.graph.follow' })
  assert.deepEqual(rkeyPaths(follows), ['sh.tangled.graph.follow/3lw7kkylb4h22 .subject'])
})

test('searchRecords over the backfilled tangled and leaflet records', async () => {
  // Issues 3m2cb5emiys22 and 3m2cs6knpcc22 have "Constellation" in their titles.
  const res = await ok('net.magpie.search.searchRecords', { q: 'constellation', collection: 'sh.tangled.repo.issue', limit: '100' })
  const rkeys = res.records.map((r: { uri: string }) => r.uri.split('/').pop())
  assert.ok(rkeys.includes('3m2cb5emiys22') && rkeys.includes('3m2cs6knpcc22'), JSON.stringify(rkeys))
  assert.ok(res.records.every((r: { uri: string }) => r.uri.includes('/sh.tangled.repo.issue/')))
  const facet = new Map(res.facets.collections.map((b: { value: string; count: number }) => [b.value, b.count]))
  assert.ok((facet.get('sh.tangled.repo.issue') as number) >= 2)
  assert.ok(facet.has('sh.tangled.string'), 'the string about constellation counts in the facet')
  // Leaflet document 3lwk6xlrh2s2v: "Hello and welcome to a (hopefully-)weekly update from microcosm!"
  const leaflet = await ok('net.magpie.search.searchRecords', { q: '"weekly update from microcosm"' })
  assert.deepEqual(leaflet.records.map((r: { uri: string }) => r.uri.split('/').slice(-2).join('/')), ['pub.leaflet.document/3lwk6xlrh2s2v'])
  assert.match(leaflet.records[0].highlights.map((h: { fragments: string[] }) => h.fragments.join(' ')).join(' '), /<em>weekly<\/em> <em>update<\/em>/)
})
