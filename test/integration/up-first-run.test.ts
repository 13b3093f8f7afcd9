import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Client } from '@opensearch-project/opensearch'
import { runUp, type UpBackfill } from '#/cli/commands/up.js'
import { startDevNetwork, type DevAccount, type DevNetwork } from '#devnet/network.js'
import { devnetEnv } from '../helpers/devnet-env.js'
import { createRecord } from '../helpers/magpie-api.js'
import { dropPrefix, eventually, testClient, uniquePrefix } from '../helpers/opensearch.js'

/**
 * `magpie up` on a fresh index with no world: it follows the live network only, and says what a
 * full backfill would take and how to start one; `--backfill` starts it as before.
 */

let net: DevNetwork
let client: Client
let alice: DevAccount
let before1: string
const prefixes: string[] = []

const post = (text: string) => createRecord(net.agentFor(alice.did), 'app.bsky.feed.post', { text, createdAt: new Date().toISOString() })

async function indexed(prefix: string, uri: string): Promise<boolean> {
  await client.indices.refresh({ index: `${prefix}*` }, { ignore: [404] })
  const res = await client.search({ index: `${prefix}posts`, body: { query: { ids: { values: [uri] } } } }, { ignore: [404] })
  return ((res.body as any)?.hits?.hits ?? []).length > 0
}

/** Runs `up` on a fresh prefix until `body` is done; answers what it printed. */
async function withUp(backfill: UpBackfill, body: (prefix: string, printed: string[]) => Promise<void>): Promise<string[]> {
  const prefix = uniquePrefix('up')
  prefixes.push(prefix)
  const stop = new AbortController()
  const printed: string[] = []
  const running = runUp(
    devnetEnv(net, prefix, {
      RELAY_URL: net.firehoseUrl,
      PORT: '0',
      BULK_FLUSH_MS: '50',
      BACKFILL_THREADS: '0',
      ROLLUP_INTERVAL_MS: '0',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    }),
    { backfill, signal: stop.signal, print: (text) => printed.push(text) },
  )
  try {
    await body(prefix, printed)
  } finally {
    stop.abort()
    assert.equal(await running, 0)
  }
  return printed
}

before(async () => {
  net = await startDevNetwork()
  client = testClient()
  alice = await net.createAccount('alice')
  // Written before Magpie runs: only a backfill can bring it in.
  before1 = (await post('written before up started')).uri
  await net.processAll()
})

after(async () => {
  await net.close()
  for (const p of prefixes) await dropPrefix(client, p)
  await client.close()
})

describe('magpie up, first run', () => {
  test('with no world and no --backfill it indexes only the live network and prints what a full backfill would take', async () => {
    const printed = await withUp('auto', async (prefix, printed) => {
      // Live ingest is running once a post written now is indexed (retried: it may connect after the first one).
      await eventually(
        'a live post is indexed',
        async () => {
          const live = await post('written while up runs')
          await net.processAll()
          for (let i = 0; i < 20; i++) {
            if (await indexed(prefix, live.uri)) return true
            await new Promise((r) => setTimeout(r, 250))
          }
          return undefined
        },
        60_000,
      )
      assert.equal(await indexed(prefix, before1), false, 'the earlier post must not be backfilled')
      const repoStates = await client.count({ index: `${prefix}state`, body: { query: { prefix: { kind: 'repo:' } } } }, { ignore: [404] })
      assert.equal((repoStates.body as any).count ?? 0, 0, 'no repo was backfilled')
      await eventually('the notice is printed', async () => (printed.length > 0 ? true : undefined))
    })
    assert.equal(printed.length, 1)
    const text = printed[0]!
    // The devnet PDS has no listHosts: its accounts are counted by listRepos (one: alice).
    assert.match(text, /indexing the live network from now on/)
    assert.match(text, /hosts 1 accounts \(com\.atproto\.sync\.listRepos\)/)
    assert.match(text, /per billion records: ~528 GB of disk/)
    assert.ok(text.includes(`magpie backfill --relay ${net.pdsUrl.replace(/\/$/, '')}`), text)
    assert.match(text, /magpie world add/)
  })

  test('--backfill backfills the repos the relay lists, and prints no notice', async () => {
    const printed = await withUp('everything', async (prefix) => {
      await eventually('the earlier post is backfilled', async () => ((await indexed(prefix, before1)) ? true : undefined), 60_000)
    })
    assert.deepEqual(printed, [])
  })
})
