/**
 * Where does a firehose event's CPU go? Runs Magpie's per-event work on a cached stream
 * (gen-stream.ts) in one thread, without a websocket or OpenSearch, as separate passes over
 * the frames (so each pass pays for its own garbage collection), timing each stage:
 *
 *   trusted    decode (Frame.fromBytes) → lexicon (assertValidMessage, as firehose-reader.ts)
 *              → parse (@atproto/sync parseCommitUnauthenticated) → ops (opsForCommit)
 *   verified   decode → lexicon → verify (CommitVerifier.verify) → ops
 *   verify, step by step   the verifier's library calls one at a time: CAR read with CID
 *              checks, commit block, signature (per key type), MST proofs, record decoding
 *   ops, step by step      validate (record lexicon), json (lexToJson), doc (transform +
 *              JSON.stringify + routing)
 *   prototypes (--alt)     leaner versions of the hot steps, each checked against the
 *              library's answer: a synchronous CAR read (@ipld/car CarBufferReader +
 *              node:crypto sha256, blocks keyed by CID bytes) and a direct MST proof walk
 *
 *   node --expose-gc --import tsx bench/pipeline-profile.ts [--accounts 2000 --events 300000
 *     --seed 1 --p256 0.1] [--limit N] [--check] [--alt]
 *   --check  only count what verification or record validation refuses (exit 1 if anything)
 *   --passes trusted,verified,verify-steps,ops-steps  which passes to run (a CPU profile of one)
 *
 * Prints a table and JSON lines ({"bench":"pipeline","pass":…,"stage":…,"us":…}).
 */
import { parseArgs } from 'node:util'
import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import { lexicons } from '@atproto/api'
import { MST, MemoryBlockstore, cborToLexRecord, def, formatDataKey, parseDataKey, readCarWithRoot } from '@atproto/repo'
import { parseCommitUnauthenticated, type CommitEvt } from '@atproto/sync'
import { Frame } from '@atproto/xrpc-server'
import { verifySignatureNative } from '#/crypto/native-verify.js'
import { parseDidDoc } from '#/identity/did-resolver.js'
import { familyForCollection } from '#/indexing/families.js'
import { recordWriteOp } from '#/indexing/operations.js'
import { toRecordJson } from '#/indexing/record-json.js'
import { versionForRev } from '#/indexing/tid.js'
import { validateRecord } from '#/indexing/validate-record.js'
import { CommitVerifier, readCommitTrusted } from '#/ingest/commit-verifier.js'
import { opsForCommit } from '#/ingest/commit-ops.js'
import { createLogger } from '#/log.js'
import { loadDidDocs, loadFrames, loadManifest, streamFiles, streamOptions, streamParamsFrom, type StreamParams } from './stream-cache.js'
import { readCarBlocks } from '#/ingest/car-blocks.js'
import { mstLookup } from '#/ingest/mst-proof.js'
import { assertValidMessage } from '#/ingest/firehose-reader.js'

const { values } = parseArgs({
  options: {
    ...streamOptions,
    limit: { type: 'string' },
    check: { type: 'boolean', default: false },
    alt: { type: 'boolean', default: false },
    passes: { type: 'string', default: 'trusted,verified,verify-steps,ops-steps' },
  },
})
const params: StreamParams = streamParamsFrom(values)
const files = streamFiles(params)
const manifest = loadManifest(files.manifest)
const docs = loadDidDocs(files.didDocs)
const keys = new Map<string, string>()
for (const [did, doc] of Object.entries(docs)) {
  const parsed = parseDidDoc(did, doc)
  if (typeof parsed !== 'string' && parsed.signingKey) keys.set(did, parsed.signingKey)
}
let frames = await loadFrames(files.frames)
if (values.limit) frames = frames.slice(0, Number(values.limit))
const log = createLogger('silent')
const verifier = new CommitVerifier({ signingKey: async (did) => keys.get(did) })

const SUBSCRIBE_REPOS = 'com.atproto.sync.subscribeRepos'
const sigByAlg: Record<string, number> = {}

// Prototypes (--alt) -------------------------------------------------------------------------

// The prototypes measured here became src/ingest/car-blocks.ts and src/ingest/mst-proof.ts.

type Body = Record<string, any> & { $type: string }

/** Decoded #commit bodies, as the firehose reader hands them on. */
function decodeCommit(chunk: Uint8Array): Body | undefined {
  const frame = Frame.fromBytes(chunk)
  if (!frame.isMessage() || frame.type !== '#commit') return undefined
  return { ...(frame.body as Record<string, unknown>), $type: `${SUBSCRIBE_REPOS}#commit` }
}

interface PassResult {
  name: string
  totalMs: number
  stages: Record<string, number>
}

/**
 * One pass over every frame. Passes are separate so that the garbage one stage makes is
 * collected (and billed) within its own pass; stage times include the GC pauses that land in them.
 */
async function pass(name: string, fn: (chunk: Uint8Array, time: <T>(stage: string, f: () => T | Promise<T>) => Promise<T>) => Promise<void>): Promise<PassResult> {
  const stages: Record<string, number> = {}
  const time = async <T>(stage: string, f: () => T | Promise<T>): Promise<T> => {
    const t = performance.now()
    const r = await f()
    stages[stage] = (stages[stage] ?? 0) + performance.now() - t
    return r
  }
  // Warm the JIT on the first frames, then measure the whole stream.
  for (const chunk of frames.slice(0, 2000)) await fn(chunk, (_s, f) => Promise.resolve(f()))
  globalThis.gc?.()
  const t = performance.now()
  for (const chunk of frames) await fn(chunk, time)
  return { name, totalMs: performance.now() - t, stages }
}

let refused = 0
let invalid = 0
const reasons = new Map<string, number>()
const note = (reason: string): void => {
  reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
}

const passes: PassResult[] = []
if (values.check) {
  passes.push(
    await pass('check', async (chunk) => {
      const body = decodeCommit(chunk)
      if (!body) return
      lexicons.assertValidXrpcMessage(SUBSCRIBE_REPOS, body)
      const verified = await verifier.verify(body as never)
      if (!verified.ok) {
        refused++
        return note(verified.reason)
      }
      for (const evt of verified.ops) {
        if (evt.event === 'delete') continue
        const valid = validateRecord(evt.collection, evt.record)
        if (!valid.ok) {
          invalid++
          note(`invalid ${evt.collection}: ${valid.reason}`)
        }
      }
    }),
  )
  process.stdout.write(`${frames.length} frames checked; refused by the verifier: ${refused}; invalid records: ${invalid}\n`)
  for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 10)) process.stdout.write(`  ${n}× ${reason.slice(0, 200)}\n`)
  process.stdout.write(`${refused === 0 && invalid === 0 ? 'OK' : 'PROBLEMS'} (manifest: ${manifest.expected.recordOps} record ops in the full stream)\n`)
  process.exit(refused === 0 && invalid === 0 ? 0 : 1)
}

const indexedAt = new Date().toISOString()
const wanted = new Set(values.passes.split(','))
if (wanted.has('trusted')) passes.push(
  await pass('trusted', async (chunk, time) => {
    const body = await time('decode (Frame.fromBytes)', () => decodeCommit(chunk))
    if (!body) return
    await time('lexicon (message)', () => assertValidMessage(body))
    const read = await time('parse (readCommitTrusted)', () => readCommitTrusted(body as never))
    if (!read.ok) throw new Error(`refused: ${read.reason}`)
    await time('ops (opsForCommit)', () => opsForCommit('bench-', read.ops, indexedAt, log))
  }),
)
if (wanted.has('verified')) passes.push(
  await pass('verified', async (chunk, time) => {
    const body = await time('decode (Frame.fromBytes)', () => decodeCommit(chunk))
    if (!body) return
    await time('lexicon (message)', () => assertValidMessage(body))
    const verified = await time('verify (CommitVerifier.verify)', () => verifier.verify(body as never))
    if (!verified.ok) throw new Error(`refused: ${verified.reason}`)
    await time('ops (opsForCommit)', () => opsForCommit('bench-', verified.ops, indexedAt, log))
  }),
)
if (wanted.has('verify-steps')) passes.push(
  await pass('verify, step by step', async (chunk, time) => {
    const body = decodeCommit(chunk)
    if (!body) return
    // The verifier's steps, one at a time (the same library calls as commit-verifier.ts).
    const car = await time('car (readCarWithRoot)', () => readCarWithRoot(body.blocks))
    const store = new MemoryBlockstore(car.blocks)
    const commit = await time('commit block (readObj)', () => store.readObj(car.root as never, def.commit))
    const key = keys.get(body.repo)!
    const alg = key.startsWith('did:key:zQ3s') ? 'ES256K' : 'ES256'
    sigByAlg[alg] = (sigByAlg[alg] ?? 0) + 1
    await time(`sig ${alg} (share of above)`, () => {
      const { sig, ...unsigned } = commit
      return verifySignatureNative(key, dagCbor.encode(unsigned), sig)
    })
    await time('mst proofs (MST.load + get)', async () => {
      const mst = MST.load(store, commit.data)
      for (const op of body.ops) {
        const { collection, rkey } = parseDataKey(op.path)
        await mst.get(formatDataKey(collection, rkey))
      }
    })
    await time('records (cborToLexRecord)', () => {
      for (const op of body.ops) if (op.cid) cborToLexRecord(car.blocks.get(op.cid)!)
    })
  }),
)
if (wanted.has('ops-steps')) passes.push(
  await pass('ops, step by step', async (chunk, time) => {
    const body = decodeCommit(chunk)
    if (!body) return
    const evts: CommitEvt[] = await parseCommitUnauthenticated(body as never)
    for (const evt of evts) {
      if (evt.event === 'delete') continue
      await time('validate (lexicon)', () => validateRecord(evt.collection, evt.record))
      const record = await time('json (lexToJson)', () => toRecordJson(evt.record))
      await time('doc (transform + JSON.stringify)', () =>
        recordWriteOp('bench-', familyForCollection(evt.collection), { did: evt.did, collection: evt.collection, rkey: evt.rkey, cid: evt.cid.toString(), record, indexedAt }, versionForRev(evt.rev)!),
      )
    }
  }),
)
if (values.alt) {
  passes.push(
    await pass('prototypes', async (chunk, time) => {
      const body = decodeCommit(chunk)
      if (!body) return
      const fast = await time('car (sync reader + node:crypto sha256)', () => readCarBlocks(body.blocks))
      if (!fast.root.equals(body.commit)) throw new Error('alt car: wrong root')
      await time('records (dag-cbor decode)', () => {
        for (const op of body.ops) if (op.cid) cborToLexRecord(fast.get(op.cid)!)
      })
      const commit = dagCbor.decode(fast.get(body.commit)!) as { data: CID }
      await time('mst proofs (direct walk)', () => {
        for (const op of body.ops) {
          const found = mstLookup(fast, commit.data, op.path)
          const ok = op.action === 'delete' ? found === null : found !== null && found.equals(op.cid)
          if (!ok) throw new Error(`alt mst walk disagrees on ${op.path}`)
        }
      })
      // Everything CommitVerifier.verify does, with the two prototypes (signature still OpenSSL).
      await time('verify, all steps (prototype; sig OpenSSL)', () => {
        const car = readCarBlocks(body.blocks)
        if (!car.root.equals(body.commit)) throw new Error('wrong root')
        const signed = dagCbor.decode(car.get(body.commit)!) as { did: string; rev: string; data: CID; sig: Uint8Array }
        if (signed.did !== body.repo || signed.rev !== body.rev) throw new Error('commit does not match the message')
        const { sig, ...unsigned } = signed
        if (!verifySignatureNative(keys.get(body.repo)!, dagCbor.encode(unsigned), sig)) throw new Error('bad signature')
        for (const op of body.ops) {
          const found = mstLookup(car, signed.data, op.path)
          const ok = op.action === 'delete' ? found === null : found !== null && found.equals(op.cid)
          if (!ok) throw new Error(`not proven: ${op.path}`)
          if (op.cid) cborToLexRecord(car.get(op.cid)!)
        }
      })
    }),
  )
}

const events = frames.length
const mb = frames.reduce((n, f) => n + f.length, 0) / 1e6
process.stdout.write(`${events} frames (${mb.toFixed(1)} MB); commits by key type ${JSON.stringify(sigByAlg)}\n`)
for (const p of passes) {
  process.stdout.write(`\n${p.name}: ${((p.totalMs * 1000) / events).toFixed(1)} µs/event for the whole pass → ${Math.round(events / (p.totalMs / 1000)).toLocaleString('en')} events/s on one core\n`)
  for (const [stage, ms] of Object.entries(p.stages)) {
    const alg = /^sig (ES256K?) /.exec(stage)?.[1]
    const n = alg ? (sigByAlg[alg] ?? 1) : events
    const label = alg ? stage.replace('(share of above)', '(µs per signature)') : stage
    process.stdout.write(`  ${label.padEnd(40)} ${((ms * 1000) / n).toFixed(1).padStart(8)} µs\n`)
    process.stdout.write('')
  }
}
process.stdout.write('\n')
for (const p of passes) {
  process.stdout.write(`${JSON.stringify({ bench: 'pipeline', pass: p.name, us_per_event: Math.round((p.totalMs * 10000) / events) / 10, events })}\n`)
  for (const [stage, ms] of Object.entries(p.stages)) {
    const alg = /^sig (ES256K?) /.exec(stage)?.[1]
    const n = alg ? (sigByAlg[alg] ?? 1) : events
    process.stdout.write(`${JSON.stringify({ bench: 'pipeline', pass: p.name, stage: stage.replace(' (share of above)', ''), us: Math.round((ms * 10000) / n) / 10, per: alg ? 'signature' : 'event' })}\n`)
  }
}
