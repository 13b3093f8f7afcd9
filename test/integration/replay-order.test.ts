import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Client } from '@opensearch-project/opensearch'
import WebSocket from 'ws'
import { startDevNetwork, type DevAccount, type DevNetwork } from '#devnet/network.js'
import { startReplayRelay } from '#devnet/replay-relay.js'
import { startLiveIngest } from '#/ingest/wire.js'
import { createLogger } from '#/log.js'
import { applySetup } from '#/store/setup.js'
import { devnetConfig } from '../helpers/devnet-env.js'
import { dropPrefix, testClient, uniquePrefix } from '../helpers/opensearch.js'

/**
 * The same real PDS stream delivered twice, and delivered newest-first: both must converge to
 * the state at the newest revision — updates keep their latest version, and a record deleted
 * later stays deleted when its older create arrives after the delete.
 */

let net: DevNetwork
let client: Client
let alice: DevAccount
const prefixes: string[] = []
let frames: Uint8Array[] = []
const uris: Record<string, string> = {}

before(async () => {
  net = await startDevNetwork()
  client = testClient()
  alice = await net.createAccount('ann')
  const agent = alice.agent
  const repo = alice.did
  const now = () => new Date().toISOString()
  const create = async (collection: string, record: Record<string, unknown>) =>
    (await agent.com.atproto.repo.createRecord({ repo, collection, record: { $type: collection, ...record } })).data
  const profile = (displayName: string) =>
    agent.com.atproto.repo.putRecord({ repo, collection: 'app.bsky.actor.profile', rkey: 'self', record: { $type: 'app.bsky.actor.profile', displayName } })

  const post = await create('app.bsky.feed.post', { text: 'kept', createdAt: now() })
  uris.post = post.uri
  for (const name of ['v1', 'v2', 'v3']) uris.profile = (await profile(name)).data.uri
  const like = await create('app.bsky.feed.like', { subject: { uri: post.uri, cid: post.cid }, createdAt: now() })
  uris.like = like.uri
  await agent.com.atproto.repo.deleteRecord({ repo, collection: 'app.bsky.feed.like', rkey: like.uri.split('/').pop()! })
  const gone = await create('app.bsky.feed.post', { text: 'deleted later', createdAt: now() })
  uris.gone = gone.uri
  await agent.com.atproto.repo.deleteRecord({ repo, collection: 'app.bsky.feed.post', rkey: gone.uri.split('/').pop()! })
  uris.follow = (await create('app.bsky.graph.follow', { subject: 'did:plc:ewvi7nxzyoun6zhxrhs64oiz', createdAt: now() })).uri
  frames = await captureFrames(net.subscribeReposUrl)
})

after(async () => {
  await net.close()
  for (const p of prefixes) await dropPrefix(client, p)
  await client.close()
})

/** Every frame the PDS has sequenced so far, as raw bytes. */
async function captureFrames(url: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  const ws = new WebSocket(`${url}?cursor=0`)
  await new Promise<void>((resolve, reject) => {
    let idle: NodeJS.Timeout | undefined
    const arm = () => {
      clearTimeout(idle)
      idle = setTimeout(() => {
        ws.close()
        resolve()
      }, 1500)
    }
    ws.on('open', arm)
    ws.on('message', (data: Buffer) => {
      out.push(new Uint8Array(data))
      arm()
    })
    ws.on('error', reject)
  })
  return out
}

async function ingestFrames(name: string, stream: Uint8Array[]) {
  const prefix = uniquePrefix(name)
  prefixes.push(prefix)
  const relay = await startReplayRelay({ frames: stream })
  const log = createLogger('warn')
  const config = devnetConfig(net, prefix)
  await applySetup(client, prefix, log)
  const summary = await startLiveIngest(config, client, log, { service: relay.url, exitWhenIdleSec: 2 })
  await relay.close()
  await client.indices.refresh({ index: `${prefix}*` })
  const res = await client.search({
    index: `${prefix}*,-${prefix}actors-*,-${prefix}state-*`,
    body: { size: 1000, query: { match_all: {} }, version: true },
  })
  const docs = new Map<string, Record<string, any>>()
  for (const hit of (res.body as any).hits.hits) docs.set(hit._id, { ...hit._source, indexedAt: undefined, _version: hit._version })
  return { summary, docs }
}

function assertNewestState(docs: Map<string, Record<string, any>>): void {
  assert.equal(docs.get(uris.post!)?.record?.text, 'kept')
  assert.equal(docs.get(uris.profile!)?.record?.displayName, 'v3', 'the newest profile revision wins')
  assert.equal(docs.get(uris.like!)?.tomb, true, 'a deleted like stays deleted')
  assert.equal(docs.get(uris.gone!)?.tomb, true, 'a deleted post stays deleted')
  assert.ok(docs.get(uris.follow!)?.record, 'the follow is there')
}

test('the stream in order, twice, and newest-first all converge to the newest revision', async () => {
  assert.ok(frames.length >= 10, `captured ${frames.length} frames`)
  const once = await ingestFrames('once', frames)
  assertNewestState(once.docs)

  const twice = await ingestFrames('twice', [...frames, ...frames])
  assert.equal(twice.summary.events, frames.length * 2)
  assert.ok(twice.summary.stale >= once.docs.size, 'the second pass was refused as stale, document by document')
  assertNewestState(twice.docs)
  assert.deepEqual(twice.docs, once.docs)

  const reversed = await ingestFrames('reversed', [...frames].reverse())
  assertNewestState(reversed.docs)
  assert.deepEqual(reversed.docs, once.docs)
})
