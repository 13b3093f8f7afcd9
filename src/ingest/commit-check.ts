import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import { verifySignatureNative } from '#/crypto/native-verify.js'
import { readCarBlocks, type CarBlocks } from '#/ingest/car-blocks.js'
import { mstLookup } from '#/ingest/mst-proof.js'

/** What of a `#commit` message the proof checks read. */
export interface CommitProofInput {
  repo: string
  rev: string
  commit: CID
  blocks: Uint8Array
  ops: { action: string; path: string; cid: CID | null }[]
}

export type CommitCheck =
  | { ok: true; blocks: CarBlocks }
  /** `keyRejected`: only the key failed (absent or not the signer's): a fresh key may pass. */
  | { ok: false; reason: string; keyRejected?: boolean }

/**
 * Checks a commit the way a relay does — every block against its CID, the commit's signature
 * against `signingKey` (native ECDSA), each operation against the signed MST — synchronously and
 * with nothing but its arguments, so that it can run on a worker thread.
 */
export function checkCommit(msg: CommitProofInput, signingKey: string | undefined): CommitCheck {
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
  if (signingKey === undefined) return { ok: false, reason: 'signing key could not be resolved', keyRejected: true }
  if (!verifySignatureNative(signingKey, dagCbor.encode(unsigned), sig)) {
    return { ok: false, reason: 'signature does not match the signing key', keyRejected: true }
  }

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
  return { ok: true, blocks }
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

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
