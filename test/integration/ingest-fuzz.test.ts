import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Client } from '@opensearch-project/opensearch'
import { pino } from 'pino'
import { makeRng } from '#devnet/rng.js'
import { createCommitChecker } from '#/ingest/commit-checker.js'
import { CommitVerifier } from '#/ingest/commit-verifier.js'
import { IdentityWorker } from '#/ingest/identity-worker.js'
import { runLiveIngest } from '#/ingest/live-ingest.js'
import { applySetup } from '#/store/setup.js'
import { cursorKey, StateStore } from '#/store/state.js'
import { commitBody, commitPost, createAccount, frameBytes, hostileFrame, startFrameRelay, type Account, type HostileFrame } from '../helpers/firehose-fuzz.js'
import { capturingLogger } from '../helpers/log-capture.js'
import { dropPrefix, eventually, testClient, uniquePrefix } from '../helpers/opensearch.js'

/**
 * Live ingest fuzzed with hostile firehose frames, over a real websocket into the real
 * OpenSearch node with commit verification on: between honest signed commits of one repo come
 * frames mutated every way (bits flipped, cut short, fields of the wrong type, CIDs and paths
 * that lie, blocks altered or missing, re-signed by another key, replays of earlier frames out
 * of order). The stream must never stall or break, every honest commit after a hostile frame be
 * indexed, nothing be indexed that the repo's key did not sign, and every commit whose proof no
 * longer holds be refused with a logged reason. FUZZ_SEED picks another stream (printed).
 */

const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
const ROUNDS = 60

let client: Client
let prefix: string

before(async () => {
  client = testClient()
  prefix = uniquePrefix('ingest-fuzz')
  await applySetup(client, prefix, pino({ level: 'silent' }))
})

after(async () => {
  await dropPrefix(client, prefix)
  await client.close()
})

interface Sent {
  seq: number
  hostile?: HostileFrame & { uri: string }
}

test(`hostile frames between honest commits: nothing unsigned indexed, the stream goes on (FUZZ_SEED=${seed})`, async () => {
  const rng = makeRng(seed)
  const alice: Account = await createAccount('did:plc:fuzzaliceaaaaaaaaaaaaaaa')
  const mallory: Account = await createAccount('did:plc:fuzzmalloryaaaaaaaaaaaaa')
  const uriOf = (path: string) => `at://${alice.did}/${path}`

  // What the key signed: every post text by URI, honest or made into a hostile frame.
  const signed = new Map<string, string>()
  const honest: { uri: string; bytes: Uint8Array; seq: number }[] = []
  const frames: Uint8Array[] = []
  const sent: Sent[] = []
  let seq = 0
  for (let round = 0; round < ROUNDS; round++) {
    const parts = await commitPost(alice, `honest ${round}`, true)
    const bytes = frameBytes(await commitBody(alice, parts, ++seq))
    signed.set(uriOf(parts.path), `honest ${round}`)
    honest.push({ uri: uriOf(parts.path), bytes, seq })
    frames.push(bytes)
    sent.push({ seq })
    for (let n = rng.range(1, 3); n > 0; n--) {
      if (rng.chance(0.15)) {
        // A replay of an earlier honest frame: an old seq, out of order.
        const earlier = rng.pick(honest)
        frames.push(earlier.bytes)
        sent.push({ seq: earlier.seq })
        continue
      }
      const target = await commitPost(alice, `hostile ${round}.${n}`, false)
      signed.set(uriOf(target.path), `hostile ${round}.${n}`)
      const hostile = await hostileFrame(rng, alice, target, ++seq, mallory)
      frames.push(hostile.bytes)
      sent.push({ seq, hostile: { ...hostile, uri: uriOf(target.path) } })
    }
  }
  // The last frame is honest: once it is indexed, every frame before it was handled.
  const marker = await commitPost(alice, 'the end', true)
  frames.push(frameBytes(await commitBody(alice, marker, ++seq)))
  signed.set(uriOf(marker.path), 'the end')

  const { log, lines: warnings } = capturingLogger('warn')
  const keys = new Map([[alice.did, alice.keypair.did()], [mallory.did, mallory.keypair.did()]])
  const relay = await startFrameRelay(frames)
  const checker = createCommitChecker(1)
  const stop = new AbortController()
  const ingest = runLiveIngest({
    client,
    log,
    prefix,
    service: relay.url,
    signal: stop.signal,
    identity: new IdentityWorker({
      verifier: { verifyIdentity: async () => ({ handle: 'alice.test', handleValid: true, didDoc: {} }) },
      prefix,
      log,
    }),
    // Checked on a worker thread, as production does by default.
    verifier: new CommitVerifier({ signingKey: async (did) => keys.get(did) }, checker),
    flushBytes: 1_000_000,
    flushMs: 50,
    maxInFlight: 2,
  })
  const started = Date.now()
  try {
    const indexedPosts = async () => {
      const res = await client.search({
        index: `${prefix}posts*`,
        body: { query: { bool: { must_not: [{ term: { tomb: true } }] } }, size: 1000, _source: ['record.text'] },
      })
      return (res.body as any).hits.hits as { _id: string; _source: { record: { text: string } } }[]
    }
    await eventually('the last honest commit is indexed', async () => ((await indexedPosts()).some((h) => h._id === uriOf(marker.path)) ? true : undefined), 60_000)
    console.log(`ingest fuzz: seed ${seed}, ${frames.length} frames (${sent.filter((s) => s.hostile).length} hostile) in ${Date.now() - started} ms`)
    const indexed = await indexedPosts()
    const problems: string[] = []

    for (const hit of indexed) {
      if (signed.get(hit._id) !== hit._source.record.text) problems.push(`indexed what was not signed: ${hit._id} "${hit._source.record.text}"`)
    }
    const ids = new Set(indexed.map((h) => h._id))
    for (const h of honest) if (!ids.has(h.uri)) problems.push(`honest commit seq ${h.seq} (${h.uri}) not indexed`)
    for (const { seq: s, hostile } of sent) {
      if (!hostile) continue
      if (hostile.mustNotIndex && ids.has(hostile.uri)) problems.push(`seq ${s}: ${hostile.mutation}: indexed`)
      if (hostile.verifierRefuses && !warnings.some((w) => w.seq === s && w.reason && /refused|not indexed/.test(w.msg))) {
        problems.push(`seq ${s}: ${hostile.mutation}: no warning with a reason`)
      }
    }
    assert.deepEqual(problems, [], `FUZZ_SEED=${seed}`)
    assert.equal(relay.connections, 1, 'the stream was never dropped and reconnected')
  } finally {
    stop.abort()
    await ingest
    await checker.close()
    await relay.close()
  }
})

test('a frame replayed after later ones never moves the saved cursor back', async () => {
  const alice: Account = await createAccount('did:plc:fuzzreplayaaaaaaaaaaaaaa')
  const frames: Uint8Array[] = []
  for (let seq = 1; seq <= 3; seq++) frames.push(frameBytes(await commitBody(alice, await commitPost(alice, `post ${seq}`, true), seq)))
  // The relay sends 1, 2, 3 and then 1 again, as a relay replaying after a hiccup would.
  frames.push(frames[0]!)
  const relay = await startFrameRelay(frames)
  const log = pino({ level: 'silent' })
  try {
    const summary = await runLiveIngest({
      client,
      log,
      prefix,
      service: relay.url,
      exitWhenIdleSec: 1,
      identity: new IdentityWorker({ verifier: { verifyIdentity: async () => ({ handle: 'alice.test', handleValid: true, didDoc: {} }) }, prefix, log }),
      verifier: new CommitVerifier({ signingKey: async (did) => (did === alice.did ? alice.keypair.did() : undefined) }),
      flushBytes: 1_000_000,
      flushMs: 50,
      maxInFlight: 2,
    })
    assert.equal(summary.ackedCursor, 3, 'the cursor stays at the newest frame handled')
    // What a restart would resume from: the state store's copy.
    const saved = await new StateStore(client, prefix).get<{ seq: number }>(cursorKey(relay.url))
    assert.equal(saved?.seq, 3, 'the saved cursor stays at the newest frame handled')
  } finally {
    await relay.close()
  }
})
