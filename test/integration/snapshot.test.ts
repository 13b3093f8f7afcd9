import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { Client } from '@opensearch-project/opensearch'
import { startServer } from '#/cli/commands/serve.js'
import { startDevNetwork, type DevAccount, type DevNetwork } from '#devnet/network.js'
import { startLiveIngest } from '#/ingest/wire.js'
import { createLogger } from '#/log.js'
import { applySetup } from '#/store/setup.js'
import { cursorKey, StateStore } from '#/store/state.js'
import { devnetConfig, devnetEnv } from '../helpers/devnet-env.js'
import { dropPrefix, testClient, uniquePrefix } from '../helpers/opensearch.js'
import { allRecordDocs, generateActivity, repoRecords } from '../helpers/repo-activity.js'

/**
 * `magpie snapshot create`, then more activity on the PDS, then `magpie snapshot restore` into a
 * fresh prefix: the restored prefix answers as the original did when the snapshot was taken, and
 * ingest started on it resumes from the cursor the snapshot holds, ending equal to the repos
 * (nothing lost, nothing twice) and to the original after it caught up too.
 *
 * Needs a cluster whose nodes have path.repo (scripts/opensearch gives every node it starts one).
 */

const run = promisify(execFile)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const log = createLogger('warn')
let net: DevNetwork
let client: Client
const original = uniquePrefix('snap-orig')
const restored = uniquePrefix('snap-rest')
const servers: Server[] = []

before(async () => {
  net = await startDevNetwork()
  client = testClient()
})

after(async () => {
  for (const s of servers) await new Promise((resolve) => s.close(resolve))
  await net.close()
  for (const prefix of [original, restored]) {
    const mine = await client.snapshot.get({ repository: 'magpie-snapshots', snapshot: `${prefix.replace(/-+$/, '')}-*` }, { ignore: [404] }).catch(() => undefined)
    for (const s of ((mine?.body as any)?.snapshots ?? []) as { snapshot: string }[]) {
      await client.snapshot.delete({ repository: 'magpie-snapshots', snapshot: s.snapshot }, { ignore: [404] })
    }
    await dropPrefix(client, prefix)
  }
  await client.close()
})

async function magpie(prefix: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], {
    cwd: root,
    env: devnetEnv(net, prefix, { LOG_LEVEL: 'warn' }),
  })
  return stdout
}

/** Ingest everything the PDS has, from the saved cursor (or `cursor`), and stop when it goes quiet. */
function catchUp(prefix: string, cursor?: number) {
  return startLiveIngest(devnetConfig(net, prefix), client, log, { service: net.firehoseUrl, cursor, exitWhenIdleSec: 3 })
}

async function serverFor(prefix: string): Promise<string> {
  const server = await startServer(devnetConfig(net, prefix, { PORT: '0', READ_CACHE_MS: '0' }), client, log)
  servers.push(server)
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function answers(base: string, accounts: DevAccount[]): Promise<unknown[]> {
  const out: unknown[] = []
  for (const a of accounts) {
    for (const [nsid, q] of [
      ['app.bsky.actor.getProfile', `actor=${a.did}`],
      ['app.bsky.feed.getAuthorFeed', `actor=${a.did}&limit=100`],
      ['app.bsky.graph.getFollowers', `actor=${a.did}&limit=100`],
    ]) {
      const res = await fetch(`${base}/xrpc/${nsid}?${q}`)
      const body = (await res.json()) as any
      // Indexing time is when this prefix's copy was written, not part of what was restored.
      out.push({ nsid, actor: a.handle, status: res.status, body: JSON.parse(JSON.stringify(body), (k, v) => (k === 'indexedAt' ? undefined : v)) })
    }
  }
  return out
}

test('restore into a fresh prefix answers as the original did, and ingest resumes from the snapshot\'s cursor', { timeout: 600_000 }, async () => {
  const accounts = [await net.createAccount('ida'), await net.createAccount('jon'), await net.createAccount('kai')]
  await applySetup(client, original, log)
  await generateActivity(accounts, { ops: 120 })
  const first = await catchUp(original, 0)

  const created = JSON.parse(await magpie(original, 'snapshot', 'create'))
  assert.equal(created.state, 'SUCCESS')
  assert.deepEqual(created.cursors[cursorKey(net.firehoseUrl)]?.value, { seq: first.lastSeq }, 'the snapshot holds the cursor')
  const listed = await magpie(original, 'snapshot', 'list')
  assert.match(listed, new RegExp(`^${created.name}\\tSUCCESS`, 'm'))
  const atSnapshot = await allRecordDocs(client, original)
  const answersAtSnapshot = await answers(await serverFor(original), accounts)

  // The network moves on after the snapshot; nothing ingests it yet.
  await generateActivity(accounts, { ops: 60 })

  // No name: the newest snapshot of the prefix named by --from-prefix, into this fresh prefix.
  const report = JSON.parse(await magpie(restored, 'snapshot', 'restore', '--from-prefix', original))
  assert.equal(report.restored, created.name)
  assert.deepEqual(await allRecordDocs(client, restored), atSnapshot, 'the same documents, versions included')
  assert.deepEqual(await answers(await serverFor(restored), accounts), answersAtSnapshot, 'the same answers')
  assert.deepEqual(await new StateStore(client, restored).get(cursorKey(net.firehoseUrl)), { seq: first.lastSeq })

  // A prefix that has indices is not overwritten unless asked.
  await assert.rejects(magpie(restored, 'snapshot', 'restore', '--from-prefix', original), /already has \d+ indices/)

  // Ingest on the restored prefix resumes from the snapshot's cursor and ends where the repos are.
  const resumed = await catchUp(restored)
  assert.ok(resumed.events > 0, 'it read what came after the snapshot')
  const truth = await repoRecords(accounts)
  const docs = await allRecordDocs(client, restored)
  assert.deepEqual(new Map([...docs].filter(([, d]) => d.tomb !== true).map(([id, d]) => [id, d.cid])), truth)
  // And equal, document for document, to the original after it caught up on its own.
  await catchUp(original)
  assert.deepEqual(docs, await allRecordDocs(client, original))
})
