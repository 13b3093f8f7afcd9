import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument, put, stringOrUndefined } from '#/indexing/transforms/base.js'

/**
 * app.bsky.graph.verification → `verifications`. The handle and display name are those the
 * verifier saw; a view checks them against the subject's current ones.
 */
export const verificationFamily: RecordFamily = {
  index: 'verifications',
  collection: 'app.bsky.graph.verification',
  partitioned: false,
  transform: transformVerification,
}

function transformVerification(input: RecordInput): RecordDocument {
  const { record } = input
  const doc = baseDocument(input, record.createdAt)
  put(doc, 'subjectDid', stringOrUndefined(record.subject))
  put(doc, 'handle', stringOrUndefined(record.handle))
  put(doc, 'displayName', stringOrUndefined(record.displayName))
  return doc
}
