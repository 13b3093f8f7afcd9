import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument, put, stringOrUndefined } from '#/indexing/transforms/base.js'

/** app.bsky.feed.generator → `feedgens`: `serviceDid` is the feed service that answers getFeed. */
export const generatorFamily: RecordFamily = {
  index: 'feedgens',
  collection: 'app.bsky.feed.generator',
  partitioned: false,
  transform: transformGenerator,
}

function transformGenerator(input: RecordInput): RecordDocument {
  const { record } = input
  const doc = baseDocument(input, record.createdAt)
  put(doc, 'serviceDid', stringOrUndefined(record.did))
  put(doc, 'displayName', stringOrUndefined(record.displayName))
  put(doc, 'description', stringOrUndefined(record.description))
  return doc
}
