import type { Client } from '@opensearch-project/opensearch'
import { singleIndex } from '#/indexing/route.js'
import { worldEventsKept, worldEventsSeen, worldFiltered } from '#/metrics.js'
import { isWorldActive, WorldStore, type WorldPolicy } from '#/world/definition.js'
import { APPLIED_ID } from '#/world/keeper.js'
import { describeSelector } from '#/world/selectors.js'

/**
 * The small world on the status page. Public: whether there is one, how many members, how many
 * records are kept, and what share of the firehose this process kept. Behind the admin token:
 * what defines it (selectors, policy) and how much was passed over before decoding.
 */
export interface WorldStatus {
  active: boolean
  /** Accounts its selectors name, list or follow, as last acted on by an ingest; null before any has. */
  members: number | null
  /** Host selectors place more accounts than `members` counts (they are known only as they post). */
  hostSelectors: boolean
  /** Records the index holds (public families): under a world, what it keeps. */
  records: number | null
  /** This process's live ingest since it started (zeros in a process that runs none). */
  firehose: { seen: number; kept: number; keptShare: number | null; passedOverBeforeDecoding?: number }
  selectors?: string[]
  policy?: WorldPolicy
  version?: number
}

/** What the index says of the world: the definition and the member count the ingest last acted on. */
export interface StoredWorld {
  active: boolean
  selectors: string[]
  hostSelectors: boolean
  policy: WorldPolicy
  version: number
  memberCount: number | null
}

export async function readStoredWorld(client: Client, prefix: string): Promise<StoredWorld> {
  const { world } = await new WorldStore(client, prefix).load()
  const active = isWorldActive(world)
  let memberCount: number | null = active ? null : 0
  if (active) {
    // Only the count: the members themselves may be hundreds of thousands of DIDs.
    const res = await client.get({ index: singleIndex(prefix, 'state'), id: APPLIED_ID, _source_includes: 'value.memberCount' } as any, { ignore: [404] })
    const n = (res.body as any)?._source?.value?.memberCount
    if (typeof n === 'number') memberCount = n
  }
  return {
    active,
    selectors: world.selectors.map(describeSelector),
    hostSelectors: world.selectors.some((s) => s.kind === 'host'),
    policy: world.policy,
    version: world.version,
    memberCount,
  }
}

async function total(metric: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> {
  return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0)
}

export async function worldStatus(stored: StoredWorld | undefined, records: number | null, admin: boolean): Promise<WorldStatus> {
  const [seen, kept, passedOver] = await Promise.all([total(worldEventsSeen), total(worldEventsKept), total(worldFiltered)])
  const status: WorldStatus = {
    active: stored?.active ?? false,
    members: stored ? stored.memberCount : null,
    hostSelectors: stored?.hostSelectors ?? false,
    records,
    firehose: { seen, kept, keptShare: seen > 0 ? Math.round((kept / seen) * 10_000) / 10_000 : null },
  }
  if (admin) {
    status.firehose.passedOverBeforeDecoding = passedOver
    if (stored) Object.assign(status, { selectors: stored.selectors, policy: stored.policy, version: stored.version })
  }
  return status
}
