import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Client } from '@opensearch-project/opensearch'
import { pino } from 'pino'
import { atprotoDidDocument, startStaticPlc, type StaticPlc } from '#devnet/static-plc.js'
import { startLiveIngest } from '#/ingest/wire.js'
import { applySetup } from '#/store/setup.js'
import { commitBody, commitPost, createAccount, frameBytes, startFrameRelay, type Account } from '../helpers/firehose-fuzz.js'
import { devnetConfig } from '../helpers/devnet-env.js'
import { capturingLogger } from '../helpers/log-capture.js'
import { dropPrefix, eventually, testClient, uniquePrefix } from '../helpers/opensearch.js'

/**
 * Verified live ingest meets 200 accounts it has never seen, each needing its signing key from
 * a PLC directory that takes 200 ms to answer. Resolving them one at a time, in stream order,
 * would hold every later commit back: 200 × 200 ms = 40 s before the last post is searchable.
 * Keys are resolved ahead of the commits' turn, so the stream is not bound by that latency; a
 * DID the directory does not know still costs only its own commit, refused with a logged reason.
 */

const ACCOUNTS = 200
const PLC_DELAY_MS = 200

let client: Client
let plc: StaticPlc
let prefix: string

/** A did:plc-shaped identifier (24 base32 letters) for account `i`. */
function didFor(i: number, tag: string): string {
  const letters = i.toString(26).padStart(3, '0').split('').map((d) => String.fromCharCode(97 + parseInt(d, 26))).join('')
  return `did:plc:${`${tag}${letters}`.padEnd(24, 'z')}`
}

before(async () => {
  client = testClient()
  prefix = uniquePrefix('verify-ahead')
  await applySetup(client, prefix, pino({ level: 'silent' }))
})

after(async () => {
  await plc?.close()
  await dropPrefix(client, prefix)
  await client.close()
})

test(`${ACCOUNTS} new accounts behind a ${PLC_DELAY_MS} ms PLC are indexed far faster than one resolution after another`, async () => {
  const accounts: Account[] = await Promise.all(Array.from({ length: ACCOUNTS }, (_, i) => createAccount(didFor(i, 'ahead'))))
  const stranger = await createAccount(didFor(0, 'stranger')) // signs, but no directory knows its DID
  const docs: Record<string, unknown> = {}
  for (const a of accounts) {
    docs[a.did] = atprotoDidDocument(a.did, { signingKeyMultibase: a.keypair.did().slice('did:key:'.length), pds: 'https://pds.invalid' })
  }
  plc = await startStaticPlc({ docs, delayMs: PLC_DELAY_MS })

  const frames: Uint8Array[] = []
  const posts: string[] = []
  let seq = 0
  let strangerSeq = 0
  for (const [i, account] of accounts.entries()) {
    if (i === ACCOUNTS / 2) {
      strangerSeq = ++seq
      frames.push(frameBytes(await commitBody(stranger, await commitPost(stranger, 'from nowhere', true), strangerSeq)))
    }
    const parts = await commitPost(account, `hello from account ${i}`, true)
    posts.push(`at://${account.did}/${parts.path}`)
    frames.push(frameBytes(await commitBody(account, parts, ++seq)))
  }

  const { log, lines: warnings } = capturingLogger('warn')
  const relay = await startFrameRelay(frames)
  const config = devnetConfig({ plcUrl: plc.url }, prefix, { VERIFY_COMMITS: 'true', BULK_FLUSH_MS: '50' })
  const started = Date.now()
  const ingest = startLiveIngest(config, client, log, { service: relay.url, exitWhenIdleSec: 3 })
  try {
    const countPosts = async () => {
      await client.indices.refresh({ index: `${prefix}posts*` })
      const res = await client.count({ index: `${prefix}posts*`, body: { query: { bool: { must_not: [{ term: { tomb: true } }] } } } })
      return (res.body as { count: number }).count >= ACCOUNTS ? true : undefined
    }
    await eventually(`all ${ACCOUNTS} posts searchable`, countPosts, 30_000)
    const elapsed = Date.now() - started
    const oneByOne = ACCOUNTS * PLC_DELAY_MS
    console.log(`${ACCOUNTS} new DIDs, PLC ${PLC_DELAY_MS} ms: all posts searchable after ${elapsed} ms (one resolution after another: ≥ ${oneByOne} ms)`)
    assert.ok(elapsed < oneByOne / 4, `took ${elapsed} ms: the stream waited on DID resolution (${oneByOne} ms one by one)`)
  } finally {
    await ingest
    await relay.close()
  }

  const res = await client.search({ index: `${prefix}posts*`, body: { size: 1000, _source: false, query: { bool: { must_not: [{ term: { tomb: true } }] } } } })
  const indexed = new Set(((res.body as any).hits.hits as { _id: string }[]).map((h) => h._id))
  assert.deepEqual(posts.filter((uri) => !indexed.has(uri)), [], 'every known account’s post is indexed')
  assert.equal(indexed.size, ACCOUNTS, 'nothing of the unresolvable account is indexed')
  const refusal = warnings.find((w) => w.seq === strangerSeq)
  assert.ok(refusal, 'the unresolvable account’s commit is logged')
  assert.equal(refusal.did, stranger.did)
  assert.equal(refusal.reason, 'signing key could not be resolved')
})
