import type { BulkOp } from '#/indexing/bulk-writer.js'
import type { RecordDocument, RecordFamily } from '#/indexing/family.js'
import { familyForCollection, genericFamily } from '#/indexing/families.js'
import type { RecordOpEvent } from '#/ingest/record-ops.js'
import { deletionNoticeOp, recordDeleteOp, recordWriteOp } from '#/indexing/operations.js'
import { toRecordJson } from '#/indexing/record-json.js'
import { earlierOf, normalizeDatetime } from '#/indexing/transforms/base.js'
import { versionForRev } from '#/indexing/tid.js'
import { validateRecord } from '#/indexing/validate-record.js'
import type { Logger } from '#/log.js'
import { linksBounded, recordOps, recordsSkipped } from '#/metrics.js'

/** A record that could not be indexed, and why (counted and logged by whoever reports). */
export interface SkippedRecord {
  uri: string
  collection: string
  reason: 'bad-rev' | 'invalid' | 'transform-failed' | 'unreadable'
  detail: string
}

/** What a created or updated record needs to become a write. */
export interface RecordWrite {
  did: string
  collection: string
  rkey: string
  cid: string
  /** Decoded DAG-CBOR (`cborToLexRecord`), not yet validated. */
  record: Record<string, unknown>
  /** See RecordInput.createdInCommitAt. */
  createdInCommitAt?: string
}

/**
 * The one path from a decoded record to an index write, shared by live ingest and backfill so
 * both produce the same document: lexicon validation, lexicon JSON, the family's transform.
 */
export function recordWrite(
  prefix: string,
  family: RecordFamily,
  input: RecordWrite,
  version: number,
  indexedAt: string,
  /** Told when the record holds more links than are kept (counted in metrics either way). */
  warn?: (uri: string, detail: string) => void,
): BulkOp | SkippedRecord {
  const uri = `at://${input.did}/${input.collection}/${input.rkey}`
  const valid = validateRecord(input.collection, input.record)
  if (!valid.ok) return { uri, collection: input.collection, reason: 'invalid', detail: valid.reason }
  try {
    const record = toRecordJson(input.record)
    const { did, collection, rkey, cid, createdInCommitAt } = input
    return recordWriteOp(prefix, family, { did, collection, rkey, cid, record, indexedAt, createdInCommitAt }, version, (reason) => {
      linksBounded.inc({ reason })
      warn?.(uri, `links past the ${reason} bound are not indexed`)
    })
  } catch (err) {
    return { uri, collection: input.collection, reason: 'transform-failed', detail: err instanceof Error ? err.message : String(err) }
  }
}

export function isSkipped(result: BulkOp | SkippedRecord): result is SkippedRecord {
  return 'reason' in result
}

/**
 * Turns the record operations of one commit (as @atproto/sync parsed them) into bulk writes.
 * What cannot be indexed is counted and logged with its URI; it never stops the commit's
 * other operations.
 */
export function opsForCommit(
  prefix: string,
  evts: RecordOpEvent[],
  indexedAt: string,
  log: Logger,
  /** For deletes of families with `onDelete`: the documents they remove, by URI (ingest/deleted-records.ts). */
  deleted: ReadonlyMap<string, RecordDocument> = new Map(),
  /** The commit's time as the firehose reports it (its `time`). */
  committedAt?: string,
): BulkOp[] {
  const ops: BulkOp[] = []
  // What the commit made is news from the commit's time, as the reference AppView dates it (a
  // replay from cursor 0 then dates it as it happened), never later than when Magpie saw it.
  const commitTime = normalizeDatetime(committedAt)
  const happenedAt = earlierOf(commitTime, indexedAt)
  for (const evt of evts) {
    const version = versionForRev(evt.rev)
    if (version === undefined) {
      reportSkipped(log, { uri: evt.uri, collection: evt.collection, reason: 'bad-rev', detail: `repo rev ${JSON.stringify(evt.rev)} is not a TID` })
      continue
    }
    const family = familyForCollection(evt.collection)
    if (evt.event === 'delete') {
      const before = deleted.get(evt.uri)
      const news = before && family.onDelete?.(before, happenedAt)
      ops.push(recordDeleteOp(prefix, family, evt, version, news?.kept))
      if (news) ops.push(deletionNoticeOp(prefix, family, evt, version, news.notice))
      recordOps.inc({ collection: metricLabel(family, evt.collection), action: 'delete' })
      continue
    }
    const input = {
      did: evt.did,
      collection: evt.collection,
      rkey: evt.rkey,
      cid: evt.cid.toString(),
      record: evt.record,
      ...(evt.event === 'create' && commitTime ? { createdInCommitAt: happenedAt } : {}),
    }
    const result = recordWrite(prefix, family, input, version, indexedAt, (uri, detail) => log.warn({ uri, detail }, 'record links bounded'))
    if (isSkipped(result)) {
      reportSkipped(log, result)
      continue
    }
    ops.push(result)
    recordOps.inc({ collection: metricLabel(family, evt.collection), action: evt.event })
  }
  return ops
}

export function reportSkipped(log: Logger, skipped: SkippedRecord): void {
  recordsSkipped.inc({ collection: metricLabel(familyForCollection(skipped.collection), skipped.collection), reason: skipped.reason })
  log.warn({ uri: skipped.uri, reason: skipped.reason, detail: skipped.detail }, 'record not indexed')
}

/** Metric labels must stay bounded: unknown collections are counted together. */
export function metricLabel(family: RecordFamily, collection: string): string {
  return family === genericFamily ? 'other' : collection
}
