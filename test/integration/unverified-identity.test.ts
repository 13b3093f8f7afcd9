import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import type { Client } from '@opensearch-project/opensearch'
import { startServer } from '#/cli/commands/serve.js'
import { startDevNetwork, type DevAccount, type DevNetwork } from '#devnet/network.js'
import { startLiveIngest } from '#/ingest/wire.js'
import { createLogger } from '#/log.js'
import { devnetConfig, devnetEnv } from '../helpers/devnet-env.js'
import { startHandleGate, type HandleGate } from '../helpers/handle-gate.js'
import { createRecord } from '../helpers/magpie-api.js'
import { dropPrefix, eventually, testClient, setUpPrefix } from '../helpers/opensearch.js'

/**
 * Accounts Magpie first hears of through their commits (it joined the firehose after their
 * #identity events, as it does when it starts at a relay's live tail), with commit signatures
 * verified against their DID documents. Their handles are checked through a resolveHandle
 * service that holds its answers until the test opens it: a slow handle host.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const log = createLogger(process.env.LOG_LEVEL ?? 'warn')
let net: DevNetwork
let client: Client
const prefixes: string[] = []
const gates: HandleGate[] = []

before(async () => {
  net = await startDevNetwork()
  client = testClient()
})

after(async () => {
  for (const gate of gates) await gate.close()
  await net.close()
  for (const p of prefixes) await dropPrefix(client, p)
  await client.close()
})

const freshPrefix = (name: string): Promise<string> => setUpPrefix(client, name, prefixes, log)

async function gate(): Promise<HandleGate> {
  const g = await startHandleGate(net.pdsUrl)
  gates.push(g)
  return g
}

/** The firehose position after everything the PDS has sequenced so far (the accounts' #identity events). */
async function firehoseHead(): Promise<number> {
  await net.processAll()
  return (await net.raw.pds.ctx.sequencer.curr()) ?? 0
}

describe('an account whose handle is not verified yet', () => {
  test('its posts and profile are served at once as handle.invalid, then with its handle once verified', async () => {
    const handles = await gate()
    const prefix = await freshPrefix('unverified')
    const alice = await net.createAccount('unverified-alice')
    const cursor = await firehoseHead()
    const profile = await createRecord(alice.agent, 'app.bsky.actor.profile', { displayName: 'Alice, new here' }, 'self')
    const post = await createRecord(alice.agent, 'app.bsky.feed.post', { text: 'my first post', createdAt: new Date().toISOString() })
    assert.ok(profile.uri)

    const config = devnetConfig({ plcUrl: net.plcUrl, pdsUrl: handles.url }, prefix, {
      VERIFY_COMMITS: 'true',
      // Lookups wait for the gate however long the test keeps it shut.
      IDENTITY_TIMEOUT_MS: '60000',
      READ_CACHE_MS: '0',
      BULK_FLUSH_MS: '50',
      PORT: '0',
    })
    const stop = new AbortController()
    const ingest = startLiveIngest(config, client, log, { service: net.firehoseUrl, cursor, signal: stop.signal })
    const server: Server = await startServer(config, client, log)
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const get = async (nsid: string, params: Record<string, string>): Promise<any> => {
      const res = await fetch(`${base}/xrpc/${nsid}?${new URLSearchParams(params)}`)
      assert.equal(res.status, 200, nsid)
      return res.json()
    }
    try {
      const served = await eventually('the post served', async () => {
        const { posts } = await get('app.bsky.feed.getPosts', { uris: post.uri })
        return posts.length === 1 ? posts[0] : undefined
      })
      // Served while the handle check is still waiting on the handle's host, not after it gave up.
      assert.ok(handles.holding() >= 1, 'the handle verification is still under way')
      assert.equal(served.author.did, alice.did)
      assert.equal(served.author.handle, 'handle.invalid')
      assert.equal(served.author.displayName, 'Alice, new here')

      const { profiles } = await get('app.bsky.actor.getProfiles', { actors: alice.did })
      assert.equal(profiles.length, 1, 'the profile is served')
      assert.equal(profiles[0].handle, 'handle.invalid')
      assert.equal(profiles[0].displayName, 'Alice, new here')
      // Feeds are searches: the post shows once the index has refreshed (about a second).
      const item = await eventually('the author feed', async () => (await get('app.bsky.feed.getAuthorFeed', { actor: alice.did })).feed[0])
      assert.equal(item.post.uri, post.uri)
      assert.equal(item.post.author.handle, 'handle.invalid')
      assert.ok(handles.holding() >= 1, 'still unverified while all of it was read')

      handles.open()
      await eventually('the verified handle served', async () => {
        const { posts } = await get('app.bsky.feed.getPosts', { uris: post.uri })
        return posts[0]?.author.handle === alice.handle ? true : undefined
      })
      // Found by its handle once verified (a handle is looked up by search: after a refresh).
      const verified = await eventually('the profile by handle', async () => (await get('app.bsky.actor.getProfiles', { actors: alice.handle })).profiles[0])
      assert.equal(verified.did, alice.did)
      assert.equal(verified.handle, alice.handle)
      assert.equal(verified.displayName, 'Alice, new here')
    } finally {
      stop.abort()
      await ingest
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})

describe('`magpie ingest --exit-when-idle`', () => {
  test('exits within seconds of the stream ending while handle checks are unfinished; the next run finishes them', async () => {
    const handles = await gate()
    const prefix = await freshPrefix('idle-exit')
    const accounts: DevAccount[] = []
    for (let i = 0; i < 24; i++) accounts.push(await net.createAccount(`idle-${i}`))
    const cursor = await firehoseHead()
    for (const a of accounts) await a.agent.post({ text: `hello from ${a.handle}`, createdAt: new Date().toISOString() })
    await net.processAll()

    const env = devnetEnv({ plcUrl: net.plcUrl, pdsUrl: handles.url }, prefix, { IDENTITY_TIMEOUT_MS: '60000', LOG_LEVEL: 'info' })
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'ingest', '--relay', net.firehoseUrl, '--cursor', String(cursor), '--exit-when-idle', '1', '--verify'],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let idleAt: number | undefined
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      if (idleAt === undefined && stderr.includes('firehose idle; stopping')) idleAt = Date.now()
    })
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    const exitedAt = Date.now()
    assert.equal(code, 0, stderr.slice(-2000))
    assert.ok(idleAt !== undefined, 'the stream went idle')
    assert.ok(handles.received() >= 1, 'handle checks had begun')
    const lingered = exitedAt - idleAt
    assert.ok(lingered < 5_000, `exited ${lingered} ms after the stream went idle`)

    // What was left is marked pending; the next run verifies it (no new events needed).
    await client.indices.refresh({ index: `${prefix}*` })
    const actor = async (did: string) => (await client.get({ index: `${prefix}actors-all`, id: did }, { ignore: [404] })).body as any
    const pending = (await Promise.all(accounts.map((a) => actor(a.did)))).filter((doc) => doc?._source?.pendingIdentity === true)
    assert.ok(pending.length >= 1, 'unfinished verifications are left pending')
    for (const doc of pending) assert.notEqual(doc._source.handleValid, true)

    handles.open()
    const config = devnetConfig({ plcUrl: net.plcUrl, pdsUrl: handles.url }, prefix, { VERIFY_COMMITS: 'true' })
    await startLiveIngest(config, client, log, { service: net.firehoseUrl, exitWhenIdleSec: 1 })
    await client.indices.refresh({ index: `${prefix}actors-*` })
    for (const a of accounts) {
      const doc = (await actor(a.did))._source
      assert.equal(doc.handle, a.handle, `${a.did} verified by the next run`)
      assert.equal(doc.handleValid, true)
      assert.equal(doc.pendingIdentity, false)
    }
  })
})
