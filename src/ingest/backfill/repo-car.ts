import * as dagCbor from '@ipld/dag-cbor'
import { isValidNsid, isValidRecordKey } from '@atproto/syntax'
import { CID } from 'multiformats/cid'
import { verifySignatureNative } from '#/crypto/native-verify.js'
import { CarLimitError, cidKey, readCarBlocks, type CarBlocks } from '#/ingest/car-blocks.js'

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

/** How much of a repo is read before it is refused as too big (BACKFILL_MAX_RECORDS / BACKFILL_MAX_BLOCKS). */
export interface RepoLimits {
  /** MST entries (records, and keys that are not record paths). */
  maxRecords: number
  /** Blocks in the CAR: records, MST nodes and the commit. */
  maxBlocks: number
}

/**
 * Nodes from the MST root down to a leaf, at most. A key's layer is the number of leading zero
 * bit pairs of its SHA-256, so no honest tree goes past 128 layers (a hash of all zeros), and
 * one of millions of keys is about a dozen deep; deeper is a crafted chain.
 */
const MST_MAX_DEPTH = 129

/** The longest MST key atproto allows; a record path (NSID/rkey) is at most 830. */
const MST_MAX_KEY_LENGTH = 1024

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
export function readRepoCar(bytes: Uint8Array, expect: { did: string; signingKey?: string }, limits: RepoLimits): RepoSnapshot {
  let blocks: CarBlocks
  try {
    blocks = readCarBlocks(bytes, { maxBlocks: limits.maxBlocks })
  } catch (err) {
    if (err instanceof CarLimitError) throw new RepoCarError(`${err.message} (BACKFILL_MAX_BLOCKS)`)
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
  for (const [key, cid] of walkMst(blocks, commit.data, limits.maxRecords)) {
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

type WalkItem = { node: CID; depth: number } | { key: string; value: CID }

/**
 * Every (key, value CID) of the MST in key order. Iterative (a deep tree must not blow the
 * stack); a node missing from the CAR means the repo is incomplete, which is an error. The walk
 * does work in proportion to the CAR, never more: a signed tree is still the author's to shape,
 * so a node reached twice (subtrees shared to expand exponentially), keys that do not strictly
 * increase, a tree deeper than any honest one or more entries than `maxRecords` refuse the repo.
 */
function* walkMst(blocks: CarBlocks, root: CID, maxRecords: number): Generator<[string, CID]> {
  const stack: WalkItem[] = [{ node: root, depth: 1 }]
  const visited = new Set<string>()
  let entries = 0
  let last: string | undefined
  while (stack.length > 0) {
    const item = stack.pop()!
    if ('key' in item) {
      if (last !== undefined && item.key <= last) {
        throw new RepoCarError(`MST keys are out of order: ${quote(item.key)} comes after ${quote(last)}`)
      }
      last = item.key
      yield [item.key, item.value]
      continue
    }
    const id = cidKey(item.node)
    if (visited.has(id)) throw new RepoCarError(`MST node ${item.node} is reached twice: a tree that re-uses a subtree is not an MST`)
    visited.add(id)
    if (item.depth > MST_MAX_DEPTH) throw new RepoCarError(`the MST is deeper than ${MST_MAX_DEPTH} levels`)
    const node = decodeNode(blocks, item.node)
    entries += node.e.length
    if (entries > maxRecords) throw new RepoCarError(`the repo has more than ${maxRecords} records (BACKFILL_MAX_RECORDS)`)
    // Keys are prefix-compressed against the previous entry of the same node.
    const expanded: WalkItem[] = []
    const depth = item.depth + 1
    if (node.l) expanded.push({ node: node.l, depth })
    let previous = ''
    for (const entry of node.e) {
      const wellFormed =
        entry.k instanceof Uint8Array && typeof entry.p === 'number' && entry.p <= previous.length && isCid(entry.v) && (entry.t == null || isCid(entry.t))
      if (!wellFormed) throw new RepoCarError(`MST node ${item.node} has a malformed entry`)
      if (entry.p + entry.k.length > MST_MAX_KEY_LENGTH) throw new RepoCarError(`MST node ${item.node} has a key longer than ${MST_MAX_KEY_LENGTH} bytes`)
      const key = previous.slice(0, entry.p) + Buffer.from(entry.k).toString('latin1')
      previous = key
      expanded.push({ key, value: entry.v })
      if (entry.t) expanded.push({ node: entry.t, depth })
    }
    for (let i = expanded.length - 1; i >= 0; i--) stack.push(expanded[i]!)
  }
}

function decodeNode(blocks: CarBlocks, cid: CID): { l?: CID | null; e: MstEntry[] } {
  const bytes = blocks.get(cid)
  if (!bytes) throw new RepoCarError(`MST node ${cid} is missing: the CAR is incomplete`)
  let node: { l?: CID | null; e?: MstEntry[] }
  try {
    node = dagCbor.decode(bytes) as typeof node
  } catch (err) {
    throw new RepoCarError(`MST node ${cid} is not DAG-CBOR: ${message(err)}`)
  }
  if (!node || !Array.isArray(node.e) || !(node.l == null || isCid(node.l))) throw new RepoCarError(`MST node ${cid} is malformed`)
  return node as { l?: CID | null; e: MstEntry[] }
}

function isCid(value: unknown): value is CID {
  return CID.asCID(value) !== null
}

/** A key for a message: JSON-quoted, and cut short (keys come from the repo). */
function quote(key: string): string {
  return JSON.stringify(key.length > 100 ? `${key.slice(0, 100)}…` : key)
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
