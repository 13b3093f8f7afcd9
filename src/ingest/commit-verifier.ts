import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import { verifySignatureNative } from '#/crypto/native-verify.js'
import { readCarBlocks, type CarBlocks } from '#/ingest/car-blocks.js'
import { mstLookup } from '#/ingest/mst-proof.js'
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
 * Checks a commit the way a relay does — every block against its CID, the commit's signature
 * against the author's current key (native ECDSA), each operation against the signed MST — and
 * returns its record operations. A signature that fails with a cached key is retried once with
 * a freshly resolved one, since keys rotate.
 */
export class CommitVerifier {
  constructor(private readonly keys: SigningKeySource) {}

  async verify(msg: CommitMessage): Promise<CommitResult> {
    let blocks: CarBlocks
    try {
      blocks = readCarBlocks(msg.blocks)
    } catch (err) {
      return { ok: false, reason: `commit CAR is unreadable or a block does not match its CID: ${message(err)}` }
    }
    if (!msg.commit.equals(blocks.root)) return { ok: false, reason: 'CAR root is not the announced commit' }
    const commitBytes = blocks.get(blocks.root)
    const commit = commitBytes ? decodeCommit(commitBytes) : undefined
    if (!commit) return { ok: false, reason: 'commit block is missing or malformed' }
    if (commit.did !== msg.repo) return { ok: false, reason: `commit is for ${commit.did}, not ${msg.repo}` }
    if (commit.rev !== msg.rev) return { ok: false, reason: `commit rev ${commit.rev} differs from the message's ${msg.rev}` }

    const { sig, ...unsigned } = commit
    const signed = dagCbor.encode(unsigned)
    let key = await this.keys.signingKey(msg.repo)
    let valid = key !== undefined && verifySignatureNative(key, signed, sig)
    if (!valid) {
      key = await this.keys.signingKey(msg.repo, { forceRefresh: true })
      valid = key !== undefined && verifySignatureNative(key, signed, sig)
    }
    if (!valid) return { ok: false, reason: key ? 'signature does not match the signing key' : 'signing key could not be resolved' }

    for (const op of msg.ops) {
      let found: CID | null
      try {
        found = mstLookup(blocks, commit.data, op.path)
      } catch (err) {
        return { ok: false, reason: `MST proof for ${op.path}: ${message(err)}` }
      }
      const proven = op.action === 'delete' ? found === null : found !== null && op.cid !== null && op.cid.equals(found)
      if (!proven) return { ok: false, reason: `operation ${op.action} ${op.path} is not what the signed tree holds` }
    }
    return { ok: true, ...recordOpsFromCommit(msg, blocks) }
  }
}

interface Commit {
  did: string
  version: number
  data: CID
  rev: string
  prev: CID | null
  sig: Uint8Array
}

function decodeCommit(bytes: Uint8Array): Commit | undefined {
  try {
    const c = dagCbor.decode(bytes) as Partial<Commit>
    const ok =
      typeof c.did === 'string' &&
      c.version === 3 &&
      typeof c.rev === 'string' &&
      c.sig instanceof Uint8Array &&
      c.data !== undefined &&
      typeof (c.data as CID).equals === 'function'
    return ok ? (c as Commit) : undefined
  } catch {
    return undefined
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
