import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Client } from '@opensearch-project/opensearch'
import type { Config } from '#/config/env.js'
import { runActivity } from '#devnet/activity.js'
import { startDevNetwork, type DevNetwork } from '#devnet/network.js'
import { createIdentityResolver } from '#/identity/identity-resolver.js'
import { createSafeFetch, type SafeFetch } from '#/identity/safe-fetch.js'
import { runBackfill, type BackfillSummary } from '#/ingest/backfill/backfill.js'
import { createRepoProcessor } from '#/ingest/backfill/repo-processor.js'
import { RepoStateStore } from '#/store/repo-state.js'
import { repoLimits, startBackfill } from '#/ingest/backfill/start.js'
import { startLiveIngest } from '#/ingest/wire.js'
import { createLogger } from '#/log.js'
import { devnetConfig } from '../helpers/devnet-env.js'
import { dropPrefix, eventually, getDoc, testClient, setUpPrefix } from '../helpers/opensearch.js'

/**
 * Backfill against a real PDS: the same activity, once read live from the firehose and once
 * backfilled from the repos, must give the same documents and the same counts; and a
 * record deleted (or created) live while its repo is being backfilled must end up deleted
 * (or present).
 */

let net: DevNetwork
let client: Client
const log = createLogger(process.env.LOG_LEVEL ?? 'warn')
const prefixes: string[] = []
let deactivatedDid: string

function configFor(prefix: string): Config {
  return devnetConfig(net, prefix, { BULK_FLUSH_MS: '50', BACKFILL_THREADS: '2' })
}

const freshPrefix = (name: string): Promise<string> => setUpPrefix(client, name, prefixes, log)

before(async () => {
  net = await startDevNetwork()
  client = testClient()
  const stats = await runActivity(net, { accounts: 8, ratePerSec: 1000, maxActions: 500, seed: 11, concurrency: 4, signal: AbortSignal.timeout(120_000) })
  assert.equal(stats.errors, 0)
  // One account deactivated after writing: its host refuses its repo.
  deactivatedDid = stats.accounts[7]!
  await net.deactivate(deactivatedDid)
  await net.processAll()
})

after(async () => {
  await net.close()
  for (const prefix of prefixes) await dropPrefix(client, prefix)
  await client.close()
})

interface DocView {
  index: string
  cid: string
  record: unknown
}

/** Every live (not deleted) record document under a prefix, by AT URI, with its index name without the prefix. */
async function recordDocs(prefix: string, excludeDid?: string): Promise<Map<string, DocView>> {
  await client.indices.refresh({ index: `${prefix}*` })
  const docs = new Map<string, DocView>()
  const mustNot: object[] = [{ term: { tomb: true } }]
  if (excludeDid) mustNot.push({ term: { did: excludeDid } })
  let res = await client.search({
    index: `${prefix}*,-${prefix}actors-*,-${prefix}state-*`,
    scroll: '30s',
    body: { size: 1000, query: { bool: { must_not: mustNot } }, _source: ['cid', 'record'] },
  })
  for (;;) {
    const hits = (res.body as any).hits.hits as { _id: string; _index: string; _source: { cid: string; record: unknown } }[]
    if (hits.length === 0) break
    for (const h of hits) docs.set(h._id, { index: h._index.slice(prefix.length), cid: h._source.cid, record: h._source.record })
    res = await client.scroll({ scroll_id: (res.body as any)._scroll_id, scroll: '30s' })
  }
  return docs
}

/** Exact counts the read API will serve, computed by terms aggregations. */
async function counts(prefix: string, excludeDid: string): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {}
  const specs: [string, string][] = [
    ['likes', 'subjectUri'],
    ['reposts', 'subjectUri'],
    ['posts', 'replyParent'],
    ['posts', 'quotedUri'],
    ['posts', 'did'],
    ['follows', 'subjectDid'],
    ['follows', 'did'],
  ]
  for (const [family, field] of specs) {
    const res = await client.search({
      index: `${prefix}${family}`,
      body: {
        size: 0,
        query: { bool: { must_not: [{ term: { tomb: true } }, { term: { did: excludeDid } }] } },
        aggs: { by: { terms: { field, size: 10_000 } as never } },
      },
    })
    const buckets = (res.body as any).aggregations.by.buckets as { key: string; doc_count: number }[]
    out[`${family}.${field}`] = Object.fromEntries(buckets.map((b) => [b.key, b.doc_count]))
  }
  return out
}

describe('backfill of a real PDS', () => {
  let livePrefix: string
  let backfillPrefix: string
  let summary: BackfillSummary

  before(async () => {
    livePrefix = await freshPrefix('bf-live')
    backfillPrefix = await freshPrefix('bf-repos')
    // The firehose from its very beginning: every event of the activity, in order.
    await startLiveIngest(configFor(livePrefix), client, log, { service: net.firehoseUrl, cursor: 0, exitWhenIdleSec: 3 })
    summary = await startBackfill(configFor(backfillPrefix), client, log, { hosts: [net.pdsUrl], tty: false })
  })

  test('every active repo is backfilled; the deactivated one is recorded with its reason', async () => {
    assert.equal(summary.done, net.accounts.size - 1, JSON.stringify(summary))
    assert.equal(summary.failed, 0)
    assert.equal(summary.unavailable, 1)
    const states = await new RepoStateStore(client, backfillPrefix).getMany([deactivatedDid])
    assert.equal(states.get(deactivatedDid)?.status, 'unavailable')
    assert.match(states.get(deactivatedDid)?.reason ?? '', /deactivated/)
    const actor = await eventually('deactivated actor doc', async () => {
      await client.indices.refresh({ index: `${backfillPrefix}actors-*` })
      return getDoc(client, backfillPrefix, 'actors', deactivatedDid)
    })
    assert.equal(actor.active, false)
    assert.equal(actor.status, 'deactivated')
  })

  test('backfilled documents equal the live-ingested ones, index by index', async () => {
    const live = await recordDocs(livePrefix, deactivatedDid)
    const backfilled = await recordDocs(backfillPrefix)
    assert.ok(live.size > 300, `only ${live.size} live documents`)
    const missing = [...live.keys()].filter((uri) => !backfilled.has(uri))
    const extra = [...backfilled.keys()].filter((uri) => !live.has(uri))
    assert.deepEqual(missing, [], 'documents live ingest has and backfill lacks')
    assert.deepEqual(extra, [], 'documents backfill has and live ingest does not (zombies)')
    for (const [uri, doc] of live) assert.deepEqual(backfilled.get(uri), doc, uri)
  })

  test('counts right after backfill equal the live ones and the PDS', async () => {
    const liveCounts = await counts(livePrefix, deactivatedDid)
    const backfillCounts = await counts(backfillPrefix, deactivatedDid)
    assert.deepEqual(backfillCounts, liveCounts)
    // And both equal what the PDS holds: each account's follows, from its repo.
    for (const [did, account] of net.accounts) {
      if (did === deactivatedDid) continue
      let n = 0
      let cursor: string | undefined
      do {
        const page = await account.agent.com.atproto.repo.listRecords({ repo: did, collection: 'app.bsky.graph.follow', limit: 100, cursor })
        n += page.data.records.length
        cursor = page.data.cursor
      } while (cursor)
      assert.equal(backfillCounts['follows.did']![did] ?? 0, n, `follows of ${did}`)
    }
  })

  test('a second run skips finished repos; --force redoes them without changing anything', async () => {
    const again = await startBackfill(configFor(backfillPrefix), client, log, { hosts: [net.pdsUrl], tty: false })
    assert.equal(again.done, 0)
    // The finished repos, and the deactivated one its host still lists as inactive.
    assert.equal(again.skipped, net.accounts.size)
    const before = await recordDocs(backfillPrefix)
    const forced = await startBackfill(configFor(backfillPrefix), client, log, { hosts: [net.pdsUrl], force: true, tty: false })
    assert.equal(forced.done, net.accounts.size - 1)
    // Same revisions: every write is a version conflict, i.e. nothing was rewritten.
    assert.equal(forced.stale, forced.records)
    assert.deepEqual(await recordDocs(backfillPrefix), before)
  })
})

describe('live events racing a repo backfill', () => {
  test('a record deleted live during its repo backfill stays deleted; one created live is kept', async () => {
    const prefix = await freshPrefix('bf-race')
    const config = configFor(prefix)
    const author = await net.createAccount('racer')
    const doomed = await author.agent.post({ text: 'deleted while the backfill holds the snapshot', createdAt: new Date().toISOString() })
    const kept = await author.agent.post({ text: 'untouched', createdAt: new Date().toISOString() })
    await net.processAll()

    const stop = new AbortController()
    const live = startLiveIngest(config, client, log, { service: net.firehoseUrl, signal: stop.signal })
    let born: { uri: string } | undefined
    // getRepo answers with the snapshot that still holds `doomed`; before the backfill may use
    // it, the account deletes `doomed` and posts `born`, and live ingest indexes both events.
    const realFetch = createSafeFetch({ allowPrivateNetwork: true, timeoutMs: 30_000, maxRedirects: 0 })
    const racingFetch: SafeFetch = Object.assign(
      async (url: string | URL, init?: Parameters<SafeFetch>[1]) => {
        const res = await realFetch(url, init)
        if (String(url).includes('getRepo') && String(url).includes(encodeURIComponent(author.did))) {
          await author.agent.deletePost(doomed.uri)
          born = await author.agent.post({ text: 'created while the backfill holds the snapshot', createdAt: new Date().toISOString() })
          await eventually('live delete indexed', async () => ((await getDoc(client, prefix, 'posts', doomed.uri))?.tomb ? true : undefined))
          await eventually('live create indexed', async () => (await getDoc(client, prefix, 'posts', born!.uri)) ?? undefined)
        }
        return res
      },
      { close: () => realFetch.close(), destroy: () => realFetch.destroy() },
    )
    const resolver = createIdentityResolver({ plcUrl: net.plcUrl, allowPrivateNetwork: true, handleMethods: ['xrpc'], handleResolverUrl: net.pdsUrl, log })
    const processor = createRepoProcessor({ threads: 0, limits: repoLimits(config) })
    try {
      const summary = await runBackfill({
        client,
        log,
        prefix,
        repos: [author.did],
        resolveDid: (did) => resolver.resolveDid(did),
        repoFetch: racingFetch,
        listFetch: racingFetch,
        processor,
        concurrency: 2,
        perHost: 2,
        maxAttempts: 1,
        fetchTimeoutMs: 60_000,
        maxRepoBytes: 1 << 26,
        flushBytes: config.BULK_FLUSH_BYTES,
        flushMs: 50,
        maxInFlight: 1,
      })
      assert.equal(summary.done, 1)
      // The snapshot's copy of `doomed` was older than its live tombstone, so OpenSearch refused it.
      assert.ok(summary.stale >= 1, JSON.stringify(summary))
    } finally {
      stop.abort()
      await live
      await processor.close()
      await resolver.close()
      await realFetch.close()
    }
    await client.indices.refresh({ index: `${prefix}*` })
    assert.equal((await getDoc(client, prefix, 'posts', doomed.uri))?.tomb, true, 'the deleted post came back')
    assert.equal((await getDoc(client, prefix, 'posts', born!.uri))?.record?.text, 'created while the backfill holds the snapshot')
    assert.equal((await getDoc(client, prefix, 'posts', kept.uri))?.record?.text, 'untouched')
  })
})
