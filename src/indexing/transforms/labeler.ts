import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument } from '#/indexing/transforms/base.js'

/** app.bsky.labeler.service → `labelers`: one per labeler account (rkey `self`). */
export const labelerFamily: RecordFamily = {
  index: 'labelers',
  collection: 'app.bsky.labeler.service',
  partitioned: false,
  transform: transformLabeler,
}

function transformLabeler(input: RecordInput): RecordDocument {
  return baseDocument(input, input.record.createdAt)
}
