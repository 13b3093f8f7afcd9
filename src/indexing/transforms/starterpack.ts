import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument, objects, put, stringOrUndefined, strings, unique } from '#/indexing/transforms/base.js'

/** app.bsky.graph.starterpack → `starterpacks`: a named list plus up to three feeds. */
export const starterpackFamily: RecordFamily = {
  index: 'starterpacks',
  collection: 'app.bsky.graph.starterpack',
  partitioned: false,
  transform: transformStarterpack,
}

function transformStarterpack(input: RecordInput): RecordDocument {
  const { record } = input
  const doc = baseDocument(input, record.createdAt)
  put(doc, 'name', stringOrUndefined(record.name))
  put(doc, 'description', stringOrUndefined(record.description))
  put(doc, 'listUri', stringOrUndefined(record.list))
  put(doc, 'feedUris', unique(strings(objects(record.feeds).map((feed) => feed.uri))))
  return doc
}
