import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Client } from '@opensearch-project/opensearch'
import { startReplayRelay, type ReplayRelay } from '#devnet/replay-relay.js'
import { startStaticPlc, type StaticPlc } from '#devnet/static-plc.js'
import { startLiveIngest } from '#/ingest/wire.js'
import { createLogger } from '#/log.js'
import { applySetup } from '#/store/setup.js'
import { loadDidDocs, loadExpectedJetstream, loadRelayFrames, type JetstreamEvent } from '../helpers/corpus.js'
import { devnetConfig } from '../helpers/devnet-env.js'
import { dropPrefix, testClient, uniquePrefix } from '../helpers/opensearch.js'

/**
 * 150 real frames captured from the public relay, replayed from a local websocket, must index to
 * exactly what production Jetstream made of the same window: every create and update with its
 * CID and record, every delete gone, the account event applied — and nothing else.
 */

let relay: ReplayRelay
let plc: StaticPlc
let client: Client
const prefixes: string[] = []
const expected = loadExpectedJetstream()

before(async () => {
  relay = await startReplayRelay({ frames: loadRelayFrames() })
  plc = await startStaticPlc({ docs: loadDidDocs() })
  client = testClient()
})

after(async () => {
  await relay.close()
  await plc.close()
  for (const p of prefixes) await dropPrefix(client, p)
  await client.close()
})

interface ExpectedRecord {
  collection: string
  live: boolean
  cid?: string
  record?: Record<string, unknown>
}

/** The final state of every record the window touched, per Jetstream. */
function expectedRecords(events: JetstreamEvent[]): Map<string, ExpectedRecord> {
  const state = new Map<string, ExpectedRecord>()
  for (const e of events) {
    if (e.kind !== 'commit') continue
    const c = e.commit
    const uri = `at://${e.did}/${c.collection}/${c.rkey}`
    state.set(
      uri,
      c.operation === 'delete'
        ? { collection: c.collection, live: false }
        : { collection: c.collection, live: true, cid: c.cid, record: c.record },
    )
  }
  return state
}

async function ingestCorpus(name: string, verify: boolean) {
  const prefix = uniquePrefix(name)
  prefixes.push(prefix)
  const config = devnetConfig({ plcUrl: plc.url }, prefix, { VERIFY_COMMITS: String(verify) })
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn')
  await applySetup(client, prefix, log)
  const summary = await startLiveIngest(config, client, log, { service: relay.url, exitWhenIdleSec: 2 })
  await client.indices.refresh({ index: `${prefix}*` })
  return { prefix, summary }
}

async function liveRecordDocs(prefix: string): Promise<Map<string, Record<string, any>>> {
  const res = await client.search({
    index: `${prefix}*,-${prefix}actors-*,-${prefix}state-*`,
    body: {
      size: 1000,
      query: { bool: { must_not: [{ term: { tomb: true } }] } },
    },
  })
  const docs = new Map<string, Record<string, any>>()
  for (const hit of (res.body as any).hits.hits) docs.set(hit._id, hit._source)
  return docs
}

for (const verify of [true, false]) {
  describe(`the captured relay window (${verify ? 'signatures verified' : 'relay trusted'})`, () => {
    test('indexes exactly the creates, updates and deletes Jetstream saw', async () => {
      const { prefix, summary } = await ingestCorpus(verify ? 'corpus-v' : 'corpus-t', verify)
      assert.equal(summary.events, 150, 'every frame was read')
      assert.equal(summary.rejected, 0)
      const want = expectedRecords(expected)
      const docs = await liveRecordDocs(prefix)

      for (const [uri, exp] of want) {
        const doc = docs.get(uri)
        if (!exp.live) {
          assert.equal(doc, undefined, `${uri} was deleted in the window`)
          continue
        }
        assert.ok(doc, `${uri} (${exp.collection}) is indexed`)
        assert.equal(doc.cid, exp.cid, `${uri} cid`)
        assert.deepEqual(doc.record, exp.record, `${uri} record`)
      }
      const extra = [...docs.keys()].filter((uri) => !want.get(uri)?.live)
      assert.deepEqual(extra, [], 'nothing indexed that Jetstream did not see')
      assert.equal(docs.size, [...want.values()].filter((r) => r.live).length)
    })

    test('the account event is applied to its actor', async () => {
      const prefix = prefixes.at(-1)!
      const account = expected.find((e) => e.kind === 'account')
      assert.ok(account && account.kind === 'account')
      const res = await client.get({ index: `${prefix}actors-all`, id: account.did })
      const actor = (res.body as any)._source
      assert.equal(actor.active, account.account.active)
      if (!account.account.active) assert.equal(actor.status, account.account.status)
      const identity = expected.find((e) => e.kind === 'identity')
      assert.ok(identity)
      const ident = await client.get({ index: `${prefix}actors-all`, id: identity.did })
      assert.equal((ident.body as any)._source.pendingIdentity, false, 'the identity event was resolved')
      // Its DID document is not in the captured set, so no handle can be verified: served as Bluesky does.
      assert.equal((ident.body as any)._source.handle, 'handle.invalid')
      assert.equal((ident.body as any)._source.handleValid, false)
    })
  })
}
