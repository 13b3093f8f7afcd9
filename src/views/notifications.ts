import type { AppBskyNotificationListNotifications } from '@atproto/api'
import type { NotificationCandidate } from '#/dataplane/index.js'
import type { HydrationState } from '#/hydration/state.js'
import type { NotificationOf } from '#/rules/notifications.js'
import { selfLabels } from '#/views/labels.js'
import { profileView } from '#/views/profiles.js'
import { starterPackViewBasic } from '#/views/starterpacks.js'

export type NotificationView = AppBskyNotificationListNotifications.Notification

/** A notification the rules kept: the record that notifies, and why. */
export interface NotificationItem extends NotificationOf {
  candidate: NotificationCandidate
}

/**
 * app.bsky.notification.listNotifications#notification: undefined when its author is not to be
 * shown. Read when `lastSeen` is later than the notification (dated by its record's time).
 */
export function notificationView(item: NotificationItem, lastSeen: string | undefined, state: HydrationState): NotificationView | undefined {
  const { record, family } = item.candidate
  const author = profileView(record.did, state)
  if (!author) return undefined
  const indexedAt = record.sortedAt
  const via = (record.record as { via?: { uri?: unknown } }).via?.uri
  return {
    uri: record.uri,
    cid: record.cid,
    author,
    reason: item.reason,
    reasonSubject: item.reasonSubject,
    record: record.record,
    isRead: lastSeen ? lastSeen > indexedAt : true,
    indexedAt,
    labels: selfLabels(record),
    starterPack: family === 'follows' && typeof via === 'string' ? starterPackViewBasic(via, state) : undefined,
  }
}
