import type { Client } from '@opensearch-project/opensearch'
import { familyForCollection } from '#/indexing/families.js'
import type { RecordDocument } from '#/indexing/family.js'
import { recordId, routeIndexForRecord } from '#/indexing/route.js'
import type { RecordOpEvent } from '#/ingest/record-ops.js'
import type { Logger } from '#/log.js'

/**
 * A delete names only the record's path, but some deletions are news (a withdrawn verification
 * tells its subject, see RecordFamily.onDelete), and what they tell is in the deleted record.
 * So, for those families alone, the live documents a commit deletes are read back first: after
 * `settle` (everything written before them is acknowledged, so a record created a moment ago is
 * there), by id, in real time. A failed read costs only the news, never the delete.
 */
export async function readDeletedRecords(
  client: Client,
  prefix: string,
  evts: RecordOpEvent[],
  settle: () => Promise<void>,
  log: Logger,
): Promise<Map<string, RecordDocument>> {
  const found = new Map<string, RecordDocument>()
  const wanted = evts.filter((e) => e.event === 'delete' && familyForCollection(e.collection).onDelete)
  if (wanted.length === 0) return found
  try {
    await settle()
    const docs = wanted.map((e) => ({
      _index: routeIndexForRecord(prefix, familyForCollection(e.collection), e.rkey),
      _id: recordId(e.did, e.collection, e.rkey),
    }))
    const res = await client.mget({ body: { docs } })
    for (const doc of (res.body as any).docs as any[]) {
      if (doc.found && doc._source && !doc._source.tomb) found.set(doc._id, doc._source)
    }
  } catch (err) {
    log.warn({ uris: wanted.map((e) => e.uri), reason: err instanceof Error ? err.message : String(err) }, 'could not read deleted records; deleting without their news')
  }
  return found
}
