import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument, put, stringOrUndefined } from '#/indexing/transforms/base.js'

/** chat.bsky.actor.declaration → `chat-declarations`: the `associated.chat` part of profile views. */
export const chatDeclarationFamily: RecordFamily = {
  index: 'chat-declarations',
  collection: 'chat.bsky.actor.declaration',
  partitioned: false,
  transform: transformChatDeclaration,
}

function transformChatDeclaration(input: RecordInput): RecordDocument {
  const { record } = input
  const doc = baseDocument(input, record.createdAt)
  put(doc, 'allowIncoming', stringOrUndefined(record.allowIncoming))
  put(doc, 'allowGroupInvites', stringOrUndefined(record.allowGroupInvites))
  return doc
}
