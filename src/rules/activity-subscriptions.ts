import type { HydrationState } from '#/hydration/state.js'
import { viewerBlockExists } from '#/rules/actors.js'

/**
 * Whether the viewer may be subscribed to an account's activity now, by the account's
 * app.bsky.notification.declaration: `none` refuses everyone, `followers` (also the default)
 * those who follow it, `mutuals` those it follows back; a block either way refuses too. Read
 * when subscribing, when showing the subscription on a profile, and when listing the
 * notifications a subscription gives, so a declaration or follow that changes since takes effect.
 */
export type SubscriptionRefusal = 'not-found' | 'blocked' | 'none' | 'followers' | 'mutuals'

export function activitySubscriptionRefusal(did: string, state: HydrationState): SubscriptionRefusal | undefined {
  const actor = state.actors?.get(did)
  if (!actor) return 'not-found'
  if (viewerBlockExists(did, state)) return 'blocked'
  const rel = state.relationships?.get(did) ?? {}
  switch (actor.allowSubscriptions) {
    case 'none':
      return 'none'
    case 'mutuals':
      return rel.following && rel.followedBy ? undefined : 'mutuals'
    default:
      return rel.following ? undefined : 'followers'
  }
}

/** Why a subscription is refused, in words a person can act on. */
export const REFUSAL_MESSAGES: Record<SubscriptionRefusal, string> = {
  'not-found': 'Actor not found',
  blocked: 'Cannot subscribe to an account with a block between you',
  none: 'This account does not allow activity subscriptions',
  followers: 'This account allows activity subscriptions only from its followers: follow it first',
  mutuals: 'This account allows activity subscriptions only from accounts it follows back',
}
