import type { ActivitySubscription } from '#/dataplane/activity-subscriptions.js'
import type { NotificationCandidate, NotificationReason } from '#/dataplane/notifications.js'
import { activitySubscriptionRefusal } from '#/rules/activity-subscriptions.js'
import type { StoredRecord } from '#/dataplane/records.js'
import { REPLY_NOTIFY_HEIGHT, type HydrationState, type PostContext } from '#/hydration/state.js'
import { viewerBlockExists, viewerMuteExists } from '#/rules/actors.js'
import { didOfUri, isPostUri } from '#/records/at-uri.js'
import { embeddedRecordUri, mentionedDids, replyParentOf, replyRootOf } from '#/records/post-record.js'

/**
 * Which notifications a record gives an account, decided as the reference AppView decides them
 * when it indexes the record — but here at read time, from the record and its thread as they
 * are now, so nothing has to be stored and a deleted record's notification is simply gone.
 */

export interface NotificationOf {
  reason: NotificationReason
  reasonSubject?: string
}

export function notificationsOf(
  recipient: string,
  candidate: NotificationCandidate,
  post?: PostContext,
  subscriptions?: ReadonlyMap<string, ActivitySubscription>,
): NotificationOf[] {
  const { record } = candidate
  const value = record.record as Record<string, any>
  switch (candidate.family) {
    case 'likes':
    case 'reposts':
      return interactionNotifications(recipient, candidate.family === 'likes' ? 'like' : 'repost', record)
    case 'follows':
      // The reference notifies follows without a self check.
      return value.subject === recipient ? [{ reason: 'follow' }] : []
    case 'profiles': {
      const pack = value.joinedViaStarterPack?.uri
      return typeof pack === 'string' && didOfUri(pack) === recipient ? [{ reason: 'starterpack-joined', reasonSubject: pack }] : []
    }
    case 'verifications':
      // A withdrawn verification's record is gone; the query matched its subject to the recipient.
      if (candidate.withdrawn) return [{ reason: candidate.withdrawn }]
      return value.subject === recipient ? [{ reason: 'verified' }] : []
    case 'posts':
      return post ? postNotification(recipient, record, post, subscriptions?.get(record.did)) : []
    default:
      return []
  }
}

/** Likes and reposts: the subject's author, and the reposter it came through (never one's own). */
function interactionNotifications(recipient: string, kind: 'like' | 'repost', record: StoredRecord): NotificationOf[] {
  const value = record.record as Record<string, any>
  const subject = value.subject?.uri
  if (typeof subject !== 'string' || didOfUri(subject) === record.did) return []
  const out: NotificationOf[] = []
  if (didOfUri(subject) === recipient) out.push({ reason: kind, reasonSubject: subject })
  const via = value.via?.uri
  if (typeof via === 'string' && didOfUri(via) === recipient && record.did !== recipient) {
    out.push({ reason: `${kind}-via-repost`, reasonSubject: via })
  }
  return out
}

/**
 * A post notifies each account once, the first reason winning: a mention, then a quote, then a
 * reply to one of its posts up the thread, then the recipient's subscription to its author.
 */
function postNotification(recipient: string, post: StoredRecord, ctx: PostContext, subscription?: ActivitySubscription): NotificationOf[] {
  if (post.did === recipient) return []
  if (mentionedDids(post).has(recipient)) return [{ reason: 'mention' }]
  const quoted = embeddedRecordUri(post)
  if (!ctx.violatesEmbeddingRules && quoted && isPostUri(quoted) && didOfUri(quoted) === recipient) {
    return [{ reason: 'quote', reasonSubject: quoted }]
  }
  if (!ctx.violatesThreadGate) {
    for (const ancestor of ctx.ancestors.slice(0, REPLY_NOTIFY_HEIGHT)) {
      if (didOfUri(ancestor) === recipient) return [{ reason: 'reply', reasonSubject: ancestor }]
      if (ctx.hiddenReplies.has(ancestor)) break
    }
  }
  return subscribedTo(post, subscription) ? [{ reason: 'subscribed-post' }] : []
}

/** A post the subscription asked for (a reply only if it wants replies) made since it began. */
function subscribedTo(post: StoredRecord, subscription: ActivitySubscription | undefined): boolean {
  if (!subscription || post.sortedAt < subscription.since) return false
  return replyParentOf(post) ? subscription.reply : subscription.post
}

/** A notification: the record that notifies, and why. */
export interface NotificationItem extends NotificationOf {
  candidate: NotificationCandidate
}

/**
 * The notifications the candidates give `viewer`, of the reasons asked for, as the reference
 * AppView would hold them in its notification table: nothing in a thread the viewer muted and,
 * when `liveSubjects`, nothing about a record that is gone (its listing skips those; its unread
 * count does not). Who they come from is not looked at yet (see visibleNotifications).
 */
export function derivedNotifications(
  viewer: string,
  candidates: NotificationCandidate[],
  reasons: readonly NotificationReason[],
  state: HydrationState,
  opts: { liveSubjects: boolean; subscriptions?: ReadonlyMap<string, ActivitySubscription> },
): NotificationItem[] {
  const wanted = new Set(reasons)
  return candidates.flatMap((candidate) =>
    notificationsOf(viewer, candidate, state.notificationPosts?.get(candidate.record.uri), opts.subscriptions)
      .filter(({ reason, reasonSubject }) => {
        if (!wanted.has(reason)) return false
        if (!reasonSubject) return true
        if (opts.liveSubjects && state.notificationSubjects?.get(reasonSubject) === false) return false
        return !state.mutedThreadSubjects?.has(reasonSubject)
      })
      .map((n) => ({ ...n, candidate })),
  )
}

/**
 * Of the notifications, those the viewer gets to see: from a visible account with no block
 * either way and that it does not mute, and not a reply it hid in its own thread.
 */
export function visibleNotifications(viewer: string, items: NotificationItem[], state: HydrationState): NotificationItem[] {
  return items.filter(({ candidate, reason }) => {
    const author = candidate.record.did
    // Unknown, deactivated and taken-down accounts were hydrated as null.
    if (!state.actors?.get(author)) return false
    if (author !== viewer && (viewerBlockExists(author, state) || viewerMuteExists(author, state))) return false
    // The author's declaration (or the follow it asks for) as it is now: a subscription it no longer allows is silent.
    if (reason === 'subscribed-post') return !activitySubscriptionRefusal(author, state)
    if (reason !== 'reply') return true
    const root = replyRootOf(candidate.record)
    const hidden = state.notificationPosts?.get(candidate.record.uri)?.hiddenReplies
    return !(root && didOfUri(root) === viewer && hidden?.has(candidate.record.uri))
  })
}
