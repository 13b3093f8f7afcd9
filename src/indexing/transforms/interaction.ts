/**
 * Likes and reposts have the same shape: a strongRef `subject` (usually a post, also
 * feed generators and labelers for likes) and an optional `via`, the repost through which
 * the author found the subject — its author is notified too.
 */
import type { RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument, collectionOfAtUri, didOfAtUri, put, strongRef } from '#/indexing/transforms/base.js'

export function transformInteraction(input: RecordInput): RecordDocument {
  const { record } = input
  const doc = baseDocument(input, record.createdAt)
  const subject = strongRef(record.subject)
  put(doc, 'subjectUri', subject.uri)
  put(doc, 'subjectDid', didOfAtUri(subject.uri))
  put(doc, 'subjectCollection', collectionOfAtUri(subject.uri))
  const via = strongRef(record.via)
  put(doc, 'viaDid', didOfAtUri(via.uri))
  return doc
}
