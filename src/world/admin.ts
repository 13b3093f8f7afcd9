import type { Client } from '@opensearch-project/opensearch'
import { isWorldActive, withoutSelectors, withSelectors, WorldStore, type WorldDefinition, type WorldPolicy } from '#/world/definition.js'
import { loadMembership } from '#/world/load.js'
import { resolveSelectors, type SelectorNetwork } from '#/world/resolve-selectors.js'
import { describeSelector, parseSelectors, selectorKey } from '#/world/selectors.js'

/**
 * The operations behind `magpie world …` (and any admin endpoint): each checks its input in
 * full first and changes nothing when any of it is wrong. Running ingests pick the stored
 * change up within WORLD_POLL_MS and act on it (backfill who joined, purge who left).
 */

export type AdminResult<T> = { ok: true; value: T } | { ok: false; errors: string[] }

export async function addToWorld(client: Client, prefix: string, net: SelectorNetwork, inputs: string[]): Promise<AdminResult<{ world: WorldDefinition; added: string[] }>> {
  if (inputs.length === 0) return { ok: false, errors: ['name at least one DID, handle, list URI, follows:…, host:… or not-host:…'] }
  const resolved = await resolveSelectors(inputs, net)
  if (!resolved.ok) return resolved
  let added: string[] = []
  const world = await new WorldStore(client, prefix).update((w) => {
    const next = withSelectors(w, resolved.selectors)
    added = next.added.map(describeSelector)
    return next.world
  })
  return { ok: true, value: { world, added } }
}

/** Removes selectors, named as they were added (a handle matches the selectors added by that handle). */
export async function removeFromWorld(client: Client, prefix: string, inputs: string[]): Promise<AdminResult<WorldDefinition>> {
  const { selectors: parsed, errors } = parseSelectors(inputs)
  if (errors.length > 0) return { ok: false, errors }
  const store = new WorldStore(client, prefix)
  const { world: current } = await store.load()
  const keys: string[] = []
  for (const s of parsed) {
    if (s.kind !== 'account-handle' && s.kind !== 'follows-handle') {
      keys.push(selectorKey(s))
      continue
    }
    const kind = s.kind === 'account-handle' ? 'account' : 'follows'
    const match = current.selectors.find((x) => x.kind === kind && x.handle === s.handle)
    if (match) keys.push(selectorKey(match))
    else errors.push(`no selector was added by the handle ${s.handle} (see magpie world list)`)
  }
  errors.push(...withoutSelectors(current, keys).unknown.map((k) => `${k} is not part of the world (see magpie world list)`))
  if (errors.length > 0) return { ok: false, errors }
  const world = await store.update((w) => withoutSelectors(w, keys).world)
  return { ok: true, value: world }
}

export async function setWorldPolicy(client: Client, prefix: string, change: Partial<Record<keyof WorldPolicy, string>>): Promise<AdminResult<WorldDefinition>> {
  const errors: string[] = []
  const patch: Partial<WorldPolicy> & { retentionDays?: number | undefined } = {}
  let clearRetention = false
  if (change.touching !== undefined) {
    if (change.touching === 'keep' || change.touching === 'drop') patch.touching = change.touching
    else errors.push(`touching must be keep or drop, not ${JSON.stringify(change.touching)}`)
  }
  if (change.onRemove !== undefined) {
    if (change.onRemove === 'delete' || change.onRemove === 'keep') patch.onRemove = change.onRemove
    else errors.push(`on-remove must be delete or keep, not ${JSON.stringify(change.onRemove)}`)
  }
  if (change.retentionDays !== undefined) {
    const days = Number(change.retentionDays)
    if (change.retentionDays === 'off') clearRetention = true
    else if (Number.isInteger(days) && days >= 1 && days <= 36_500) patch.retentionDays = days
    else errors.push(`retention-days must be a whole number of days (1–36500) or off, not ${JSON.stringify(change.retentionDays)}`)
  }
  if (errors.length > 0) return { ok: false, errors }
  const world = await new WorldStore(client, prefix).update((w) => {
    const policy = { ...w.policy, ...patch }
    if (clearRetention) delete policy.retentionDays
    return { ...w, policy }
  })
  return { ok: true, value: world }
}

export interface WorldSummary {
  active: boolean
  version: number
  updatedAt: string
  policy: WorldPolicy
  selectors: string[]
  /** Accounts the selectors name or list or follow (accounts placed by host selectors are not enumerable). */
  members: string[]
  /** List owners and followers whose defining records are kept. */
  definers: string[]
  hostSelectors: boolean
}

export async function describeWorld(client: Client, prefix: string): Promise<WorldSummary> {
  const { world } = await new WorldStore(client, prefix).load()
  const membership = isWorldActive(world) ? await loadMembership(client, prefix, world) : undefined
  return {
    active: isWorldActive(world),
    version: world.version,
    updatedAt: world.updatedAt,
    policy: world.policy,
    selectors: world.selectors.map(describeSelector),
    members: membership?.members.sort() ?? [],
    definers: membership?.definerDids.sort() ?? [],
    hostSelectors: membership?.hasHostRules ?? false,
  }
}
