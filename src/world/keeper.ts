import type { Client } from '@opensearch-project/opensearch'
import { LRUCache } from 'lru-cache'
import type { Logger } from '#/log.js'
import { worldMembers } from '#/metrics.js'
import { StateStore } from '#/store/state.js'
import { isWorldActive, WorldStore, type WorldDefinition } from '#/world/definition.js'
import { WorldFilter, type HostLookup } from '#/world/filter.js'
import { loadMembership, loadTouchers } from '#/world/load.js'
import type { Membership, MembershipChange } from '#/world/membership.js'
import { purgeAccounts } from '#/world/purge.js'
import { applyRetention, firstKeptMonth, isExpiredRecord } from '#/world/retention.js'

/** What a world-aware backfill needs: which repos, and which of their records (retention, definers). */
export interface WorldBackfillRequest {
  repos: string[]
  keepRecord: (did: string, collection: string, rkey: string) => boolean
}

export interface WorldKeeperOptions {
  client: Client
  prefix: string
  log: Logger
  /** How often the stored definition is checked for changes. */
  pollMs: number
  /** Backfills repos (new members, new definers) for the world; resolves when done. */
  backfill: (req: WorldBackfillRequest) => Promise<void>
  /** DID → its PDS's host name, for host selectors. */
  pdsHost?: (did: string) => Promise<string | undefined>
}

interface Applied {
  members: string[]
  definers: string[]
  /** members.length, readable alone (`_source_includes`) by the status page. */
  memberCount?: number
}

/** The first month retention keeps, when the world has a retention. */
export function retentionStart(world: WorldDefinition, now = Date.now()): number | undefined {
  return world.policy.retentionDays !== undefined ? firstKeptMonth(world.policy.retentionDays, now) : undefined
}

/** Retention is checked this often (and whenever the definition changes). */
const RETENTION_INTERVAL_MS = 3_600_000

/** Id of the state document holding the members the index was last brought in line with. */
export const APPLIED_ID = 'world:applied'

/**
 * Keeps a running ingest in step with the world: loads the definition and its membership from
 * the index, re-reads the definition every `pollMs` (so `magpie world add/remove` takes effect
 * without a restart), and acts on membership changes — from the definition or from list items
 * and follows seen live — by backfilling who joined and purging who left (by policy). The
 * members acted on are saved, so a change made while nothing ran is acted on at the next start.
 */
export class WorldKeeper {
  private filter: WorldFilter | undefined
  private world: WorldDefinition | undefined
  private timer: NodeJS.Timeout | undefined
  private readonly state: StateStore
  private readonly store: WorldStore
  private settle: () => Promise<void> = async () => {}
  /** Membership work, one change at a time, in order. */
  private work: Promise<void> = Promise.resolve()
  private readonly hosts = new LRUCache<string, { host?: string }>({ max: 1_000_000 })
  private readonly hostOf: HostLookup | undefined
  private retentionAt = 0

  constructor(private readonly opts: WorldKeeperOptions) {
    this.state = new StateStore(opts.client, opts.prefix)
    this.store = new WorldStore(opts.client, opts.prefix)
    const pdsHost = opts.pdsHost
    this.hostOf = pdsHost
      ? async (did) => {
          const cached = this.hosts.get(did)
          if (cached) return cached.host
          const host = await pdsHost(did).catch(() => undefined)
          this.hosts.set(did, { host })
          return host
        }
      : undefined
  }

  /** The filter to apply now; undefined when no world is configured (everything is kept). */
  current(): WorldFilter | undefined {
    return this.filter
  }

  /** The writes of the ingest must be acknowledged before a purge, or a late one would bring a purged record back. */
  attach(settle: () => Promise<void>): void {
    this.settle = settle
  }

  /** An account's host may have changed (an #identity event): forget what was known. */
  forgetHost(did: string): void {
    this.hosts.delete(did)
  }

  async start(): Promise<void> {
    await this.reload()
    this.timer = setInterval(() => {
      this.enqueue(() => this.reloadIfChanged())
      if (Date.now() - this.retentionAt >= RETENTION_INTERVAL_MS) this.enqueue(() => this.retain())
    }, this.opts.pollMs)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    await this.work
  }

  /** Membership changed through records seen live. */
  changed(change: MembershipChange): void {
    if (change.added.length === 0 && change.removed.length === 0) return
    this.enqueue(() => this.act(change))
  }

  /** Resolves once every membership change queued so far has been acted on (tests, a clean stop). */
  idle(): Promise<void> {
    return this.work
  }

  private enqueue(fn: () => Promise<void>): void {
    this.work = this.work.then(fn).catch((err) => this.opts.log.error({ err }, 'world: acting on a change failed'))
  }

  private async reloadIfChanged(): Promise<void> {
    const { world } = await this.store.load()
    if (world.version !== (this.world?.version ?? 0)) await this.reload()
  }

  /** Loads the definition and membership; backfills new definers, then acts on the member diff. */
  private async reload(): Promise<void> {
    const { client, prefix, log } = this.opts
    const { world } = await this.store.load()
    this.world = world
    if (!isWorldActive(world)) {
      if (this.filter) log.info('world: no world configured any more; indexing everything')
      this.filter = undefined
      worldMembers.set(0)
      return
    }
    const applied = (await this.state.get<Applied>(APPLIED_ID)) ?? { members: [], definers: [] }
    let membership = await loadMembership(client, prefix, world)
    const keptFrom = retentionStart(world)
    const touchers = await loadTouchers(client, prefix, membership)
    // In force at once (a world defined while ingest runs must not let everything in meanwhile).
    this.filter = new WorldFilter(membership, world.policy, touchers, this.hostOf, keptFrom)
    // Definers whose defining records the index may not hold yet (a list or follows just added).
    const knownDefiners = new Set(applied.definers ?? [])
    const freshDefiners = membership.definerDids.filter((d) => !knownDefiners.has(d))
    if (freshDefiners.length > 0) {
      await this.opts.backfill({ repos: freshDefiners, keepRecord: backfillRecordFilter(membership, keptFrom) })
      // Acknowledged is not yet searchable: the defining records are read back at once.
      await client.indices.refresh({ index: `${prefix}*` }, { ignore: [404] })
      membership = await loadMembership(client, prefix, world)
      this.filter = new WorldFilter(membership, world.policy, touchers, this.hostOf, keptFrom)
    }
    log.info({ version: world.version, members: membership.members.length, definers: membership.definerDids.length }, 'world loaded')
    await this.retain()
    const before = new Set(applied.members)
    const now = new Set(membership.members)
    await this.act({ added: [...now].filter((d) => !before.has(d)), removed: [...before].filter((d) => !now.has(d)) })
  }

  /** Drops the partitions older than the world's retention (when it has one). */
  private async retain(): Promise<void> {
    this.retentionAt = Date.now()
    const days = this.world?.policy.retentionDays
    if (!isWorldActive(this.world) || days === undefined) return
    await applyRetention(this.opts.client, this.opts.prefix, days, this.opts.log)
  }

  /** Backfills the accounts that joined, purges (by policy) those that left, and records the result. */
  private async act(change: MembershipChange): Promise<void> {
    const filter = this.filter
    const { client, prefix, log } = this.opts
    const removed = filter ? change.removed.filter((d) => !filter.membership.isKnownMember(d)) : change.removed
    if (removed.length > 0 && (this.world?.policy.onRemove ?? 'delete') === 'delete') {
      await this.settle()
      await purgeAccounts(client, prefix, removed, log)
    }
    const added = filter ? change.added.filter((d) => filter.membership.isKnownMember(d)) : []
    if (added.length > 0 && filter) {
      log.info({ dids: added.slice(0, 20), accounts: added.length }, 'world: backfilling new members')
      await this.opts.backfill({ repos: added, keepRecord: backfillRecordFilter(filter.membership, this.world && retentionStart(this.world)) })
    }
    const members = filter?.membership.members ?? []
    worldMembers.set(members.length)
    const applied: Applied = { members, definers: filter?.membership.definerDids ?? [], memberCount: members.length }
    await this.state.put(APPLIED_ID, 'world', applied)
  }
}

/**
 * Records a backfill of world repos keeps: a member's all (`placed`: members by their host,
 * whom no list names), a definer's defining ones; none older than the retention.
 */
export function backfillRecordFilter(membership: Membership, keptFrom: number | undefined, placed?: ReadonlySet<string>): WorldBackfillRequest['keepRecord'] {
  return (did, collection, rkey) => {
    if (isExpiredRecord(collection, rkey, keptFrom)) return false
    return membership.isKnownMember(did) || placed?.has(did) === true || membership.definesWith(did)?.has(collection) === true
  }
}
