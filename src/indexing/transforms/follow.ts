import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument, put, stringOrUndefined } from '#/indexing/transforms/base.js'

/** app.bsky.graph.follow → `follows`. `subjectDid` serves followers lists and counts. */
export const followFamily: RecordFamily = {
  index: 'follows',
  collection: 'app.bsky.graph.follow',
  partitioned: true,
  transform: transformFollow,
}

function transformFollow(input: RecordInput): RecordDocument {
  const { record } = input
  const doc = baseDocument(input, record.createdAt)
  put(doc, 'subjectDid', stringOrUndefined(record.subject))
  return doc
}
