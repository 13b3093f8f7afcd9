import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument, objects, put, stringOrUndefined, strings, unique } from '#/indexing/transforms/base.js'

/**
 * app.bsky.feed.threadgate → `threadgates`. An absent `allow` means anyone may reply and an
 * empty one means no one may, so `repliesRestricted` records the difference explicitly
 * (an empty `allowRules` list is indistinguishable from a missing one once indexed).
 */
export const threadgateFamily: RecordFamily = {
  index: 'threadgates',
  collection: 'app.bsky.feed.threadgate',
  partitioned: false,
  transform: transformThreadgate,
}

const RULE_NAMES: Record<string, string> = {
  'app.bsky.feed.threadgate#mentionRule': 'mention',
  'app.bsky.feed.threadgate#followerRule': 'follower',
  'app.bsky.feed.threadgate#followingRule': 'following',
  'app.bsky.feed.threadgate#listRule': 'list',
}

function transformThreadgate(input: RecordInput): RecordDocument {
  const { record } = input
  const doc = baseDocument(input, record.createdAt)
  put(doc, 'postUri', stringOrUndefined(record.post))
  put(doc, 'hiddenReplies', unique(strings(record.hiddenReplies)))
  doc.repliesRestricted = Array.isArray(record.allow)
  const rules = objects(record.allow)
  // A rule kind we do not know yet is kept by its full $type rather than dropped.
  put(doc, 'allowRules', unique(strings(rules.map((rule) => rule.$type)).map((t) => RULE_NAMES[t] ?? t)))
  put(doc, 'allowListUris', unique(strings(
    rules.filter((rule) => rule.$type === 'app.bsky.feed.threadgate#listRule').map((rule) => rule.list),
  )))
  return doc
}
