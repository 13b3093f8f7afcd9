import type { AppBskyNotificationDefs } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import type { ApiContext } from '#/api/context.js'
import { requester } from '#/api/uris.js'
import type { NotificationQuery, NotificationReason, NotifState } from '#/dataplane/index.js'
import { NOTIFICATION_REASONS } from '#/dataplane/notifications.js'

/**
 * An account's notification preferences and what they mean for the notifications Magpie lists
 * and counts: a reason switched off (`list: false`) is not shown, and `include: follows` shows
 * it only from accounts the recipient follows. Push settings are kept and returned; Magpie
 * sends no push notifications.
 */

export type Preferences = AppBskyNotificationDefs.Preferences

type FilterableKey = 'follow' | 'like' | 'likeViaRepost' | 'mention' | 'quote' | 'reply' | 'repost' | 'repostViaRepost'
type PlainKey = 'starterpackJoined' | 'subscribedPost' | 'unverified' | 'verified'

const FILTERABLE: readonly FilterableKey[] = ['follow', 'like', 'likeViaRepost', 'mention', 'quote', 'reply', 'repost', 'repostViaRepost']
const PLAIN: readonly PlainKey[] = ['starterpackJoined', 'subscribedPost', 'unverified', 'verified']

/** The preference that governs each reason. */
const PREFERENCE_OF: Record<NotificationReason, FilterableKey | PlainKey> = {
  like: 'like',
  repost: 'repost',
  follow: 'follow',
  mention: 'mention',
  reply: 'reply',
  quote: 'quote',
  'starterpack-joined': 'starterpackJoined',
  'like-via-repost': 'likeViaRepost',
  'repost-via-repost': 'repostViaRepost',
  verified: 'verified',
  unverified: 'unverified',
  'subscribed-post': 'subscribedPost',
}

/** Stored (or put) preferences completed with the lexicon's defaults: everything listed and pushed, from everyone. */
export function completePreferences(stored: Record<string, any> | undefined): Preferences {
  const out: Record<string, unknown> = {
    // Deprecated in the lexicon: always the default (chat has its own preferences).
    chat: { include: 'all', push: true },
  }
  for (const key of FILTERABLE) {
    const p = stored?.[key]
    out[key] = { include: p?.include === 'follows' ? 'follows' : 'all', list: p?.list ?? true, push: p?.push ?? true }
  }
  for (const key of PLAIN) {
    const p = stored?.[key]
    out[key] = { list: p?.list ?? true, push: p?.push ?? true }
  }
  return out as unknown as Preferences
}

/**
 * The requester's notification state, and the query for the notifications it sees: the reasons
 * asked for that its preferences list, from the authors its priority setting (unless the request
 * gives one) and preferences allow. The seen time is the account's own, never a parameter (as in
 * the reference AppView).
 */
export async function requesterNotifications(
  ctx: ApiContext,
  viewer: string | null,
  params: { reasons?: string[]; priority?: boolean; seenAt?: string },
): Promise<{ state: NotifState; priority: boolean; query: NotificationQuery }> {
  if (params.seenAt) throw new InvalidRequestError('The seenAt parameter is unsupported')
  const me = requester(viewer)
  const state = await ctx.dataplane.getNotifState(me)
  const priority = params.priority ?? state.priority
  return { state, priority, query: await notificationQuery(ctx, me, state, { reasons: params.reasons, priority }) }
}

async function notificationQuery(
  ctx: ApiContext,
  viewer: string,
  state: NotifState,
  opts: { reasons?: string[]; priority: boolean },
): Promise<NotificationQuery> {
  const prefs = completePreferences(state.preferences) as unknown as Record<string, { list: boolean; include?: string }>
  const asked = opts.reasons ? new Set(opts.reasons) : undefined
  const reasons = NOTIFICATION_REASONS.filter((r) => (!asked || asked.has(r)) && prefs[PREFERENCE_OF[r]]!.list !== false)
  const followsOnly = (r: NotificationReason) => opts.priority || prefs[PREFERENCE_OF[r]]!.include === 'follows'
  const [followed, threads, subscriptions] = await Promise.all([
    reasons.some(followsOnly) ? ctx.dataplane.getFollowedDids(viewer) : undefined,
    reasons.includes('reply') ? ctx.dataplane.getRecentReplyThreads(viewer) : [],
    reasons.includes('subscribed-post') ? ctx.dataplane.getAllActivitySubscriptions(viewer) : undefined,
  ])
  return {
    recipient: viewer,
    // Without a subscription, no post is a subscribed one: no query for them.
    reasons: subscriptions?.size ? reasons : reasons.filter((r) => r !== 'subscribed-post'),
    subscriptions,
    authorsFor: (r) => (followsOnly(r) ? followed : undefined),
    threads,
  }
}
