/**
 * Commit proof checks (commit-check.ts) as a task for worker threads, so that verified live
 * ingest uses more than one core. What crosses between threads is kept flat: the CAR's bytes
 * (moved, not copied), CIDs as bytes, and back only where each op's record sits in the CAR;
 * commits travel in batches, since each message between threads has a fixed cost.
 */
import { CID } from 'multiformats/cid'
import { checkCommit } from '#/ingest/commit-check.js'

export interface CommitTask {
  repo: string
  rev: string
  commit: Uint8Array
  /** A CAR of its own (offset 0 of its buffer), so that offsets into it mean the same on both sides. */
  blocks: Uint8Array
  ops: { action: string; path: string; cid: Uint8Array | null }[]
  signingKey?: string
}

export type CommitTaskResult =
  /** Per op, the offset and length of its record block in `blocks` (-1, 0 when it has none). */
  | { ok: true; records: number[] }
  | { ok: false; reason: string; keyRejected?: boolean }

/** A batch of commits per message between threads: one round trip carries many. */
export default function checkCommitTasks(tasks: CommitTask[]): CommitTaskResult[] {
  return tasks.map(checkCommitTask)
}

function checkCommitTask(task: CommitTask): CommitTaskResult {
  let msg
  try {
    msg = {
      repo: task.repo,
      rev: task.rev,
      commit: CID.decode(task.commit),
      blocks: task.blocks,
      ops: task.ops.map((op) => ({ action: op.action, path: op.path, cid: op.cid && CID.decode(op.cid) })),
    }
  } catch (err) {
    return { ok: false, reason: `commit names a malformed CID: ${err instanceof Error ? err.message : String(err)}` }
  }
  const checked = checkCommit(msg, task.signingKey)
  if (!checked.ok) return checked
  const records: number[] = []
  for (const op of msg.ops) {
    const bytes = op.cid ? checked.blocks.get(op.cid) : undefined
    if (bytes) records.push(bytes.byteOffset - task.blocks.byteOffset, bytes.byteLength)
    else records.push(-1, 0)
  }
  return { ok: true, records }
}
