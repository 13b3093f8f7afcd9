import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument, put, stringOrUndefined } from '#/indexing/transforms/base.js'

/** app.bsky.graph.listitem → `listitems`: members of a list (by listUri) and lists of a member. */
export const listitemFamily: RecordFamily = {
  index: 'listitems',
  collection: 'app.bsky.graph.listitem',
  partitioned: false,
  transform: transformListitem,
}

function transformListitem(input: RecordInput): RecordDocument {
  const { record } = input
  const doc = baseDocument(input, record.createdAt)
  put(doc, 'listUri', stringOrUndefined(record.list))
  put(doc, 'subjectDid', stringOrUndefined(record.subject))
  return doc
}
