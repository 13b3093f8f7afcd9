import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument } from '#/indexing/transforms/base.js'

/** app.bsky.graph.list → `lists`: its views and filters read the record (name, purpose). */
export const listFamily: RecordFamily = {
  index: 'lists',
  collection: 'app.bsky.graph.list',
  partitioned: false,
  transform: transformList,
}

function transformList(input: RecordInput): RecordDocument {
  return baseDocument(input, input.record.createdAt)
}
