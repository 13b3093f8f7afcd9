import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { describe, test } from 'node:test'
import { Secp256k1Keypair } from '@atproto/crypto'
import { MemoryBlockstore, Repo, WriteOpAction, getFullRepo, type RecordCreateOp } from '@atproto/repo'
import { TID } from '@atproto/common-web'
import { CarBufferReader } from '@ipld/car/buffer-reader'
import * as dagCbor from '@ipld/dag-cbor'
import { loadConfig } from '#/config/env.js'
import { readRepoCar, RepoCarError } from '#/ingest/backfill/repo-car.js'
import { repoLimits } from '#/ingest/backfill/start.js'
import { opsForSnapshot } from '#/ingest/backfill/snapshot-ops.js'
import { repoCarsDir } from '../helpers/corpus.js'

/**
 * Reading whole repos: every real CAR gives exactly its records; a CAR that lies (a block
 * whose bytes do not match its CID, a cut-off download, another account's repo, a forged
 * signature) is refused with a reason and yields nothing.
 */

const CARS = repoCarsDir()
/** The defaults (config/env.ts), far above any of these repos. */
const LIMITS = repoLimits(loadConfig({}))

function commitOf(bytes: Uint8Array): { did: string; rev?: string; version: number } {
  const reader = CarBufferReader.fromBytes(bytes)
  return dagCbor.decode(reader.get(reader.getRoots()[0]!)!.bytes) as { did: string; rev?: string; version: number }
}

async function generatedRepo(records: number): Promise<{ car: Uint8Array; did: string; key: Secp256k1Keypair; paths: Map<string, string> }> {
  const key = await Secp256k1Keypair.create()
  const did = 'did:plc:generatedrepotest00000000'
  const storage = new MemoryBlockstore()
  const writes: RecordCreateOp[] = Array.from({ length: records }, (_, i) => ({
    action: WriteOpAction.Create as const,
    collection: i % 2 ? ('app.bsky.feed.post' as const) : ('app.bsky.feed.like' as const),
    rkey: TID.nextStr(),
    record:
      i % 2
        ? { $type: 'app.bsky.feed.post', text: `post ${i}`, createdAt: new Date().toISOString() }
        : {
            $type: 'app.bsky.feed.like',
            subject: { uri: 'at://did:plc:x/app.bsky.feed.post/3kabc', cid: 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm' },
            createdAt: new Date().toISOString(),
          },
  }))
  const repo = await Repo.create(storage, did, key, writes)
  const chunks: Uint8Array[] = []
  for await (const chunk of getFullRepo(storage, repo.cid)) chunks.push(chunk)
  const car = new Uint8Array(Buffer.concat(chunks))
  const paths = new Map<string, string>()
  for (const w of writes) paths.set(`${w.collection}/${w.rkey}`, '')
  return { car, did, key, paths }
}

describe('readRepoCar', () => {
  const expected: Record<string, number> = {
    'repo-stream_little.car': 278,
    'repo-stream_tiny.car': 8,
    'repo-stream_empty.car': 0,
    'php-car_repo.car': 83,
    'bnewbold.robocracy.org.20250310005405.car': 38,
    'indigo_greenground.repo.car': 2,
    'indigo_paul_staging.repo.car': 185,
    'arroba_snarfed2.car': 5,
    'rsky_valid_repo.car': 6,
  }

  test('every real CAR yields its record count (SOURCES.md), the empty and the legacy v2 repo included', () => {
    const files = readdirSync(CARS).filter((f) => f.endsWith('.car'))
    assert.deepEqual(files.sort(), Object.keys(expected).sort())
    for (const file of files) {
      const bytes = readFileSync(`${CARS}/${file}`)
      const snap = readRepoCar(bytes, { did: commitOf(bytes).did }, LIMITS)
      assert.equal(snap.records.length, expected[file], file)
      assert.deepEqual(snap.badKeys, [], file)
    }
  })

  test('the legacy v2 repo has no rev and is written at the lowest version, so any later revision wins', () => {
    const bytes = readFileSync(`${CARS}/indigo_paul_staging.repo.car`)
    const snap = readRepoCar(bytes, { did: commitOf(bytes).did }, LIMITS)
    assert.equal(snap.format, 2)
    assert.equal(snap.rev, undefined)
    const writes = opsForSnapshot('t-', snap, new Date().toISOString())
    assert.equal(writes.version, 1)
    assert.equal(writes.ops.length + writes.skipped.length, 185)
  })

  test('a generated repo: signature checked with its key, every record path and CID as written', async () => {
    const { car, did, key, paths } = await generatedRepo(300)
    const snap = readRepoCar(car, { did, signingKey: key.did() }, LIMITS)
    assert.equal(snap.signatureChecked, true)
    assert.deepEqual(new Set(snap.records.map((r) => `${r.collection}/${r.rkey}`)), new Set(paths.keys()))
    const writes = opsForSnapshot('t-', snap, new Date().toISOString())
    assert.equal(writes.ops.length, 300)
    assert.deepEqual(writes.written, { 'app.bsky.feed.post': 150, 'app.bsky.feed.like': 150 })
  })

  test('a forged signature is refused', async () => {
    const { car, did } = await generatedRepo(10)
    const other = await Secp256k1Keypair.create()
    assert.throws(() => readRepoCar(car, { did, signingKey: other.did() }, LIMITS), (err: Error) => err instanceof RepoCarError && /signature/.test(err.message))
  })

  test("another account's repo is refused", () => {
    const bytes = readFileSync(`${CARS}/repo-stream_tiny.car`)
    assert.throws(() => readRepoCar(bytes, { did: 'did:plc:someoneelse' }, LIMITS), /not did:plc:someoneelse/)
  })

  test('a block whose bytes do not match its CID is refused, whatever block it is', () => {
    const bytes = readFileSync(`${CARS}/repo-stream_little.car`)
    const did = commitOf(bytes).did
    // Flip one byte near the end (inside some block's data) and near the middle.
    for (const at of [bytes.length - 20, Math.floor(bytes.length / 2)]) {
      const corrupt = new Uint8Array(bytes)
      corrupt[at] = corrupt[at]! ^ 0xff
      assert.throws(() => readRepoCar(corrupt, { did }, LIMITS), (err: Error) => err instanceof RepoCarError && /CID|malformed|truncated/.test(err.message))
    }
  })

  test('a truncated CAR is refused, never read as a smaller repo', () => {
    const bytes = readFileSync(`${CARS}/repo-stream_little.car`)
    const did = commitOf(bytes).did
    for (const keep of [0.99, 0.5, 0.1]) {
      const cut = bytes.subarray(0, Math.floor(bytes.length * keep))
      assert.throws(() => readRepoCar(cut, { did }, LIMITS), RepoCarError, `cut at ${keep}`)
    }
  })
})
