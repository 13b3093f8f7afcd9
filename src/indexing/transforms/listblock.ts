import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument, put, stringOrUndefined } from '#/indexing/transforms/base.js'

/** app.bsky.graph.listblock → `listblocks`: a subscription to someone else's mod list. */
export const listblockFamily: RecordFamily = {
  index: 'listblocks',
  collection: 'app.bsky.graph.listblock',
  partitioned: false,
  transform: transformListblock,
}

function transformListblock(input: RecordInput): RecordDocument {
  const { record } = input
  const doc = baseDocument(input, record.createdAt)
  put(doc, 'listUri', stringOrUndefined(record.subject))
  return doc
}
