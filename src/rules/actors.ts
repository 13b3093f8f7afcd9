import type { HydrationState } from '#/hydration/state.js'

/**
 * What hides an account or the content between two accounts, in one place: endpoints apply these
 * in their rules step, and views consult them where a nested view must be left out.
 */

const TAKEDOWN_STATUSES = new Set(['takendown', 'suspended'])

/** Taken down (or suspended) by its host, by the network, or by a takedown label the request applies. */
export function actorIsTakendown(did: string, state: HydrationState): boolean {
  const actor = state.actors?.get(did)
  return !!actor && (TAKEDOWN_STATUSES.has(actor.hostingStatus) || !!state.labels?.get(did)?.takendown)
}

export function actorIsDeactivated(did: string, state: HydrationState): boolean {
  return state.actors?.get(did)?.hostingStatus === 'deactivated'
}

/** Deactivated or taken down: the account's profile and content are not shown. */
export function actorIsNotHosted(did: string, state: HydrationState): boolean {
  return actorIsDeactivated(did, state) || actorIsTakendown(did, state)
}

/**
 * A moderation list in force: it exists, is a mod list, and its owner is a visible account.
 * Blocks through lists that do not pass are ignored, as the reference AppView does.
 */
export function activeModList(uri: string | undefined, state: HydrationState): string | undefined {
  if (!uri) return undefined
  const list = state.lists?.get(uri)
  if (!list || list.record.record.purpose !== 'app.bsky.graph.defs#modlist') return undefined
  const owner = list.record.did
  if (!state.actors?.get(owner) || actorIsTakendown(owner, state)) return undefined
  return uri
}

/** The viewer blocks the account or is blocked by it, directly or through a mod list. */
export function viewerBlockExists(did: string, state: HydrationState): boolean {
  const rel = state.relationships?.get(did)
  if (!rel) return false
  return !!(rel.blocking || rel.blockedBy || activeModList(rel.blockingByList, state) || activeModList(rel.blockedByList, state))
}

/**
 * The list through which the viewer mutes the account: the first of the muted lists it is on
 * that is a mod list in force (muting a curation list mutes no one, as in the reference AppView).
 */
export function mutingModList(did: string, state: HydrationState): string | undefined {
  for (const list of state.actorMutes?.get(did)?.byLists ?? []) if (activeModList(list, state)) return list
  return undefined
}

/** The viewer mutes the account fully, directly or through a mod list (private: the requester's own mutes). */
export function viewerMuteExists(did: string, state: HydrationState): boolean {
  const mute = state.actorMutes?.get(did)
  if (!mute) return false
  const full = !!mute.direct && !mute.direct.onlyReposts && !mute.direct.onlyQuoteposts
  return full || !!mutingModList(did, state)
}

/** The viewer mutes only the account's reposts. */
export function viewerRepostMuteExists(did: string, state: HydrationState): boolean {
  return !!state.actorMutes?.get(did)?.direct?.onlyReposts
}

/** The viewer mutes only the account's quote posts. */
export function viewerQuotepostMuteExists(did: string, state: HydrationState): boolean {
  return !!state.actorMutes?.get(did)?.direct?.onlyQuoteposts
}

/** The account declared (app.bsky.actor.contentVisibilityDeclaration) it is not to be recommended. */
export function actorHidesFromRecommendations(did: string, state: HydrationState): boolean {
  return !!state.actors?.get(did)?.hideFromRecommendations
}

/**
 * An account that may be recommended to the viewer, or whose feeds, starter packs and posts
 * may: shown (hosted), no block either way, not muted, and not one that asked not to be.
 */
export function recommendableActor(did: string, state: HydrationState): boolean {
  if (actorIsNotHosted(did, state) || actorHidesFromRecommendations(did, state)) return false
  return !viewerBlockExists(did, state) && !viewerMuteExists(did, state)
}

/** An account worth suggesting to the viewer to follow: recommendable, not the viewer, not already followed. */
export function suggestableActor(did: string, state: HydrationState): boolean {
  if (did === state.ctx.viewer || state.relationships?.get(did)?.following) return false
  return recommendableActor(did, state)
}
