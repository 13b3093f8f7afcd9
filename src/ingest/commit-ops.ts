import type { BulkOp } from '#/indexing/bulk-writer.js'
import type { RecordFamily } from '#/indexing/family.js'
import { familyForCollection, genericFamily } from '#/indexing/families.js'
import type { RecordOpEvent } from '#/ingest/record-ops.js'
import { recordDeleteOp, recordWriteOp } from '#/indexing/operations.js'
import { toRecordJson } from '#/indexing/record-json.js'
import { versionForRev } from '#/indexing/tid.js'
import { validateRecord } from '#/indexing/validate-record.js'
import type { Logger } from '#/log.js'
import { recordOps, recordsSkipped } from '#/metrics.js'

/**
 * Turns the record operations of one commit (as @atproto/sync parsed them) into bulk writes.
 * What cannot be indexed is counted and logged with its URI; it never stops the commit's
 * other operations.
 */
export function opsForCommit(prefix: string, evts: RecordOpEvent[], indexedAt: string, log: Logger): BulkOp[] {
  const ops: BulkOp[] = []
  for (const evt of evts) {
    const uri = evt.uri
    const version = versionForRev(evt.rev)
    if (version === undefined) {
      skip(log, evt.collection, 'bad-rev', uri, `repo rev ${JSON.stringify(evt.rev)} is not a TID`)
      continue
    }
    const family = familyForCollection(evt.collection)
    const label = metricLabel(family, evt.collection)
    if (evt.event === 'delete') {
      ops.push(recordDeleteOp(prefix, family, evt, version))
      recordOps.inc({ collection: label, action: 'delete' })
      continue
    }
    const valid = validateRecord(evt.collection, evt.record)
    if (!valid.ok) {
      skip(log, evt.collection, 'invalid', uri, valid.reason)
      continue
    }
    try {
      const record = toRecordJson(evt.record)
      ops.push(
        recordWriteOp(
          prefix,
          family,
          { did: evt.did, collection: evt.collection, rkey: evt.rkey, cid: evt.cid.toString(), record, indexedAt },
          version,
        ),
      )
      recordOps.inc({ collection: label, action: evt.event })
    } catch (err) {
      skip(log, evt.collection, 'transform-failed', uri, err instanceof Error ? err.message : String(err))
    }
  }
  return ops
}

function skip(log: Logger, collection: string, reason: string, uri: string, detail: string): void {
  recordsSkipped.inc({ collection: metricLabel(familyForCollection(collection), collection), reason })
  log.warn({ uri, reason, detail }, 'record not indexed')
}

/** Metric labels must stay bounded: unknown collections are counted together. */
function metricLabel(family: RecordFamily, collection: string): string {
  return family === genericFamily ? 'other' : collection
}
