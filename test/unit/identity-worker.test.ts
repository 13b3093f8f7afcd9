import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { BulkOp, BulkWriter } from '#/indexing/bulk-writer.js'
import { IdentityWorker, type IdentityVerifier } from '#/ingest/identity-worker.js'
import { createLogger } from '#/log.js'

/** A verifier whose answers wait until the test releases them, counting how many wait at once. */
function heldVerifier() {
  const waiting: { did: string; release: () => void }[] = []
  let most = 0
  const verifier: IdentityVerifier = {
    verifyIdentity: (did) =>
      new Promise((resolve) => {
        waiting.push({ did, release: () => resolve({ handle: `${did.slice(8)}.test`, handleValid: true, didDoc: {} }) })
        most = Math.max(most, waiting.length)
      }),
  }
  const releaseAll = () => {
    for (const w of waiting.splice(0)) w.release()
  }
  return { verifier, waiting, most: () => most, releaseAll }
}

function collectingWriter() {
  const ops: BulkOp[] = []
  return { writer: { add: (op: BulkOp) => void ops.push(op) } as unknown as BulkWriter<number>, ops }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))
const log = createLogger('silent')

describe('identity worker', () => {
  test('verifies many DIDs at once, never more than its pool, and each DID once at a time', async () => {
    const held = heldVerifier()
    const { writer, ops } = collectingWriter()
    const worker = new IdentityWorker({ verifier: held.verifier, prefix: 'p-', log, concurrency: 16 })
    worker.attach(writer)
    for (let i = 0; i < 100; i++) worker.noticeDid(`did:plc:${i}`)
    // An identity event for a DID under way waits for it, and is then verified again.
    worker.enqueue('did:plc:0', 1_000)
    await tick()
    assert.equal(held.waiting.length, 16)
    assert.equal(held.waiting.filter((w) => w.did === 'did:plc:0').length, 1)
    while (held.waiting.length > 0) {
      held.releaseAll()
      await tick()
    }
    await worker.drain()
    assert.equal(held.most(), 16)
    assert.equal(ops.length, 101, 'every DID written, did:plc:0 twice')
  })

  test('the first notice of a DID says so; later ones do not', () => {
    const worker = new IdentityWorker({ verifier: heldVerifier().verifier, prefix: 'p-', log })
    assert.equal(worker.noticeDid('did:plc:a'), true)
    assert.equal(worker.noticeDid('did:plc:a'), false)
  })

  test('stopping does not wait for verifications that hang, and drops their late answers', async () => {
    const held = heldVerifier()
    const { writer, ops } = collectingWriter()
    const worker = new IdentityWorker({ verifier: held.verifier, prefix: 'p-', log, concurrency: 4, timeoutMs: 60_000 })
    worker.attach(writer)
    for (let i = 0; i < 10; i++) worker.noticeDid(`did:plc:${i}`)
    await tick()
    const started = Date.now()
    await worker.stop(200)
    assert.ok(Date.now() - started < 1_000, 'stopped after the grace period')
    held.releaseAll()
    await tick()
    assert.equal(ops.length, 0, 'nothing written after stopping')
    assert.equal(held.most(), 4, 'nothing started after stopping')
  })
})
