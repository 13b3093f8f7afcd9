import type { AppBskyActorDefs, Un$Typed } from '@atproto/api'
import { INVALID_HANDLE } from '@atproto/syntax'
import type { HydrationState } from '#/hydration/state.js'
import { activitySubscriptionRefusal } from '#/rules/activity-subscriptions.js'
import { activeModList, actorIsNotHosted, mutingModList, viewerBlockExists, viewerMuteExists } from '#/rules/actors.js'
import { imageUrl } from '#/views/images.js'
import { labelsOn, selfLabels } from '#/views/labels.js'
import { listViewBasic } from '#/views/list-basic.js'
import { statusView } from '#/views/actor-status.js'
import { verificationState } from '#/views/verification.js'

/**
 * The profile views of app.bsky.actor.defs, each built on the smaller one (the detailed one,
 * which names a starter pack, is profile-detailed.ts). A view is undefined when its account was
 * not hydrated or is hidden (unknown, deleted, not hosted).
 */

export function profileViewBasic(did: string, state: HydrationState): Un$Typed<AppBskyActorDefs.ProfileViewBasic> | undefined {
  const actor = state.actors?.get(did)
  if (!actor) return undefined
  const profile = actor.profile?.record
  return {
    did,
    handle: actor.handle ?? INVALID_HANDLE,
    displayName: stringField(profile?.displayName),
    pronouns: stringField(profile?.pronouns),
    avatar: imageUrl(state.ctx.images, 'avatar', did, profile?.avatar),
    associated: {
      labeler: actor.isLabeler ? true : undefined,
      chat: actor.chat,
      activitySubscription: { allowSubscriptions: actor.allowSubscriptions },
    },
    viewer: viewerState(did, state),
    // The account's labels, its profile record's, then the profile's self-labels (as the reference orders them).
    labels: [...labelsOn(did, state), ...labelsOn(`at://${did}/app.bsky.actor.profile/self`, state), ...selfLabels(actor.profile)],
    createdAt: actor.profile?.createdAt,
    status: statusView(did, state),
    verification: verificationState(did, state),
  }
}

export function profileView(did: string, state: HydrationState): Un$Typed<AppBskyActorDefs.ProfileView> | undefined {
  const actor = state.actors?.get(did)
  const basic = profileViewBasic(did, state)
  if (!actor || !basic) return undefined
  return {
    ...basic,
    // An empty description is no description.
    description: stringField(actor.profile?.record.description) || undefined,
    indexedAt: actor.profile?.sortedAt,
  }
}

/** A profile view whose viewer state names the accounts the viewer follows that follow it (suggestions show them). */
export function profileViewKnownFollowers(did: string, state: HydrationState): Un$Typed<AppBskyActorDefs.ProfileView> | undefined {
  const base = profileView(did, state)
  if (!base) return undefined
  return { ...base, viewer: base.viewer ? { ...base.viewer, knownFollowers: knownFollowers(did, state) } : undefined }
}

/**
 * The viewer's relationship to the account; undefined for anonymous requests. A block in either
 * direction hides the follows, so a blocked pair cannot see that they follow each other.
 */
export function viewerState(did: string, state: HydrationState): AppBskyActorDefs.ViewerState | undefined {
  const viewer = state.ctx.viewer
  if (!viewer) return undefined
  if (did === viewer) return { muted: false, mutedOnlyReposts: false, mutedOnlyQuoteposts: false, blockedBy: false }
  // A full mute (direct or by a mod list) suppresses the scoped flags, as the reference AppView does.
  const muted = viewerMuteExists(did, state)
  const direct = state.actorMutes?.get(did)?.direct
  const mutedByList = mutingModList(did, state)
  const muteFlags = {
    muted,
    mutedOnlyReposts: !muted && !!direct?.onlyReposts,
    mutedOnlyQuoteposts: !muted && !!direct?.onlyQuoteposts,
    mutedByList: mutedByList ? listViewBasic(mutedByList, state) : undefined,
  }
  const rel = state.relationships?.get(did) ?? {}
  const blockingByList = activeModList(rel.blockingByList, state)
  const blockedBy = !!(rel.blockedBy || activeModList(rel.blockedByList, state))
  const blocking = rel.blocking ?? blockingByList
  const blocked = blockedBy || !!blocking
  return {
    ...muteFlags,
    blockedBy,
    blocking,
    blockingByList: blockingByList ? listViewBasic(blockingByList, state) : undefined,
    following: blocked ? undefined : rel.following,
    followedBy: blocked ? undefined : rel.followedBy,
    activitySubscription: activitySubscriptionRefusal(did, state) ? undefined : state.activitySubscriptions?.get(did),
  }
}

/** Accounts the viewer follows that follow `did`, leaving out any that a block or their status hides. */
export function knownFollowers(did: string, state: HydrationState): AppBskyActorDefs.KnownFollowers | undefined {
  const known = state.knownFollowers?.get(did)
  if (!known || known.count === 0) return undefined
  const blocked = state.blocksWith?.get(did)
  const followers = known.sample.flatMap((follower) => {
    if (viewerBlockExists(follower, state) || blocked?.has(follower) || actorIsNotHosted(follower, state)) return []
    const view = profileViewBasic(follower, state)
    return view ? [view] : []
  })
  return { count: known.count, followers }
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}
