import { Piscina } from 'piscina'
import type { CID } from 'multiformats/cid'
import { cidKey, type CarBlocks } from '#/ingest/car-blocks.js'
import { checkCommit, message, type CommitCheck, type CommitProofInput } from '#/ingest/commit-check.js'
import type { CommitTask, CommitTaskResult } from '#/ingest/commit-worker.js'

/** The worker file sits beside this one: `.ts` when run through tsx, `.js` when compiled to dist/. */
const WORKER_EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js'

/** Where commit proofs are checked: worker threads, or the calling thread. */
export interface CommitChecker {
  check(msg: CommitProofInput, signingKey: string | undefined): Promise<CommitCheck>
  close(): Promise<void>
}

/** On the calling thread: no copies, no messages (tests, profiling, `VERIFY_THREADS=0`). */
export const inlineCommitChecker: CommitChecker = {
  check: async (msg, signingKey) => checkCommit(msg, signingKey),
  close: async () => undefined,
}

/**
 * A pool of `threads` workers checking commits (CAR hashes, signature, MST proofs): the
 * main thread keeps the stream, the records and the writes. Callers bound how many commits they
 * hand over at once (live ingest's look-ahead window); answers come back in any order and the
 * caller puts them back in stream order.
 */
export function createCommitChecker(threads: number): CommitChecker {
  if (threads <= 0) return inlineCommitChecker
  const pool = new Piscina<CommitTask[], CommitTaskResult[]>({
    filename: new URL(`./commit-worker${WORKER_EXT}`, import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
  })
  // Commits asked for in the same turn of the event loop go to a worker together.
  let batch: { msg: CommitProofInput; task: CommitTask; resolve: (check: CommitCheck) => void }[] = []
  let scheduled = false
  const send = (): void => {
    scheduled = false
    const sent = batch
    batch = []
    if (sent.length === 0) return
    pool.run(
      sent.map((b) => b.task),
      { transferList: sent.map((b) => b.task.blocks.buffer as ArrayBuffer) },
    ).then(
      (results) => sent.forEach((b, i) => b.resolve(fromWorker(b.msg, results[i]!))),
      (err: unknown) => sent.forEach((b) => b.resolve({ ok: false, reason: `the verifying worker failed: ${message(err)}` })),
    )
  }
  return {
    check: (msg, signingKey) =>
      new Promise((resolve) => {
        batch.push({ msg, task: taskFor(msg, signingKey), resolve })
        if (batch.length >= MAX_BATCH) send()
        else if (!scheduled) {
          scheduled = true
          setImmediate(send)
        }
      }),
    close: () => pool.close(),
  }
}

/** Commits per message to a worker at most: enough to amortize the message, few enough to share among workers. */
const MAX_BATCH = 32

function taskFor(msg: CommitProofInput, signingKey: string | undefined): CommitTask {
  return {
    repo: msg.repo,
    rev: msg.rev,
    commit: msg.commit.bytes.slice(),
    blocks: new Uint8Array(msg.blocks), // a buffer of its own, moved to the worker
    ops: msg.ops.map((op) => ({ action: op.action, path: op.path, cid: op.cid ? op.cid.bytes.slice() : null })),
    signingKey,
  }
}

function fromWorker(msg: CommitProofInput, result: CommitTaskResult): CommitCheck {
  return result.ok ? { ok: true, blocks: recordBlocks(msg, result.records) } : result
}

/** The op records a worker found, as blocks read from the caller's own copy of the CAR. */
function recordBlocks(msg: CommitProofInput, records: number[]): CarBlocks {
  const byCid = new Map<string, Uint8Array>()
  msg.ops.forEach((op, i) => {
    const offset = records[2 * i]!
    if (op.cid && offset >= 0) byCid.set(cidKey(op.cid), msg.blocks.subarray(offset, offset + records[2 * i + 1]!))
  })
  return { root: msg.commit, get: (cid: CID) => byCid.get(cidKey(cid)) }
}
