import type { HydrationState } from '#/hydration/state.js'

/**
 * What hides an account or the content between two accounts, in one place: endpoints apply these
 * in their rules step, and views consult them where a nested view must be left out.
 */

const TAKEDOWN_STATUSES = new Set(['takendown', 'suspended'])

/** Taken down (or suspended) by its host or by the network. */
export function actorIsTakendown(did: string, state: HydrationState): boolean {
  const actor = state.actors?.get(did)
  return !!actor && TAKEDOWN_STATUSES.has(actor.hostingStatus)
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
