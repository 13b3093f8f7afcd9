import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument, put, stringOrUndefined } from '#/indexing/transforms/base.js'

/**
 * app.bsky.graph.referencelistoptout → `listoptouts`: its author asks to be left out of a
 * reference list (a starter pack's) when others look at it. `listUri` is kept only when it is the
 * canonical URI of a list record (DID authority, no query or fragment), which is all the lexicon
 * lets an AppView enforce.
 */
export const referenceListOptOutFamily: RecordFamily = {
  index: 'listoptouts',
  collection: 'app.bsky.graph.referencelistoptout',
  partitioned: false,
  transform: transformReferenceListOptOut,
}

const CANONICAL_LIST_URI = /^at:\/\/did:[a-z]+:[a-zA-Z0-9._:%-]+\/app\.bsky\.graph\.list\/[a-zA-Z0-9._:~-]{1,512}$/

function transformReferenceListOptOut(input: RecordInput): RecordDocument {
  const { record } = input
  const doc = baseDocument(input, record.createdAt)
  const subject = stringOrUndefined(record.subject)
  if (subject && CANONICAL_LIST_URI.test(subject)) put(doc, 'listUri', subject)
  return doc
}
