import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument, put, stringOrUndefined } from '#/indexing/transforms/base.js'

/** app.bsky.graph.block → `blocks`: looked up both ways (did blocks subjectDid) for every view. */
export const blockFamily: RecordFamily = {
  index: 'blocks',
  collection: 'app.bsky.graph.block',
  partitioned: false,
  transform: transformBlock,
}

function transformBlock(input: RecordInput): RecordDocument {
  const doc = baseDocument(input, input.record.createdAt)
  put(doc, 'subjectDid', stringOrUndefined(input.record.subject))
  return doc
}
