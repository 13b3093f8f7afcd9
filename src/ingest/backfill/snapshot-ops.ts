import { cborToLexRecord } from '@atproto/repo'
import type { BulkOp } from '#/indexing/bulk-writer.js'
import { familyForCollection } from '#/indexing/families.js'
import { versionForRev } from '#/indexing/tid.js'
import { isSkipped, metricLabel, recordWrite, type SkippedRecord } from '#/ingest/commit-ops.js'
import { RepoCarError, type RepoSnapshot } from '#/ingest/backfill/repo-car.js'

/**
 * Legacy (v2) commits have no revision. Their records get the lowest version, so that any
 * revision of the repo seen since (every v3 commit has one) wins over the old snapshot.
 */
export const LEGACY_REPO_VERSION = 1

export interface SnapshotWrites {
  ops: BulkOp[]
  skipped: SkippedRecord[]
  /** Records turned into writes, by metric label (collection, or `other`). */
  written: Record<string, number>
  version: number
}

/**
 * Every record of a repo snapshot as an index write at the snapshot's revision, through the
 * same validation and transforms as live ingest. The version is what makes a snapshot safe
 * to apply while live events flow: a record the firehose updated or deleted after the
 * snapshot carries a newer revision, so the snapshot's older write loses (a version conflict)
 * whichever lands first. No zombie, nothing lost, and no need to hold live events back.
 */
export function opsForSnapshot(prefix: string, snap: RepoSnapshot, indexedAt: string): SnapshotWrites {
  const version = snap.rev === undefined ? LEGACY_REPO_VERSION : versionForRev(snap.rev)
  if (version === undefined) throw new RepoCarError(`the commit's rev ${JSON.stringify(snap.rev)} is not a TID`)
  const ops: BulkOp[] = []
  const skipped: SkippedRecord[] = []
  const written: Record<string, number> = {}
  for (const rec of snap.records) {
    const family = familyForCollection(rec.collection)
    let record: Record<string, unknown>
    try {
      record = cborToLexRecord(rec.bytes)
    } catch (err) {
      const detail = `record is not a DAG-CBOR map: ${err instanceof Error ? err.message : String(err)}`
      skipped.push({ uri: `at://${snap.did}/${rec.collection}/${rec.rkey}`, collection: rec.collection, reason: 'unreadable', detail })
      continue
    }
    const input = { did: snap.did, collection: rec.collection, rkey: rec.rkey, cid: rec.cid.toString(), record }
    const result = recordWrite(prefix, family, input, version, indexedAt)
    if (isSkipped(result)) {
      skipped.push(result)
      continue
    }
    ops.push(result)
    const label = metricLabel(family, rec.collection)
    written[label] = (written[label] ?? 0) + 1
  }
  return { ops, skipped, written, version }
}
