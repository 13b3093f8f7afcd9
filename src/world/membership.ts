import { hostSelected, type WorldSelector } from '#/world/selectors.js'

const LIST = 'app.bsky.graph.list'
const LISTITEM = 'app.bsky.graph.listitem'
const FOLLOW = 'app.bsky.graph.follow'

/** A record that makes someone a member: a list item of a world list, a follow of a world follower. */
export interface DefiningRecord {
  uri: string
  /** The list the item is on (list items only). */
  list?: string
  subject: string
}

export interface MembershipChange {
  added: string[]
  removed: string[]
}

/**
 * Who is in the world right now, from its selectors and the records that define it: accounts
 * named outright, the subjects of the items of its lists and of the follows of its followed
 * accounts, and (by host) whoever a host lookup places on a selected PDS. An account may be a
 * member for several reasons; it leaves when the last one goes.
 *
 * The accounts whose records define membership — list owners, the followers behind `follows:`
 * — are "definers": those records of theirs are kept even when they are not members.
 */
export class Membership {
  private readonly reasons = new Map<string, number>()
  private readonly others = new Set<string>()
  /** Defining record URI → the member it makes. */
  private readonly defining = new Map<string, string>()
  private readonly lists = new Set<string>()
  /** Definer DID → the collection of its defining records. */
  private readonly definers = new Map<string, Set<string>>()
  readonly hasHostRules: boolean

  constructor(readonly selectors: readonly WorldSelector[]) {
    this.hasHostRules = selectors.some((s) => s.kind === 'host')
    for (const s of selectors) {
      if (s.kind === 'account') this.addReason(s.did)
      if (s.kind === 'list') {
        this.lists.add(s.uri)
        this.addDefiner(s.owner, LISTITEM)
        // The list record itself too, so the world's lists can be read (getList) like any other.
        this.addDefiner(s.owner, LIST)
      }
      if (s.kind === 'follows') this.addDefiner(s.did, FOLLOW)
    }
  }

  /** The lists whose items make members. */
  get listUris(): string[] {
    return [...this.lists]
  }

  /** Accounts known to be members (without those only a host lookup would place). */
  get members(): string[] {
    return [...this.reasons.keys()]
  }

  get definerDids(): string[] {
    return [...this.definers.keys()]
  }

  /** Members whose DID is not a did:plc (did:web): few, so they are compared one by one (filter.ts namesAny). */
  get otherMethodMembers(): ReadonlySet<string> {
    return this.others
  }

  /** Named, listed or followed into the world (host selectors are asked separately: hostSelected). */
  isKnownMember(did: string): boolean {
    return this.reasons.has(did)
  }

  /** Whether an account on `host` belongs by the host selectors. */
  hostSelects(host: string): boolean {
    return hostSelected(this.selectors, host)
  }

  /** The collection whose records of `did` define membership, if `did` is a definer. */
  definesWith(did: string): ReadonlySet<string> | undefined {
    return this.definers.get(did)
  }

  /** Adds a defining record (loaded from the index, or seen live); answers who joined. */
  addDefining(rec: DefiningRecord): MembershipChange {
    if (rec.list !== undefined && !this.lists.has(rec.list)) return { added: [], removed: [] }
    if (this.defining.has(rec.uri)) return { added: [], removed: [] }
    this.defining.set(rec.uri, rec.subject)
    return { added: this.addReason(rec.subject) ? [rec.subject] : [], removed: [] }
  }

  /** A defining record was deleted; answers who left. */
  removeDefining(uri: string): MembershipChange {
    const subject = this.defining.get(uri)
    if (subject === undefined) return { added: [], removed: [] }
    this.defining.delete(uri)
    return { added: [], removed: this.dropReason(subject) ? [subject] : [] }
  }

  /**
   * A created or deleted record of a definer: whether it is a defining record (to be kept), and
   * how membership changed. `record` is absent for deletes.
   */
  observe(op: { event: string; did: string; collection: string; uri: string; record?: Record<string, unknown> }): { defining: boolean } & MembershipChange {
    const collections = this.definers.get(op.did)
    if (!collections?.has(op.collection)) return { defining: false, added: [], removed: [] }
    if (op.collection === LIST) return { defining: this.lists.has(op.uri), added: [], removed: [] }
    if (op.event === 'delete') return { defining: this.defining.has(op.uri), ...this.removeDefining(op.uri) }
    const rec = op.record ?? {}
    const subject = typeof rec.subject === 'string' && rec.subject.startsWith('did:') ? rec.subject : undefined
    const list = op.collection === LISTITEM ? (typeof rec.list === 'string' ? rec.list : '') : undefined
    if (!subject || (list !== undefined && !this.lists.has(list))) return { defining: false, added: [], removed: [] }
    return { defining: true, ...this.addDefining({ uri: op.uri, list, subject }) }
  }

  private addDefiner(did: string, collection: string): void {
    const set = this.definers.get(did) ?? new Set()
    set.add(collection)
    this.definers.set(did, set)
  }

  /** True when this is the account's first reason to be a member. */
  private addReason(did: string): boolean {
    const n = this.reasons.get(did) ?? 0
    this.reasons.set(did, n + 1)
    if (!did.startsWith('did:plc:')) this.others.add(did)
    return n === 0
  }

  /** True when that was the account's last reason. */
  private dropReason(did: string): boolean {
    const n = this.reasons.get(did) ?? 0
    if (n <= 1) {
      this.reasons.delete(did)
      this.others.delete(did)
      return n === 1
    }
    this.reasons.set(did, n - 1)
    return false
  }
}
