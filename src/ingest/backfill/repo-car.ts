import * as dagCbor from '@ipld/dag-cbor'
import { isValidNsid, isValidRecordKey } from '@atproto/syntax'
import type { CID } from 'multiformats/cid'
import { verifySignatureNative } from '#/crypto/native-verify.js'
import { readCarBlocks, type CarBlocks } from '#/ingest/car-blocks.js'

/** One record of a repo snapshot, its block already checked against its CID. */
export interface RepoRecord {
  collection: string
  rkey: string
  cid: CID
  bytes: Uint8Array
}

export interface RepoSnapshot {
  did: string
  /** The commit's revision; absent in legacy (v2) repos, whose commits predate revisions. */
  rev?: string
  commit: CID
  /** Repo format version of the commit (3, or 2 for legacy repos). */
  format: number
  records: RepoRecord[]
  /** MST entries whose key is not a collection/rkey path: kept out of the index, reported. */
  badKeys: string[]
  /** Whether the commit signature was checked (a signing key was at hand). */
  signatureChecked: boolean
}

/** Why a repo CAR was refused. No record of a refused CAR is indexed. */
export class RepoCarError extends Error {
  override name = 'RepoCarError'
}

interface Commit {
  did: string
  version: number
  data: CID
  rev?: string
  sig: Uint8Array
}

interface MstEntry {
  p: number
  k: Uint8Array
  v: CID
  t: CID | null
}

/**
 * A whole repository from its `getRepo` CAR, read in one synchronous pass: every block is
 * hashed against its CID, the commit is checked for the expected DID (and its signature when
 * the signing key is known), and the signed MST is walked in full. Either every record comes
 * back or the CAR is refused with a reason: a repo is never half read.
 */
export function readRepoCar(bytes: Uint8Array, expect: { did: string; signingKey?: string }): RepoSnapshot {
  let blocks: CarBlocks
  try {
    blocks = readCarBlocks(bytes)
  } catch (err) {
    throw new RepoCarError(`CAR is truncated, malformed or has a block that does not match its CID: ${message(err)}`)
  }
  const commitBytes = blocks.get(blocks.root)
  if (!commitBytes) throw new RepoCarError('the commit block named by the CAR root is missing')
  const commit = decodeCommit(commitBytes)
  if (commit.did !== expect.did) throw new RepoCarError(`the repo's commit is for ${commit.did}, not ${expect.did}`)

  let signatureChecked = false
  if (expect.signingKey) {
    const { sig, ...unsigned } = commit
    if (!verifySignatureNative(expect.signingKey, dagCbor.encode(unsigned), sig)) {
      throw new RepoCarError('the commit signature does not match the DID document signing key')
    }
    signatureChecked = true
  }

  const records: RepoRecord[] = []
  const badKeys: string[] = []
  for (const [key, cid] of walkMst(blocks, commit.data)) {
    const slash = key.indexOf('/')
    const collection = key.slice(0, slash)
    const rkey = key.slice(slash + 1)
    if (slash < 0 || !isValidNsid(collection) || !isValidRecordKey(rkey)) {
      badKeys.push(key)
      continue
    }
    const recordBytes = blocks.get(cid)
    if (!recordBytes) throw new RepoCarError(`record block ${cid} for ${key} is missing: the CAR is incomplete`)
    records.push({ collection, rkey, cid, bytes: recordBytes })
  }
  return { did: commit.did, rev: commit.rev, commit: blocks.root, format: commit.version, records, badKeys, signatureChecked }
}

function decodeCommit(bytes: Uint8Array): Commit {
  let c: Partial<Commit>
  try {
    c = dagCbor.decode(bytes) as Partial<Commit>
  } catch (err) {
    throw new RepoCarError(`the commit block is not DAG-CBOR: ${message(err)}`)
  }
  const wellFormed =
    typeof c === 'object' &&
    c !== null &&
    typeof c.did === 'string' &&
    (c.version === 3 || c.version === 2) &&
    (c.version === 2 || typeof c.rev === 'string') &&
    c.sig instanceof Uint8Array &&
    c.data !== undefined &&
    typeof (c.data as CID).equals === 'function'
  if (!wellFormed) throw new RepoCarError('the commit block is not a v2/v3 repo commit')
  return c as Commit
}

/**
 * Every (key, value CID) of the MST in key order. Iterative (a deep tree must not blow the
 * stack); a node missing from the CAR means the repo is incomplete, which is an error.
 */
function* walkMst(blocks: CarBlocks, root: CID): Generator<[string, CID]> {
  // Work items: a subtree to expand, or an entry whose key is ready to emit.
  const stack: ({ node: CID } | { key: string; value: CID })[] = [{ node: root }]
  while (stack.length > 0) {
    const item = stack.pop()!
    if ('key' in item) {
      yield [item.key, item.value]
      continue
    }
    const bytes = blocks.get(item.node)
    if (!bytes) throw new RepoCarError(`MST node ${item.node} is missing: the CAR is incomplete`)
    let node: { l?: CID | null; e?: MstEntry[] }
    try {
      node = dagCbor.decode(bytes) as typeof node
    } catch (err) {
      throw new RepoCarError(`MST node ${item.node} is not DAG-CBOR: ${message(err)}`)
    }
    if (!node || !Array.isArray(node.e)) throw new RepoCarError(`MST node ${item.node} is malformed`)
    // Keys are prefix-compressed against the previous entry of the same node.
    const expanded: ({ node: CID } | { key: string; value: CID })[] = []
    if (node.l) expanded.push({ node: node.l })
    let previous = ''
    for (const entry of node.e) {
      if (!(entry.k instanceof Uint8Array) || typeof entry.p !== 'number' || entry.p > previous.length) {
        throw new RepoCarError(`MST node ${item.node} has a malformed entry`)
      }
      const key = previous.slice(0, entry.p) + Buffer.from(entry.k).toString('latin1')
      previous = key
      expanded.push({ key, value: entry.v })
      if (entry.t) expanded.push({ node: entry.t })
    }
    for (let i = expanded.length - 1; i >= 0; i--) stack.push(expanded[i]!)
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
