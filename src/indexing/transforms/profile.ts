import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument, put, selfLabelValues, stringOrUndefined, strongRef } from '#/indexing/transforms/base.js'

/** app.bsky.actor.profile → `profiles`: the rkey is always `self`; names are searchable. */
export const profileFamily: RecordFamily = {
  index: 'profiles',
  collection: 'app.bsky.actor.profile',
  partitioned: false,
  transform: transformProfile,
}

function transformProfile(input: RecordInput): RecordDocument {
  const { record } = input
  const doc = baseDocument(input, record.createdAt)
  put(doc, 'displayName', stringOrUndefined(record.displayName))
  put(doc, 'description', stringOrUndefined(record.description))
  put(doc, 'pinnedPost', strongRef(record.pinnedPost).uri)
  put(doc, 'joinedViaStarterPack', strongRef(record.joinedViaStarterPack).uri)
  put(doc, 'labels', selfLabelValues(record.labels))
  return doc
}
