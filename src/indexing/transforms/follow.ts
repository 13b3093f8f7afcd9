import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument, didOfAtUri, put, stringOrUndefined, strongRef } from '#/indexing/transforms/base.js'

/**
 * app.bsky.graph.follow → `follows`. `subjectDid` serves followers lists and counts;
 * `via` (a starter pack, when the follow came from one) is kept for its owner's stats.
 */
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
  const via = strongRef(record.via)
  put(doc, 'viaUri', via.uri)
  put(doc, 'viaDid', didOfAtUri(via.uri))
  return doc
}
