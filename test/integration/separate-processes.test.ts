import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, test } from 'node:test'
import type { Client } from '@opensearch-project/opensearch'
import { startDevNetwork, type DevAccount, type DevNetwork } from '#devnet/network.js'
import { RepoStateStore } from '#/store/repo-state.js'
import { connectRedis } from '#/store/shared-cache.js'
import { liveIngestReached } from '../helpers/caught-up.js'
import { devnetEnv } from '../helpers/devnet-env.js'
import { createRecord } from '../helpers/magpie-api.js'
import { MagpieProcess } from '../helpers/magpie-process.js'
import { parseExposition, sampleSum, type Exposition } from '../helpers/metrics.js'
import { dropPrefix, eventually, testClient, uniquePrefix } from '../helpers/opensearch.js'
import { startRedis } from '../helpers/redis.js'

/**
 * Magpie as separate processes of the real CLI on one index prefix and one Redis, as an operator
 * would run it: `magpie backfill --shard 0/2` and `--shard 1/2` (which exit when done), one
 * `magpie ingest` following the PDS's firehose, and two `magpie serve`. Together the shards
 * index every repo that existed before, each repo in exactly one of them; what is written
 * afterwards arrives through ingest and both servers answer it alike; a document one server read
 * is served by the other from Redis; and every process exports its metrics.
 */

const SHARDS = 2
/** The metrics every long-running process exports (issue 15): ingest lag, bulk latency and rejections, XRPC latency, cache lookups. */
const EXPORTED = ['magpie_firehose_lag_seconds', 'magpie_bulk_request_seconds', 'magpie_bulk_rejections_total', 'magpie_xrpc_request_seconds', 'magpie_cache_lookups_total']

let net: DevNetwork
let client: Client
let redis: Awaited<ReturnType<typeof startRedis>>
const prefix = uniquePrefix('procs')
const processes: MagpieProcess[] = []

before(async () => {
  net = await startDevNetwork()
  client = testClient()
  redis = await startRedis()
})

after(async () => {
  // Whatever failed, no child outlives the file.
  await Promise.all(processes.map((p) => p.stop('SIGKILL')))
  await net?.close()
  redis?.stop()
  await dropPrefix(client, prefix)
  await client.close()
})

function magpie(name: string, args: string[], env: Record<string, string> = {}): MagpieProcess {
  const proc = new MagpieProcess(
    name,
    args,
    devnetEnv(net, prefix, { REDIS_URL: redis.url, BULK_FLUSH_MS: '100', LOG_LEVEL: 'info', SERVICE_DID: 'did:web:magpie.test', ...env }),
  )
  processes.push(proc)
  return proc
}

/** The shard of a DID as README documents it, computed here: SHA-256 of the DID, first 4 bytes big-endian, mod n. */
const shardOf = (did: string) => createHash('sha256').update(did).digest().readUInt32BE(0) % SHARDS

async function scrape(url: string): Promise<Exposition> {
  const res = await fetch(url)
  assert.equal(res.status, 200, url)
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/)
  return parseExposition(await res.text())
}

function assertExports(exposition: Exposition, who: string): void {
  for (const name of EXPORTED) assert.ok(exposition.types.has(name), `${who} exports ${name}`)
}

async function xrpc(base: string, nsid: string, params: Record<string, string | string[]>): Promise<any> {
  const query = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) query.append(k, one)
  const res = await fetch(`${base}/xrpc/${nsid}?${query}`)
  const body = await res.json()
  assert.equal(res.status, 200, `${nsid} ${JSON.stringify(body)}`)
  return body
}

/** Asks both servers until both answer what `ready` accepts, and the same; returns that answer. */
async function bothAnswer(bases: string[], nsid: string, params: Record<string, string | string[]>, ready: (body: any) => boolean): Promise<any> {
  return eventually(`${nsid} answered alike by both servers`, async () => {
    const [one, two] = await Promise.all(bases.map((b) => xrpc(b, nsid, params)))
    return ready(one) && ready(two) && JSON.stringify(one) === JSON.stringify(two) ? one : undefined
  }, 60_000)
}

/** The firehose position after everything the PDS has sequenced so far. */
async function firehoseHead(): Promise<number> {
  await net.processAll()
  return (await net.raw.pds.ctx.sequencer.curr()) ?? 0
}

test('two backfill shards, one ingest and two servers on one prefix and one Redis work as one AppView', { timeout: 600_000 }, async () => {
  // A handful of accounts with a profile and posts, written before any Magpie process runs,
  // enough that each shard has repos of its own (the split is by hash, so it is checked).
  const accounts: DevAccount[] = []
  const names = new Map<string, string>()
  while (accounts.length < 6 || [0, 1].some((s) => accounts.filter((a) => shardOf(a.did) === s).length < 2)) {
    assert.ok(accounts.length < 24, 'the hash keeps putting every account in one shard')
    const account = await net.createAccount(`procs${accounts.length}`)
    accounts.push(account)
    names.set(account.did, `Before ${accounts.length}`)
    await account.agent.com.atproto.repo.putRecord({
      repo: account.did,
      collection: 'app.bsky.actor.profile',
      rkey: 'self',
      record: { $type: 'app.bsky.actor.profile', displayName: names.get(account.did) },
    })
    for (const n of [1, 2]) await createRecord(account.agent, 'app.bsky.feed.post', { text: `old post ${n} of ${account.handle}`, createdAt: new Date().toISOString() })
  }
  const expected = [0, 1].map((s) => new Set(accounts.filter((a) => shardOf(a.did) === s).map((a) => a.did)))

  // Ingest from here on (what was written before is the backfill's), then the servers, then both shards at once.
  const ingest = magpie('ingest', ['ingest', '--relay', net.firehoseUrl, '--cursor', String(await firehoseHead())], { METRICS_PORT: '0' })
  const servers = [magpie('serve-a', ['serve', '--port', '0']), magpie('serve-b', ['serve', '--port', '0'])]
  const shards = [0, 1].map((s) =>
    // debug: each shard logs every repo it finished, which is how this test tells them apart.
    magpie(`backfill-${s}`, ['backfill', '--pds', net.pdsUrl, '--shard', `${s}/${SHARDS}`], { METRICS_PORT: '0', LOG_LEVEL: 'debug' }),
  )
  // A backfill's metrics can only be read while it runs: scraped until it exits.
  const shardScrapes = shards.map(async (shard) => {
    const url = await shard.loggedUrl('metrics listening')
    let last: Exposition | undefined
    while (shard.running) {
      last = await scrape(url).catch(() => last)
      await new Promise((r) => setTimeout(r, 100))
    }
    return last
  })
  const [ingestMetrics, ...bases] = await Promise.all([ingest.loggedUrl('metrics listening'), ...servers.map((s) => s.loggedUrl('serving'))])

  // The shards: both succeed, each with its own repos and no other, together all of them.
  assert.deepEqual(await Promise.all(shards.map((s) => s.exited)), [0, 0], shards.map((s) => s.stderr.slice(-2000)).join('\n'))
  const done = shards.map((s) => new Set(s.logs.filter((l) => l.msg === 'repo backfilled').map((l) => l.did as string)))
  for (const s of [0, 1]) {
    const summary = JSON.parse(shards[s]!.stdout.trim().split('\n').pop()!)
    assert.equal(summary.shard, `${s}/${SHARDS}`)
    assert.ok(summary.done > 0, `shard ${s} backfilled repos of its own`)
    assert.deepEqual({ done: summary.done, failed: summary.failed, unavailable: summary.unavailable, skipped: summary.skipped }, { done: expected[s]!.size, failed: 0, unavailable: 0, skipped: 0 }, `shard ${s}'s summary counts its repos alone`)
    assert.deepEqual([...done[s]!].sort(), [...expected[s]!].sort(), `shard ${s} backfilled exactly the repos that hash to it`)
  }
  assert.deepEqual([...done[0]!].filter((did) => done[1]!.has(did)), [], 'no repo backfilled by both shards')
  assert.deepEqual([...done[0]!, ...done[1]!].sort(), accounts.map((a) => a.did).sort(), 'every repo backfilled by one shard')
  const states = await new RepoStateStore(client, prefix).getMany(accounts.map((a) => a.did))
  assert.deepEqual(accounts.map((a) => states.get(a.did)?.status), accounts.map(() => 'done'))
  for (const [s, scraped] of (await Promise.all(shardScrapes)).entries()) {
    assert.ok(scraped, `backfill shard ${s} answered /metrics while it ran`)
    assertExports(scraped, `backfill shard ${s}`)
  }

  // What the shards indexed, both servers serve alike: every account's profile as it was written.
  const profiles = await bothAnswer(bases, 'app.bsky.actor.getProfiles', { actors: accounts.map((a) => a.did) }, (b) =>
    b.profiles.length === accounts.length && b.profiles.every((p: any) => p.displayName === names.get(p.did) && p.postsCount === 2),
  )
  assert.equal(profiles.profiles.length, accounts.length)

  // Written after everything started: only ingest can bring these in.
  const [writer, renamed] = [accounts.find((a) => shardOf(a.did) === 0)!, accounts.find((a) => shardOf(a.did) === 1)!]
  const fresh = await createRecord(writer.agent, 'app.bsky.feed.post', { text: 'written while the processes run', createdAt: new Date().toISOString() })
  await renamed.agent.com.atproto.repo.putRecord({
    repo: renamed.did,
    collection: 'app.bsky.actor.profile',
    rkey: 'self',
    record: { $type: 'app.bsky.actor.profile', displayName: 'Renamed after the start' },
  })
  await liveIngestReached(client, prefix, net.firehoseUrl, await firehoseHead())
  await bothAnswer(bases, 'app.bsky.feed.getPosts', { uris: [fresh.uri] }, (b) => b.posts[0]?.record?.text === 'written while the processes run')
  await bothAnswer(bases, 'app.bsky.feed.getAuthorFeed', { actor: writer.did }, (b) => b.feed.length === 3 && b.feed[0].post.uri === fresh.uri)
  await bothAnswer(bases, 'app.bsky.actor.getProfile', { actor: renamed.did }, (b) => b.displayName === 'Renamed after the start')

  // One server reads a post no server has read yet; the other then finds it in Redis.
  const shared = await createRecord(writer.agent, 'app.bsky.feed.post', { text: 'read once, served twice', createdAt: new Date().toISOString() })
  await liveIngestReached(client, prefix, net.firehoseUrl, await firehoseHead())
  const sharedHits = async (base: string) => sampleSum(await scrape(`${base}/metrics`), 'magpie_cache_lookups_total', { cache: 'documents_shared', result: 'hit' })
  const hitsBefore = await sharedHits(bases[1]!)
  const first = await xrpc(bases[0]!, 'app.bsky.feed.getPosts', { uris: [shared.uri] })
  assert.equal(first.posts[0]?.record.text, 'read once, served twice')
  const probe = connectRedis(redis.url)
  try {
    await eventually('the first server to put the post in Redis', async () => {
      const keys = await probe.keys(`${prefix}doc:*`)
      return keys.some((k) => k.endsWith(`\u0000${shared.uri}`)) || undefined
    })
  } finally {
    probe.disconnect()
  }
  const second = await xrpc(bases[1]!, 'app.bsky.feed.getPosts', { uris: [shared.uri] })
  assert.deepEqual(second, first)
  assert.ok((await sharedHits(bases[1]!)) > hitsBefore, 'the second server served it from what the first put in Redis')

  // Every process still running exports the metrics, with the figures of its own work.
  const fromIngest = await scrape(ingestMetrics)
  assertExports(fromIngest, 'ingest')
  assert.equal(fromIngest.samples.filter((s) => s.name === 'magpie_firehose_lag_seconds').length, 1, 'ingest reports its lag')
  assert.ok(sampleSum(fromIngest, 'magpie_bulk_request_seconds_count') > 0, 'ingest timed its bulk requests')
  for (const [i, base] of bases.entries()) {
    const fromServer = await scrape(`${base}/metrics`)
    assertExports(fromServer, `server ${i}`)
    assert.ok(sampleSum(fromServer, 'magpie_xrpc_request_seconds_count', { nsid: 'app.bsky.feed.getPosts', status: '200' }) > 0, `server ${i} timed getPosts`)
    assert.ok(sampleSum(fromServer, 'magpie_cache_lookups_total', { cache: 'documents' }) > 0, `server ${i} counted document cache lookups`)
  }
  for (const p of [ingest, ...servers]) assert.ok(p.running, `${p.name} still runs`)
  assert.deepEqual(await Promise.all([ingest, ...servers].map((p) => p.stop())), [0, 0, 0], 'and stops cleanly')
})
