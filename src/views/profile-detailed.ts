import type { AppBskyActorDefs, ComAtprotoRepoStrongRef, Un$Typed } from '@atproto/api'
import { isValidAtUri } from '@atproto/syntax'
import type { HydrationState } from '#/hydration/state.js'
import { imageUrl } from '#/views/images.js'
import { profileViewKnownFollowers } from '#/views/profiles.js'
import { starterPackViewBasic } from '#/views/starterpacks.js'

/**
 * app.bsky.actor.defs#profileViewDetailed: the profile view with its counts, banner, pinned post
 * and the starter pack the account joined through (whose view names its creator's profile).
 */

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
