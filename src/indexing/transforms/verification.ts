import type { DeletionNews, RecordDocument, RecordFamily, RecordInput } from '#/indexing/family.js'
import { baseDocument, put, sortAtOfDocument, stringOrUndefined } from '#/indexing/transforms/base.js'

/**
 * app.bsky.graph.verification → `verifications`. The handle and display name are those the
 * verifier saw; a view checks them against the subject's current ones.
 *
 * A deleted verification still notifies its subject twice, as in the reference AppView: of the
 * verification, at its own time, and of its withdrawal (`unverified`), at the time of the
 * delete. So its tombstone keeps the subject and time, and a notice is written beside it.
 */
export const verificationFamily: RecordFamily = {
  index: 'verifications',
  collection: 'app.bsky.graph.verification',
  partitioned: false,
  transform: transformVerification,
  onDelete: verificationWithdrawn,
}

function transformVerification(input: RecordInput): RecordDocument {
  const { record } = input
  const doc = baseDocument(input, record.createdAt)
  put(doc, 'subjectDid', stringOrUndefined(record.subject))
  put(doc, 'handle', stringOrUndefined(record.handle))
  put(doc, 'displayName', stringOrUndefined(record.displayName))
  return doc
}

function verificationWithdrawn(deleted: RecordDocument, deletedAt: string): DeletionNews | undefined {
  const record = deleted.record as Record<string, unknown> | undefined
  const subject = stringOrUndefined(record?.subject)
  const verifiedAt = sortAtOfDocument(deleted)
  if (!subject || !verifiedAt) return undefined
  return {
    kept: { subjectDid: subject, sortAt: verifiedAt, notifies: 'verified' },
    notice: { subjectDid: subject, sortAt: deletedAt, indexedAt: deletedAt, notifies: 'unverified' },
  }
}
