/**
 * The CPU half of backfilling one repo — CAR parse, hash checks, signature, MST walk, record
 * decode, validation, transform, serialization — as a task for worker threads, so the main
 * thread stays free for the network, the bulk writer and live ingest. Results cross back as
 * flat arrays of strings, which are far cheaper to copy between threads than op objects.
 */
import type { BulkOp } from '#/indexing/bulk-writer.js'
import type { SkippedRecord } from '#/ingest/commit-ops.js'
import { readRepoCar, RepoCarError, type RepoLimits } from '#/ingest/backfill/repo-car.js'
import { opsForSnapshot } from '#/ingest/backfill/snapshot-ops.js'

export interface RepoTask {
  did: string
  car: Uint8Array
  signingKey?: string
  prefix: string
  indexedAt: string
  limits: RepoLimits
}

export type RepoTaskResult =
  | {
      ok: true
      rev?: string
      commit: string
      signatureChecked: boolean
      records: number
      badKeys: string[]
      skipped: SkippedRecord[]
      written: Record<string, number>
      version: number
      /** One entry per write: target index, document id (AT URI), serialized document. */
      indices: string[]
      ids: string[]
      bodies: string[]
    }
  | { ok: false; reason: string }

export default function processRepo(task: RepoTask): RepoTaskResult {
  try {
    const snap = readRepoCar(task.car, { did: task.did, signingKey: task.signingKey }, task.limits)
    const writes = opsForSnapshot(task.prefix, snap, task.indexedAt)
    const n = writes.ops.length
    const indices = new Array<string>(n)
    const ids = new Array<string>(n)
    const bodies = new Array<string>(n)
    for (let i = 0; i < n; i++) {
      const op = writes.ops[i]!
      const meta = (op.action as { index: { _index: string; _id: string } }).index
      indices[i] = meta._index
      ids[i] = meta._id
      bodies[i] = op.body!
    }
    return {
      ok: true,
      rev: snap.rev,
      commit: snap.commit.toString(),
      signatureChecked: snap.signatureChecked,
      records: snap.records.length,
      badKeys: snap.badKeys,
      skipped: writes.skipped,
      written: writes.written,
      version: writes.version,
      indices,
      ids,
      bodies,
    }
  } catch (err) {
    if (err instanceof RepoCarError) return { ok: false, reason: err.message }
    return { ok: false, reason: `repo could not be read: ${err instanceof Error ? err.message : String(err)}` }
  }
}

/** The bulk writes of a successful task, rebuilt on the receiving side. */
export function taskOps(result: Extract<RepoTaskResult, { ok: true }>): BulkOp[] {
  const ops = new Array<BulkOp>(result.ids.length)
  for (let i = 0; i < ops.length; i++) {
    const id = result.ids[i]!
    ops[i] = {
      action: { index: { _index: result.indices[i]!, _id: id, version: result.version, version_type: 'external' } },
      body: result.bodies[i]!,
      ref: id,
    }
  }
  return ops
}
