import type { Client } from '@opensearch-project/opensearch'
import type { BackfillRun } from '#/ingest/backfill/start.js'
import { isWorldActive, WorldStore } from '#/world/definition.js'
import { WorldFilter } from '#/world/filter.js'
import { backfillRecordFilter, retentionStart } from '#/world/keeper.js'
import { loadMembership } from '#/world/load.js'

/** What a backfill inside a small world takes, as the index knows the world now. */
export interface WorldBackfill extends Pick<BackfillRun, 'acceptRepo' | 'keepRecord'> {
  /** Accounts named, listed or followed into the world (as far as the index holds the lists and follows). */
  members: string[]
  /** List owners and the accounts behind `follows:`: their repos hold what makes members. */
  definers: string[]
  hostSelectors: boolean
}

/**
 * A backfill inside a small world: of the repos a relay or PDS lists, only members' and
 * definers' (host selectors: by the account's PDS, one DID lookup each); of their records,
 * a member's all and a definer's defining ones, none older than the retention. Undefined
 * when no world is configured: everything is backfilled, as before.
 */
export async function worldBackfillFilters(
  client: Client,
  prefix: string,
  pdsHost: (did: string) => Promise<string | undefined>,
): Promise<WorldBackfill | undefined> {
  const { world } = await new WorldStore(client, prefix).load()
  if (!isWorldActive(world)) return undefined
  const membership = await loadMembership(client, prefix, world)
  const filter = new WorldFilter(membership, world.policy, new Set(), pdsHost, retentionStart(world))
  const placed = new Set<string>()
  return {
    members: membership.members,
    definers: membership.definerDids,
    hostSelectors: membership.hasHostRules,
    acceptRepo: async (repo) => {
      if (membership.isKnownMember(repo.did) || membership.definesWith(repo.did)) return true
      if (!membership.hasHostRules || !(await filter.isMember(repo.did))) return false
      placed.add(repo.did)
      return true
    },
    keepRecord: backfillRecordFilter(membership, retentionStart(world), placed),
  }
}
