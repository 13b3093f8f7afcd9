import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { readRepoCar, RepoCarError, type RepoLimits } from '#/ingest/backfill/repo-car.js'
import { createRepoProcessor } from '#/ingest/backfill/repo-processor.js'
import { cidMismatch, deepChain, memoryBomb, outOfOrderKeys, plainRepo, repeatedSubtrees, RepoBuilder, truncatedBlock, type CraftedRepo } from '../helpers/hostile-cars.js'

/**
 * Repos shaped to cost the reader, each signed with its DID's key so that only the tree's
 * shape or the bytes give them away: every one is refused with a reason after work in
 * proportion to its CAR, and an honest repo read beside them is unaffected.
 */

const DID = 'did:plc:hostilerepotest000000000'
const LIMITS: RepoLimits = { maxRecords: 1000, maxBlocks: 3000 }

function read(repo: CraftedRepo, limits: RepoLimits = LIMITS) {
  return readRepoCar(repo.car, { did: repo.did, signingKey: repo.signingKey }, limits)
}

function refused(repo: CraftedRepo, reason: RegExp, limits?: RepoLimits): void {
  assert.throws(() => read(repo, limits), (err: Error) => err instanceof RepoCarError && reason.test(err.message))
}

describe('hostile repo CARs are refused with a reason', () => {
  test('an honest crafted repo is read: the crafting itself is sound', async () => {
    const snap = read(await plainRepo(DID, 50))
    assert.equal(snap.signatureChecked, true)
    assert.equal(snap.records.length, 50)
  })

  test('nodes pointing at one shared subtree (2^60 paths in 61 blocks) are refused at once', async () => {
    const repo = await repeatedSubtrees(DID, 60)
    const started = performance.now()
    refused(repo, /reached twice/)
    assert.ok(performance.now() - started < 1000)
  })

  test('a shallower shared subtree is refused too, not read as its 2^14 paths', async () => {
    refused(await repeatedSubtrees(DID, 14), /reached twice/)
  })

  test('keys out of order across nodes are refused, though each node alone is in order', async () => {
    refused(await outOfOrderKeys(DID), /out of order/)
  })

  test('more entries than the record limit are refused, naming the limit', async () => {
    refused(await plainRepo(DID, 1001), /more than 1000 records \(BACKFILL_MAX_RECORDS\)/)
    assert.equal(read(await plainRepo(DID, 1000)).records.length, 1000)
  })

  test('more blocks than the block limit are refused before any is decoded', async () => {
    refused(await plainRepo(DID, 50), /more than 10 blocks \(BACKFILL_MAX_BLOCKS\)/, { maxRecords: 1000, maxBlocks: 10 })
  })

  test('a tree deeper than any honest one (129 nodes root to leaf) is refused', async () => {
    refused(await deepChain(DID, 129), /deeper than 129 levels/)
    assert.equal(read(await deepChain(DID, 128)).records.length, 1)
  })

  test('a key longer than atproto allows (1024 bytes) is refused, not kept as a bad key', async () => {
    const b = new RepoBuilder()
    const key = `app.bsky.feed.like/${'a'.repeat(1006)}`
    refused(await b.signed(DID, await b.node(null, [{ key, value: await b.like() }])), /key longer than 1024 bytes/)
  })

  test('a block whose bytes do not match its CID is refused', async () => {
    refused(await cidMismatch(DID), /does not match its CID/)
  })

  test('a CAR cut off inside a block is refused', async () => {
    refused(await truncatedBlock(DID), /truncated|Unexpected end/)
  })
})

describe('parsing workers have a heap limit', () => {
  test('a repo needing more than the heap is refused with a reason; a fresh worker reads the next repo', async () => {
    const processor = createRepoProcessor({ threads: 1, workerHeapMb: 64, limits: LIMITS })
    const job = (repo: CraftedRepo) => ({ did: repo.did, car: repo.car, signingKey: repo.signingKey, prefix: 't-', indexedAt: new Date().toISOString() })
    try {
      // 16 MB of CAR that decodes into far more than 64 MB of heap.
      const bomb = await processor.run(job(await memoryBomb(DID, 16_000_000)))
      assert.equal(bomb.ok, false)
      assert.match((bomb as { reason: string }).reason, /more than the worker's 64 MB heap \(BACKFILL_WORKER_HEAP_MB\)/)
      const honest = await processor.run(job(await plainRepo(DID, 20)))
      assert.equal(honest.ok, true, JSON.stringify(honest).slice(0, 300))
      assert.equal((honest as { records: number }).records, 20)
    } finally {
      await processor.close()
    }
  })
})
