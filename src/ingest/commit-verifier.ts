import type { CID } from 'multiformats/cid'
import { readCarBlocks, type CarBlocks } from '#/ingest/car-blocks.js'
import { message } from '#/ingest/commit-check.js'
import { inlineCommitChecker, type CommitChecker } from '#/ingest/commit-checker.js'
import { recordOpsFromCommit, type CommitOp, type RecordOpEvent, type SkippedOp } from '#/ingest/record-ops.js'

/** The parts of a `#commit` message the ingest reads (as validated by the firehose reader). */
export interface CommitMessage {
  seq: number
  repo: string
  rev: string
  time: string
  commit: CID
  blocks: Uint8Array
  ops: CommitOp[]
}

export type CommitResult = { ok: true; ops: RecordOpEvent[]; skipped: SkippedOp[] } | { ok: false; reason: string }

export interface SigningKeySource {
  /** The DID's current atproto signing key as a did:key, or undefined when it cannot be resolved. */
  signingKey(did: string, opts?: { forceRefresh?: boolean }): Promise<string | undefined>
}

/** Read a commit trusting the relay's checks: only that every block matches its CID. */
export function readCommitTrusted(msg: CommitMessage): CommitResult {
  let blocks: CarBlocks
  try {
    blocks = readCarBlocks(msg.blocks)
  } catch (err) {
    return { ok: false, reason: `commit CAR is unreadable: ${message(err)}` }
  }
  return { ok: true, ...recordOpsFromCommit(msg, blocks) }
}

/**
 * Checks a commit the way a relay does (commit-check.ts) — on worker threads when given a pool —
 * and returns its record operations. A signature that fails with a cached key is retried once
 * with a freshly resolved one, since keys rotate.
 */
export class CommitVerifier {
  constructor(
    private readonly keys: SigningKeySource,
    private readonly checker: CommitChecker = inlineCommitChecker,
  ) {}

  async verify(msg: CommitMessage): Promise<CommitResult> {
    let checked = await this.checker.check(msg, await this.keys.signingKey(msg.repo))
    if (!checked.ok && checked.keyRejected) {
      checked = await this.checker.check(msg, await this.keys.signingKey(msg.repo, { forceRefresh: true }))
    }
    if (!checked.ok) return { ok: false, reason: checked.reason }
    return { ok: true, ...recordOpsFromCommit(msg, checked.blocks) }
  }

  close(): Promise<void> {
    return this.checker.close()
  }
}
