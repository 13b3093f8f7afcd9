import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument, objects, put, stringOrUndefined } from '#/indexing/transforms/base.js'

/** app.bsky.feed.postgate → `postgates`: who may quote a post, and quotes it has detached. */
export const postgateFamily: RecordFamily = {
  index: 'postgates',
  collection: 'app.bsky.feed.postgate',
  partitioned: false,
  transform: transformPostgate,
}

function transformPostgate(input: RecordInput): RecordDocument {
  const { record } = input
  const doc = baseDocument(input, record.createdAt)
  put(doc, 'postUri', stringOrUndefined(record.post))
  doc.embeddingDisabled = objects(record.embeddingRules)
    .some((rule) => rule.$type === 'app.bsky.feed.postgate#disableRule')
  return doc
}
