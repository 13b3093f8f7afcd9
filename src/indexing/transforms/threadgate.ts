import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument, put, stringOrUndefined, strings, unique } from '#/indexing/transforms/base.js'

/**
 * app.bsky.feed.threadgate → `threadgates`: the gated post and its hidden replies. Who may reply
 * is read from the record itself when a reply is checked, so its rules are not indexed.
 */
export const threadgateFamily: RecordFamily = {
  index: 'threadgates',
  collection: 'app.bsky.feed.threadgate',
  partitioned: false,
  transform: transformThreadgate,
}

function transformThreadgate(input: RecordInput): RecordDocument {
  const { record } = input
  const doc = baseDocument(input, record.createdAt)
  put(doc, 'postUri', stringOrUndefined(record.post))
  put(doc, 'hiddenReplies', unique(strings(record.hiddenReplies)))
  return doc
}
