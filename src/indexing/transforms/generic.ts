import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument } from '#/indexing/transforms/base.js'

/**
 * Any collection without a family of its own → `records`. Storing the record as-is means a
 * lexicon adopted later can be indexed by reindexing from here, without re-crawling repos.
 * Its `collection` is '*': it owns whatever no other family owns.
 */
export const genericFamily: RecordFamily = {
  index: 'records',
  collection: '*',
  partitioned: false,
  transform: transformGeneric,
}

function transformGeneric(input: RecordInput): RecordDocument {
  const doc = baseDocument(input, input.record.createdAt)
  doc.collection = input.collection
  return doc
}
