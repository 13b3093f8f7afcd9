import type { Client } from '@opensearch-project/opensearch'
import { isWorldActive, withoutSelectors, withSelectors, WorldStore, type WorldDefinition, type WorldPolicy } from '#/world/definition.js'
import { loadMembership } from '#/world/load.js'
import { resolveSelectors, type SelectorNetwork } from '#/world/resolve-selectors.js'
import { describeSelector, parseSelectors, selectorKey } from '#/world/selectors.js'

/**
 * The operations behind `magpie world …` and the admin XRPC: each checks its input in full
 * first and changes nothing when any of it is wrong — a change of several parts (remove, add,
 * policy) is written as one, or not at all. Running ingests pick the stored change up within
 * WORLD_POLL_MS and act on it (backfill who joined, purge who left).
 */

export type AdminResult<T> = { ok: true; value: T } | { ok: false; errors: string[] }

/** A part of a change, checked: how it edits the stored world, or why it cannot. */
type Checked = AdminResult<(world: WorldDefinition) => WorldDefinition>

export type PolicyChange = Partial<Record<keyof WorldPolicy, string>>

export interface WorldChange {
  remove?: string[]
  add?: string[]
  policy?: PolicyChange
}

/** Removals, then additions, then the policy: every part checked before anything is written. */
export async function changeWorld(client: Client, prefix: string, net: SelectorNetwork, change: WorldChange): Promise<AdminResult<WorldDefinition>> {
  const store = new WorldStore(client, prefix)
  const parts: Checked[] = []
  if (change.remove?.length) parts.push(await removal(store, change.remove))
  if (change.add?.length) parts.push(await addition(net, change.add))
  if (change.policy && Object.values(change.policy).some((v) => v !== undefined)) parts.push(policyChange(change.policy))
  // Asking for nothing is no change (no new version for the ingests to reload).
  if (parts.length === 0) return { ok: true, value: (await store.load()).world }
  return worldOf(await commit(store, parts))
}

export async function addToWorld(client: Client, prefix: string, net: SelectorNetwork, inputs: string[]): Promise<AdminResult<{ world: WorldDefinition; added: string[] }>> {
  if (inputs.length === 0) return { ok: false, errors: ['name at least one DID, handle, list URI, follows:…, host:… or not-host:…'] }
  const done = await commit(new WorldStore(client, prefix), [await addition(net, inputs)])
  if (!done.ok) return done
  const { world, before } = done.value
  const had = new Set(before.selectors.map(selectorKey))
  return { ok: true, value: { world, added: world.selectors.filter((s) => !had.has(selectorKey(s))).map(describeSelector) } }
}

/** Removes selectors, named as they were added (a handle matches the selectors added by that handle). */
export async function removeFromWorld(client: Client, prefix: string, inputs: string[]): Promise<AdminResult<WorldDefinition>> {
  const store = new WorldStore(client, prefix)
  return worldOf(await commit(store, [await removal(store, inputs)]))
}

export async function setWorldPolicy(client: Client, prefix: string, change: PolicyChange): Promise<AdminResult<WorldDefinition>> {
  return worldOf(await commit(new WorldStore(client, prefix), [policyChange(change)]))
}

/** Writes the checked parts as one change (one new version), or nothing with every reason. */
async function commit(store: WorldStore, parts: Checked[]): Promise<AdminResult<{ world: WorldDefinition; before: WorldDefinition }>> {
  const errors = parts.flatMap((p) => (p.ok ? [] : p.errors))
  if (errors.length > 0) return { ok: false, errors }
  const edits = parts.flatMap((p) => (p.ok ? [p.value] : []))
  let before: WorldDefinition | undefined
  const world = await store.update((w) => {
    before = w
    return edits.reduce((next, edit) => edit(next), w)
  })
  return { ok: true, value: { world, before: before! } }
}

const worldOf = (done: AdminResult<{ world: WorldDefinition }>): AdminResult<WorldDefinition> => (done.ok ? { ok: true, value: done.value.world } : done)

async function addition(net: SelectorNetwork, inputs: string[]): Promise<Checked> {
  const resolved = await resolveSelectors(inputs, net)
  return resolved.ok ? { ok: true, value: (w) => withSelectors(w, resolved.selectors).world } : resolved
}

/** Checked against the stored world: a selector it does not have is an error, not a silent no-op. */
async function removal(store: WorldStore, inputs: string[]): Promise<Checked> {
  const { selectors: parsed, errors } = parseSelectors(inputs)
  if (errors.length > 0) return { ok: false, errors }
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
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: (w) => withoutSelectors(w, keys).world }
}

function policyChange(change: PolicyChange): Checked {
  const errors: string[] = []
  const patch: Partial<WorldPolicy> = {}
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
  return {
    ok: true,
    value: (w) => {
      const policy = { ...w.policy, ...patch }
      if (clearRetention) delete policy.retentionDays
      return { ...w, policy }
    },
  }
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
