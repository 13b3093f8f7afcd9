import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument, put, stringOrUndefined } from '#/indexing/transforms/base.js'

/**
 * app.bsky.notification.declaration → `notif-declarations`: who may subscribe to the
 * account's activity. The record has no createdAt, so sortAt is indexedAt.
 */
export const notifDeclarationFamily: RecordFamily = {
  index: 'notif-declarations',
  collection: 'app.bsky.notification.declaration',
  partitioned: false,
  transform: transformNotifDeclaration,
}

function transformNotifDeclaration(input: RecordInput): RecordDocument {
  const { record } = input
  const doc = baseDocument(input, record.createdAt)
  put(doc, 'allowSubscriptions', stringOrUndefined(record.allowSubscriptions))
  return doc
}
