import type { AppBskyActorDefs, ComAtprotoRepoStrongRef, Un$Typed } from '@atproto/api'
import { INVALID_HANDLE, isValidAtUri } from '@atproto/syntax'
import type { HydrationState } from '#/hydration/state.js'
import { activitySubscriptionRefusal } from '#/rules/activity-subscriptions.js'
import { activeModList, actorIsNotHosted, mutingModList, viewerBlockExists, viewerMuteExists } from '#/rules/actors.js'
import { imageUrl } from '#/views/images.js'
import { labelsOn, selfLabels } from '#/views/labels.js'
import { listViewBasic } from '#/views/lists.js'
import { starterPackViewBasic } from '#/views/starterpacks.js'
import { statusView } from '#/views/status.js'
import { verificationState } from '#/views/verification.js'

/**
 * The three profile views of app.bsky.actor.defs, each built on the smaller one. A view is
 * undefined when its account was not hydrated or is hidden (unknown, deleted, not hosted).
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

export function profileViewDetailed(did: string, state: HydrationState): Un$Typed<AppBskyActorDefs.ProfileViewDetailed> | undefined {
  const actor = state.actors?.get(did)
  const base = profileViewKnownFollowers(did, state)
  if (!actor || !base) return undefined
  const profile = actor.profile?.record
  const counts = state.profileCounts?.get(did)
  const joinedVia = strongRef(profile?.joinedViaStarterPack)
  return {
    ...base,
    website: httpsWebsite(profile?.website),
    banner: imageUrl(state.ctx.images, 'banner', did, profile?.banner),
    followersCount: counts?.followers ?? 0,
    followsCount: counts?.follows ?? 0,
    postsCount: counts?.posts ?? 0,
    associated: {
      lists: counts?.lists ?? 0,
      feedgens: counts?.feedgens ?? 0,
      starterPacks: counts?.starterPacks ?? 0,
      labeler: actor.isLabeler,
      chat: actor.chat,
      activitySubscription: { allowSubscriptions: actor.allowSubscriptions },
    },
    joinedViaStarterPack: joinedVia ? starterPackViewBasic(joinedVia.uri, state) : undefined,
    pinnedPost: strongRef(profile?.pinnedPost),
  }
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

/** Only https links are handed to clients, whatever URI the record holds. */
function httpsWebsite(value: unknown): string | undefined {
  return typeof value === 'string' && value.startsWith('https://') ? value : undefined
}

function strongRef(value: unknown): ComAtprotoRepoStrongRef.Main | undefined {
  const ref = value as { uri?: unknown; cid?: unknown } | undefined
  if (typeof ref?.uri !== 'string' || typeof ref.cid !== 'string' || !isValidAtUri(ref.uri)) return undefined
  // Served as the record holds it (a `$type` included), as the reference AppView does.
  return value as ComAtprotoRepoStrongRef.Main
}
