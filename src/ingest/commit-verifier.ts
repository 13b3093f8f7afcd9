import * as dagCbor from '@ipld/dag-cbor'
import { MST, MemoryBlockstore, cborToLexRecord, def, formatDataKey, parseDataKey, readCarWithRoot, type BlockMap } from '@atproto/repo'
import type { CommitEvt } from '@atproto/sync'
import { AtUri } from '@atproto/syntax'
import { verifySignatureNative } from '#/crypto/native-verify.js'

/** The parts of a `#commit` message the verifier reads (as validated by the firehose reader). */
export interface CommitMessage {
  seq: number
  repo: string
  rev: string
  time: string
  commit: { toString(): string; equals(other: unknown): boolean }
  blocks: Uint8Array
  ops: { action: string; path: string; cid: { toString(): string; equals(other: unknown): boolean } | null }[]
}

export type VerifyResult = { ok: true; evts: CommitEvt[] } | { ok: false; reason: string }

export interface SigningKeySource {
  /** The DID's current atproto signing key as a did:key, or undefined when it cannot be resolved. */
  signingKey(did: string, opts?: { forceRefresh?: boolean }): Promise<string | undefined>
}

/**
 * Checks a commit the way a relay does — every block against its CID, the commit's signature
 * against the author's current key (native ECDSA), each operation against the signed MST — and
 * returns its record operations. A signature that fails with a cached key is retried once with
 * a freshly resolved one, since keys rotate.
 */
export class CommitVerifier {
  constructor(private readonly keys: SigningKeySource) {}

  async verify(msg: CommitMessage): Promise<VerifyResult> {
    let car: { root: unknown; blocks: BlockMap }
    try {
      car = await readCarWithRoot(msg.blocks)
    } catch (err) {
      return { ok: false, reason: `commit CAR is unreadable or a block does not match its CID: ${message(err)}` }
    }
    if (!msg.commit.equals(car.root)) return { ok: false, reason: 'CAR root is not the announced commit' }
    const store = new MemoryBlockstore(car.blocks)
    let commit
    try {
      commit = await store.readObj(car.root as never, def.commit)
    } catch (err) {
      return { ok: false, reason: `commit block is malformed: ${message(err)}` }
    }
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

    const mst = MST.load(store, commit.data)
    for (const op of msg.ops) {
      const { collection, rkey } = parseDataKey(op.path)
      let found
      try {
        found = await mst.get(formatDataKey(collection, rkey))
      } catch (err) {
        return { ok: false, reason: `MST proof for ${op.path} is incomplete: ${message(err)}` }
      }
      const proven = op.action === 'delete' ? found === null : found !== null && op.cid !== null && op.cid.equals(found)
      if (!proven) return { ok: false, reason: `operation ${op.action} ${op.path} is not what the signed tree holds` }
    }
    return { ok: true, evts: commitEvents(msg, car.blocks) }
  }
}

/** Record operations of a commit whose blocks have been read (and checked against their CIDs). */
export function commitEvents(msg: CommitMessage, blocks: BlockMap): CommitEvt[] {
  const evts: CommitEvt[] = []
  for (const op of msg.ops) {
    const uri = AtUri.make(msg.repo, op.path)
    const meta = {
      seq: msg.seq,
      time: msg.time,
      commit: msg.commit,
      blocks,
      rev: msg.rev,
      uri,
      did: uri.did,
      collection: uri.collection,
      rkey: uri.rkey,
    } as Omit<CommitEvt, 'event'>
    if (op.action === 'delete') {
      evts.push({ ...meta, event: 'delete' } as CommitEvt)
      continue
    }
    if ((op.action !== 'create' && op.action !== 'update') || !op.cid) continue
    const bytes = blocks.get(op.cid as never)
    if (!bytes) continue
    evts.push({ ...meta, event: op.action, cid: op.cid, record: cborToLexRecord(bytes) } as CommitEvt)
  }
  return evts
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
