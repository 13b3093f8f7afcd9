import type { AppBskyNotificationListNotifications } from '@atproto/api'
import type { HydrationState } from '#/hydration/state.js'
import type { NotificationItem } from '#/rules/notifications.js'
import { labelsOn, selfLabels } from '#/views/labels.js'
import { profileView } from '#/views/profiles.js'
import { starterPackViewBasic } from '#/views/starterpacks.js'

export type NotificationView = AppBskyNotificationListNotifications.Notification

/**
 * app.bsky.notification.listNotifications#notification: undefined when its author is not to be
 * shown. Read when `lastSeen` is later than the notification.
 */
export function notificationView(item: NotificationItem, lastSeen: string | undefined, state: HydrationState): NotificationView | undefined {
  const { record, family } = item.candidate
  const author = profileView(record.did, state)
  if (!author) return undefined
  // A post hidden by a takedown label (hydrated as null) notifies no one.
  if (family === 'posts' && state.posts?.get(record.uri) === null) return undefined
  const indexedAt = notificationTime(item)
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
    labels: [...labelsOn(record.uri, state), ...selfLabels(record)],
    starterPack: family === 'follows' && typeof via === 'string' ? starterPackViewBasic(via, state) : undefined,
  }
}

/**
 * When a notification happened: its record's indexed sortAt, which is also what notifications
 * are sorted by (for a starter pack join, the commit that made the profile: see
 * dataplane/notifications.ts).
 */
export function notificationTime(item: NotificationItem): string {
  return item.candidate.record.sortedAt
}
