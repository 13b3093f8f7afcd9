import type { Client } from '@opensearch-project/opensearch'
import { singleIndex } from '#/indexing/route.js'
import { selectorKey, type WorldSelector } from '#/world/selectors.js'

/**
 * A small world as stored in the state index (one document, id `world`): the selectors that
 * name its members and the policies of what is kept. No document, or one with no selectors,
 * means no world: the whole network is indexed, as Magpie always did.
 */
export interface WorldDefinition {
  selectors: WorldSelector[]
  policy: WorldPolicy
  /** Bumped on every change: running processes compare it to see that they must reload. */
  version: number
  updatedAt: string
}

export interface WorldPolicy {
  /**
   * Records of outsiders that name the world (likes, reposts, replies, quotes and mentions of
   * members' posts; follows, blocks and list items of members): `keep` (the default) so counts
   * and notifications of members are right; `drop` to keep members' own records only.
   */
  touching: 'keep' | 'drop'
  /** A member who leaves the world: `delete` (the default) their records, or `keep` them. */
  onRemove: 'delete' | 'keep'
  /** Records older than this many days are dropped, whole monthly partitions at a time; unset keeps everything. */
  retentionDays?: number
}

export const DEFAULT_POLICY: WorldPolicy = { touching: 'keep', onRemove: 'delete' }

export const WORLD_STATE_ID = 'world'

export function emptyWorld(): WorldDefinition {
  return { selectors: [], policy: { ...DEFAULT_POLICY }, version: 0, updatedAt: new Date(0).toISOString() }
}

/** Whether a world is configured at all (otherwise everything is indexed). */
export function isWorldActive(world: WorldDefinition | undefined): world is WorldDefinition {
  return world !== undefined && world.selectors.length > 0
}

/** The definition with `added` selectors (those not in it already); answers which were new. */
export function withSelectors(world: WorldDefinition, added: WorldSelector[]): { world: WorldDefinition; added: WorldSelector[] } {
  const have = new Set(world.selectors.map(selectorKey))
  const fresh: WorldSelector[] = []
  for (const s of added) {
    const key = selectorKey(s)
    if (have.has(key)) continue
    have.add(key)
    fresh.push(s)
  }
  return { world: { ...world, selectors: [...world.selectors, ...fresh] }, added: fresh }
}

/** The definition without the selectors named by `keys` (selectorKey); answers which keys named nothing. */
export function withoutSelectors(world: WorldDefinition, keys: string[]): { world: WorldDefinition; unknown: string[] } {
  const drop = new Set(keys)
  const unknown = keys.filter((k) => !world.selectors.some((s) => selectorKey(s) === k))
  return { world: { ...world, selectors: world.selectors.filter((s) => !drop.has(selectorKey(s))) }, unknown }
}

/**
 * The world document in the state index. Writes are guarded by the document's sequence number,
 * so two operators changing the world at once cannot silently undo each other.
 */
export class WorldStore {
  private readonly index: string

  constructor(
    private readonly client: Client,
    prefix: string,
  ) {
    this.index = singleIndex(prefix, 'state')
  }

  async load(): Promise<{ world: WorldDefinition; guard?: { seqNo: number; primaryTerm: number } }> {
    const res = await this.client.get({ index: this.index, id: WORLD_STATE_ID }, { ignore: [404] })
    const body = res.body as { found?: boolean; _seq_no?: number; _primary_term?: number; _source?: { value?: WorldDefinition } }
    if (!body.found || !body._source?.value) return { world: emptyWorld() }
    const stored = body._source.value
    const world = { ...emptyWorld(), ...stored, policy: { ...DEFAULT_POLICY, ...stored.policy } }
    return { world, guard: { seqNo: body._seq_no!, primaryTerm: body._primary_term! } }
  }

  /** Applies `change` to the stored world and saves it, retrying when someone else wrote in between. */
  async update(change: (world: WorldDefinition) => WorldDefinition): Promise<WorldDefinition> {
    for (let attempt = 0; ; attempt++) {
      const { world, guard } = await this.load()
      const next = { ...change(world), version: world.version + 1, updatedAt: new Date().toISOString() }
      const body = { kind: 'world', value: next, updatedAt: next.updatedAt }
      const cond = guard ? { if_seq_no: guard.seqNo, if_primary_term: guard.primaryTerm } : { op_type: 'create' as const }
      const res = await this.client.index({ index: this.index, id: WORLD_STATE_ID, body, refresh: 'wait_for', ...cond } as any, { ignore: [409] })
      if (res.statusCode !== 409) return next
      if (attempt >= 5) throw new Error('the world definition keeps changing under us; try again')
    }
  }
}
