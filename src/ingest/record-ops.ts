import { cborToLexRecord } from '@atproto/repo'
import { isValidNsid, isValidRecordKey } from '@atproto/syntax'
import type { CID } from 'multiformats/cid'
import type { CarBlocks } from '#/ingest/car-blocks.js'

/** One record operation of a commit, with the record decoded for creates and updates. */
export type RecordOpEvent =
  | { event: 'create' | 'update'; did: string; collection: string; rkey: string; uri: string; rev: string; cid: CID; record: Record<string, unknown> }
  | { event: 'delete'; did: string; collection: string; rkey: string; uri: string; rev: string }

export interface CommitOp {
  action: string
  path: string
  cid: CID | null
}

/** Why an operation of a commit could not be read (the other operations still are). */
export interface SkippedOp {
  path: string
  reason: string
}

/** The record operations of a commit, from blocks already checked against their CIDs. */
export function recordOpsFromCommit(
  msg: { repo: string; rev: string; ops: CommitOp[] },
  blocks: CarBlocks,
): { ops: RecordOpEvent[]; skipped: SkippedOp[] } {
  const ops: RecordOpEvent[] = []
  const skipped: SkippedOp[] = []
  for (const op of msg.ops) {
    const slash = op.path.indexOf('/')
    const collection = op.path.slice(0, slash)
    const rkey = op.path.slice(slash + 1)
    if (slash < 0 || !isValidNsid(collection) || !isValidRecordKey(rkey)) {
      skipped.push({ path: op.path, reason: 'not a collection/rkey path' })
      continue
    }
    const base = { did: msg.repo, collection, rkey, uri: `at://${msg.repo}/${op.path}`, rev: msg.rev }
    if (op.action === 'delete') {
      ops.push({ ...base, event: 'delete' })
      continue
    }
    if ((op.action !== 'create' && op.action !== 'update') || !op.cid) {
      skipped.push({ path: op.path, reason: `unknown action ${JSON.stringify(op.action)} or no CID` })
      continue
    }
    const bytes = blocks.get(op.cid)
    if (!bytes) {
      skipped.push({ path: op.path, reason: 'record block is not in the commit' })
      continue
    }
    try {
      ops.push({ ...base, event: op.action, cid: op.cid, record: cborToLexRecord(bytes) })
    } catch (err) {
      skipped.push({ path: op.path, reason: `record is not a DAG-CBOR map: ${err instanceof Error ? err.message : String(err)}` })
    }
  }
  return { ops, skipped }
}
