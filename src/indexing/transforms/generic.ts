import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument, put } from '#/indexing/transforms/base.js'
import { recordText } from '#/indexing/transforms/record-text.js'

/**
 * Any collection without a family of its own → `records`. Storing the record as-is means a
 * lexicon adopted later can be indexed by reindexing from here, without re-crawling repos.
 * Its `collection` is '*': it owns whatever no other family owns.
 *
 * Its words are searchable (searchRecords): the title and text a collection declares
 * (record-text.ts), or every string that reads as words; the declared date dates the record.
 */
export const genericFamily: RecordFamily = {
  index: 'records',
  collection: '*',
  partitioned: false,
  transform: transformGeneric,
}

function transformGeneric(input: RecordInput): RecordDocument {
  const { title, text, date } = recordText(input.collection, input.record)
  const doc = baseDocument(input, date ?? input.record.createdAt)
  doc.collection = input.collection
  put(doc, 'title', title)
  put(doc, 'text', text)
  return doc
}
