import { worldEventsKept, worldEventsSeen } from '#/metrics.js'
import type { WorldPolicy } from '#/world/definition.js'
import type { Membership, MembershipChange } from '#/world/membership.js'
import { isExpiredRecord } from '#/world/retention.js'
import { TOUCHING_COLLECTIONS, touchedDids } from '#/world/touches.js'

/** A record operation as the world judges it (ingest's RecordOpEvent is one). */
export type WorldOp =
  | { event: 'create' | 'update'; did: string; collection: string; rkey: string; uri: string; record: Record<string, unknown> }
  | { event: 'delete'; did: string; collection: string; rkey: string; uri: string }

/** Where an account is hosted, when host selectors need it (cached by the caller; undefined: unknown). */
export type HostLookup = (did: string) => Promise<string | undefined>

/** DID → its PDS's host as host selectors name it: the host name, with the port when not the scheme's default. */
export function pdsHostOf(resolver: { resolveDid(did: string): Promise<{ pds?: string } | null> }): HostLookup {
  return async (did) => {
    const pds = (await resolver.resolveDid(did))?.pds
    if (!pds) return undefined
    try {
      return new URL(pds).host.toLowerCase()
    } catch {
      return undefined
    }
  }
}

/**
 * What of the network a world keeps, decided per commit:
 *  - every record of a member;
 *  - the defining records of definers (list items of world lists, follows behind `follows:`);
 *  - with `touching: keep`, an outsider's record that names a member (touches.ts), and later
 *    deletes by outsiders who have had such a record kept ("touchers": a delete carries no
 *    content, and anyone else's delete concerns nothing that was kept);
 *  - nothing older than the retention.
 * Decisions on the raw frame (mayKeep*) come first, so that the rest of the network costs
 * no CAR parsing, no hashing and no record decoding.
 */
export class WorldFilter {
  constructor(
    readonly membership: Membership,
    readonly policy: WorldPolicy,
    /** Outsiders with kept records; grown as more are kept. */
    private readonly touchers: Set<string>,
    private readonly hostOf: HostLookup | undefined,
    /** The first month kept by retention (retention.ts firstKeptMonth); undefined keeps all. */
    private readonly keptFrom: number | undefined,
  ) {}

  /**
   * From the undecoded commit: whether any of its operations could be kept. Host selectors are
   * answered later (they need a lookup), so with them every commit may be.
   */
  mayKeepCommit(repo: string, ops: readonly { action?: unknown; path?: unknown }[], blocks?: Uint8Array): boolean {
    // Every commit under a world comes through here once; whether it was kept, keepOps counts.
    worldEventsSeen.inc()
    if (this.membership.hasHostRules || this.membership.isKnownMember(repo) || this.membership.definesWith(repo)) return true
    if (this.policy.touching !== 'keep') return false
    const toucher = this.touchers.has(repo)
    let creates = false
    for (const op of ops) {
      const path = typeof op.path === 'string' ? op.path : ''
      if (!TOUCHING_COLLECTIONS.has(path.slice(0, path.indexOf('/')))) continue
      if (op.action === 'delete') {
        if (toucher) return true
      } else creates = true
    }
    // A record that names a member holds the member's DID as text: a commit whose bytes name
    // none cannot touch the world, and is passed over without parsing its CAR.
    return creates && (blocks === undefined || namesAny(blocks, this.membership))
  }

  /** Identity, account and sync events: only for accounts whose records are kept. */
  mayKeepAccount(did: string): boolean {
    worldEventsSeen.inc()
    const keep = this.membership.hasHostRules || this.membership.isKnownMember(did) || this.membership.definesWith(did) !== undefined || this.touchers.has(did)
    if (keep) worldEventsKept.inc()
    return keep
  }

  async isMember(did: string): Promise<boolean> {
    if (this.membership.isKnownMember(did)) return true
    if (!this.membership.hasHostRules || !this.hostOf) return false
    const host = await this.hostOf(did)
    return host !== undefined && this.membership.hostSelects(host)
  }

  /** The operations of one commit the world keeps, and how membership changed through them. */
  async keepOps<O extends WorldOp>(repo: string, ops: O[]): Promise<{ ops: O[] } & MembershipChange> {
    const kept: O[] = []
    const added: string[] = []
    const removed: string[] = []
    let member: boolean | undefined
    for (const op of ops) {
      if (isExpiredRecord(op.collection, op.rkey, this.keptFrom)) continue
      const seen = this.membership.observe({ ...op, record: op.event === 'delete' ? undefined : op.record })
      added.push(...seen.added)
      removed.push(...seen.removed)
      member ??= await this.isMember(repo)
      if (member || seen.defining || this.touchesWorld(repo, op)) kept.push(op)
    }
    if (kept.length > 0) worldEventsKept.inc()
    return { ops: kept, added, removed }
  }

  private touchesWorld(repo: string, op: WorldOp): boolean {
    if (this.policy.touching !== 'keep' || !TOUCHING_COLLECTIONS.has(op.collection)) return false
    if (op.event === 'delete') return this.touchers.has(repo)
    if (!touchedDids(op.collection, op.record).some((did) => this.membership.isKnownMember(did))) return false
    this.touchers.add(repo)
    return true
  }
}

const DID_PREFIX = Buffer.from('did:')
const PLC_PREFIX = 'did:plc:'
/** A did:plc is exactly this long; the bytes after it in CBOR may well look like DID characters. */
const PLC_LENGTH = 32

/**
 * Whether the bytes hold, as text, the DID of a known member. did:plc DIDs (fixed length) are
 * looked up directly; members of other methods (did:web, few) are compared at each `did:`.
 */
export function namesAny(bytes: Uint8Array, membership: Pick<Membership, 'isKnownMember' | 'otherMethodMembers'>): boolean {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const others = membership.otherMethodMembers
  for (let i = buf.indexOf(DID_PREFIX); i >= 0; i = buf.indexOf(DID_PREFIX, i + 4)) {
    if (buf.toString('latin1', i, i + 8) === PLC_PREFIX) {
      if (membership.isKnownMember(buf.toString('latin1', i, i + PLC_LENGTH))) return true
      continue
    }
    for (const did of others) if (buf.toString('latin1', i, i + did.length) === did) return true
  }
  return false
}
