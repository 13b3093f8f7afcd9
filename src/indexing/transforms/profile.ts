import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument, earlierOf, normalizeDatetime, put, stringOrUndefined, strongRef } from '#/indexing/transforms/base.js'

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
  const joinedVia = strongRef(record.joinedViaStarterPack).uri
  put(doc, 'joinedViaStarterPack', joinedVia)
  // A starter pack join is news from when the profile appeared, as the reference AppView dates
  // it (when it indexed the profile's first version: the commit's time on the firehose), not from
  // the createdAt it claims, which a client may date from the account's creation. Where that
  // commit is not known (an update, a backfill) the claim, capped by when Magpie saw it, stands.
  const committed = normalizeDatetime(input.createdInCommitAt)
  if (joinedVia !== undefined && committed !== undefined) doc.sortAt = earlierOf(committed, input.indexedAt)
  return doc
}
