import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument, put, selfLabelValues, stringOrUndefined } from '#/indexing/transforms/base.js'

/** app.bsky.graph.list → `lists`: mod lists vs curation lists are told apart by `purpose`. */
export const listFamily: RecordFamily = {
  index: 'lists',
  collection: 'app.bsky.graph.list',
  partitioned: false,
  transform: transformList,
}

function transformList(input: RecordInput): RecordDocument {
  const { record } = input
  const doc = baseDocument(input, record.createdAt)
  put(doc, 'name', stringOrUndefined(record.name))
  put(doc, 'purpose', stringOrUndefined(record.purpose))
  put(doc, 'description', stringOrUndefined(record.description))
  put(doc, 'labels', selfLabelValues(record.labels))
  return doc
}
