/**
 * The records of a generated repo corpus. Records that others point at come first, for the
 * whole corpus: posts (generated in time order, so replies and quotes name earlier posts by
 * their real CIDs), lists and feed generators. Then each account's other records are made in
 * turn: likes and reposts of posts that existed at the time (recent and viral ones favoured),
 * follows and blocks of accounts by popularity, list items, gates on its own posts, and so on.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { makeZipf, shuffle, type Rng } from '#devnet/rng.js'
import { cidOf, fakeCid, flatString, plcDid, tid, type Alg } from './atproto-primitives.js'
import {
  accountSubjectRecord, actorStatusRecord, blogEntryRecord, chatDeclarationRecord, generatorRecord, labelerServiceRecord,
  listblockRecord, listitemRecord, listRecord, notificationDeclarationRecord, postgateRecord, postInteractionRecord, postRecord,
  profileRecord, starterpackRecord, threadgateRecord, verificationRecord, words, type ListPurpose, type StrongRef,
} from './record-content.js'
import { COLLECTIONS, type CollectionCounts } from './repo-plan.js'

export interface Account {
  idx: number
  did: string
  handle: string
  alg: Alg
  /** TID clock id of the account's PDS. */
  clock: number
  startMs: number
  counts: CollectionCounts
}

export interface AccountRecords {
  /** Data keys (collection/rkey). */
  keys: string[]
  bytes: Uint8Array[]
  /** Time of the newest record, in microseconds. */
  newestMicros: number
}

const FEED_SERVICE_DID = 'did:web:feeds.example.net'
const VIRAL_SHARE = 0.003

export class CorpusRecords {
  // Posts, in creation order.
  private postMicros = new Float64Array(0)
  private postAuthor = new Uint32Array(0)
  private postRkey: string[] = []
  private postCid: string[] = []
  private postRoot = new Int32Array(0)
  // A million small buffers would keep the collector busy for half the run: one arena instead.
  private postBytes = new ByteArena()
  private viral: number[] = []
  private postsByAuthor: number[][]
  // Lists and feed generators, by owner.
  private listsByAuthor: { rkey: string; purpose: ListPurpose; micros: number }[][]
  private modlists: string[] = []
  private generatorUris: string[] = []
  private generatorsByAuthor: string[][]
  private popularAccount: () => number
  /** Account indices, most popular first. */
  private ranking: number[]
  private recentWidth = 30
  private externals = 0

  constructor (private rng: Rng, private accounts: Account[], private endMs: number, private seed: number) {
    this.postsByAuthor = accounts.map(() => [])
    this.listsByAuthor = accounts.map(() => [])
    this.generatorsByAuthor = accounts.map(() => [])
    // Popular accounts are mostly the active ones: rank by size with noise, Zipf over the ranks.
    const score = accounts.map((a) => recordCount(a.counts) * Math.exp(rng.normal()))
    const ranking = accounts.map((_, i) => i).sort((a, b) => score[b]! - score[a]!)
    const rank = makeZipf(rng, ranking.length, 1)
    this.ranking = ranking
    this.popularAccount = () => ranking[rank()]!
  }

  /** Accounts and posts worth aiming read benchmarks at. */
  samples (): { popularAccounts: string[]; viralPosts: string[] } {
    return {
      popularAccounts: this.ranking.slice(0, 20).map((i) => this.accounts[i]!.did),
      viralPosts: this.viral.slice(-50).map((k) => this.postRef(k).uri),
    }
  }

  /** Phase one: everything other records point at. */
  planReferenced (): void {
    this.planPosts()
    for (const a of this.accounts) {
      const lists = this.listsByAuthor[a.idx]!
      for (const micros of this.times(a, a.counts.list ?? 0)) {
        const x = this.rng.next()
        // Starter packs are built on a reference list of the account's own.
        const purpose: ListPurpose = lists.length === 0 && a.counts.starterpack ? 'referencelist' : x < 0.6 ? 'curatelist' : x < 0.95 ? 'modlist' : 'referencelist'
        const rkey = flatString(tid(micros, a.clock))
        lists.push({ rkey, purpose, micros })
        if (purpose === 'modlist') this.modlists.push(`at://${a.did}/${COLLECTIONS.list}/${rkey}`)
      }
      const feeds = this.generatorsByAuthor[a.idx]!
      for (let i = 0; i < (a.counts.generator ?? 0); i++) {
        const rkey = `${words(this.rng, 'en', 12).replace(/[^a-z]/g, '') || 'feed'}-${i}`
        feeds.push(rkey)
        this.generatorUris.push(`at://${a.did}/${COLLECTIONS.generator}/${rkey}`)
      }
    }
  }

  private planPosts (): void {
    const authors: number[] = []
    const micros: number[] = []
    for (const a of this.accounts) {
      for (const t of this.times(a, a.counts.post ?? 0)) {
        authors.push(a.idx)
        micros.push(t)
      }
    }
    const order = authors.map((_, i) => i).sort((x, y) => micros[x]! - micros[y]!)
    const n = order.length
    this.postMicros = Float64Array.from(order, (i) => micros[i]!)
    this.postAuthor = Uint32Array.from(order, (i) => authors[i]!)
    this.postRoot = new Int32Array(n)
    this.postRkey = new Array<string>(n)
    this.postCid = new Array<string>(n)
    // Replies, quotes and interactions favour posts from about the last 1/500 of the timeline.
    this.recentWidth = Math.max(30, Math.round(n / 500))
    const rng = this.rng
    let current = 0
    const sources = {
      rng,
      mention: () => this.accounts[this.popularAccount()]!,
      quote: (): StrongRef => (current > 0 ? this.postRef(this.earlierPost(current)) : this.externalPost()),
    }
    for (let k = 0; k < n; k++) {
      current = k
      const author = this.postAuthor[k]!
      const a = this.accounts[author]!
      const own = this.postsByAuthor[author]!
      let parent = -1
      if (own.length > 0 && rng.chance(0.05)) parent = own[own.length - 1]! // a thread of one's own
      else if (k > 0 && rng.chance(0.25)) parent = this.earlierPost(k)
      const reply = parent < 0 ? undefined : { root: this.postRef(this.postRoot[parent]!), parent: this.postRef(parent) }
      const record = postRecord(sources, isoOf(this.postMicros[k]!), reply)
      const bytes = dagCbor.encode(record)
      this.postRkey[k] = flatString(tid(this.postMicros[k]!, a.clock))
      this.postCid[k] = flatString(cidOf(bytes).toString())
      this.postRoot[k] = parent < 0 ? k : this.postRoot[parent]!
      this.postBytes.add(bytes)
      own.push(k)
      if (rng.chance(VIRAL_SHARE)) this.viral.push(k)
    }
  }

  /** Phase two: all of one account's records. */
  recordsOf (a: Account): AccountRecords {
    const out: AccountRecords = { keys: [], bytes: [], newestMicros: 0 }
    const rng = this.rng
    const put = (collection: string, rkey: string, record: Record<string, unknown> | Uint8Array, micros: number): void => {
      out.keys.push(`${collection}/${rkey}`)
      out.bytes.push(record instanceof Uint8Array ? record : dagCbor.encode(record))
      if (micros > out.newestMicros) out.newestMicros = micros
    }
    const ownPosts = this.postsByAuthor[a.idx]!
    for (const k of ownPosts) {
      put(COLLECTIONS.post, this.postRkey[k]!, this.postBytes.get(k), this.postMicros[k]!)
    }
    const lists = this.listsByAuthor[a.idx]!
    const listUri = (rkey: string): string => `at://${a.did}/${COLLECTIONS.list}/${rkey}`
    for (const list of lists) put(COLLECTIONS.list, list.rkey, listRecord(rng, list.purpose, isoOf(list.micros)), list.micros)

    for (const kind of ['like', 'repost'] as const) {
      const seen = new Set<number>()
      for (const micros of this.times(a, a.counts[kind] ?? 0)) {
        const subject = this.interactionSubject(a.idx, micros, seen)
        put(COLLECTIONS[kind], tid(micros, a.clock), postInteractionRecord(COLLECTIONS[kind], subject, isoOf(micros)), micros)
      }
    }
    const followed = new Set<string>([a.did])
    const blocked = new Set<string>([a.did])
    for (const micros of this.times(a, a.counts.follow ?? 0)) {
      put(COLLECTIONS.follow, tid(micros, a.clock), accountSubjectRecord(COLLECTIONS.follow, this.accountDid(followed), isoOf(micros)), micros)
    }
    // A list block needs someone's moderation list; with none in the corpus it becomes a block.
    const listblocks = this.modlists.length > 0 ? (a.counts.listblock ?? 0) : 0
    for (const micros of this.times(a, (a.counts.block ?? 0) + (a.counts.listblock ?? 0) - listblocks)) {
      put(COLLECTIONS.block, tid(micros, a.clock), accountSubjectRecord(COLLECTIONS.block, this.accountDid(blocked), isoOf(micros)), micros)
    }
    for (const micros of this.times(a, listblocks)) {
      put(COLLECTIONS.listblock, tid(micros, a.clock), listblockRecord(rng.pick(this.modlists), isoOf(micros)), micros)
    }
    const listed = new Set<string>()
    for (const micros of this.times(a, a.counts.listitem ?? 0)) {
      const list = listUri(rng.pick(lists).rkey)
      let subject = this.accountDid(new Set([a.did]))
      for (let tries = 0; listed.has(`${list} ${subject}`) && tries < 10; tries++) subject = this.accountDid(new Set([a.did]))
      listed.add(`${list} ${subject}`)
      put(COLLECTIONS.listitem, tid(micros, a.clock), listitemRecord(subject, list, isoOf(micros)), micros)
    }

    // Gates share the rkey of the post they govern.
    const curateList = lists.find((l) => l.purpose === 'curatelist')
    for (const kind of ['threadgate', 'postgate'] as const) {
      for (const k of shuffle(rng, [...ownPosts]).slice(0, a.counts[kind] ?? 0)) {
        const micros = this.postMicros[k]! + rng.int(60_000_000)
        const post = `at://${a.did}/${COLLECTIONS.post}/${this.postRkey[k]}`
        const record = kind === 'threadgate'
          ? threadgateRecord(rng, post, isoOf(micros), curateList && listUri(curateList.rkey))
          : postgateRecord(rng, post, isoOf(micros))
        put(COLLECTIONS[kind], this.postRkey[k]!, record, micros)
      }
    }
    for (const [i, micros] of this.times(a, this.generatorsByAuthor[a.idx]!.length).entries()) {
      put(COLLECTIONS.generator, this.generatorsByAuthor[a.idx]![i]!, generatorRecord(rng, FEED_SERVICE_DID, isoOf(micros)), micros)
    }
    const packList = lists.find((l) => l.purpose === 'referencelist') ?? lists[0]
    for (const micros of this.times(a, a.counts.starterpack ?? 0)) {
      const feeds = Array.from({ length: Math.min(this.generatorUris.length, rng.int(4)) }, () => rng.pick(this.generatorUris))
      put(COLLECTIONS.starterpack, tid(micros, a.clock), starterpackRecord(rng, listUri(packList!.rkey), feeds, isoOf(micros)), micros)
    }
    for (const micros of this.times(a, a.counts.verification ?? 0)) {
      const subject = this.accounts[this.popularAccount()]!
      put(COLLECTIONS.verification, tid(micros, a.clock), verificationRecord(subject, words(rng, 'en', rng.range(3, 30)) || subject.handle, isoOf(micros)), micros)
    }
    for (const micros of this.times(a, a.counts.blogEntry ?? 0)) {
      put(COLLECTIONS.blogEntry, tid(micros, a.clock), blogEntryRecord(rng, isoOf(micros)), micros)
    }
    this.putSingletons(a, ownPosts, put)
    return out
  }

  private putSingletons (a: Account, ownPosts: number[], put: (c: string, rkey: string, r: Record<string, unknown>, micros: number) => void): void {
    const rng = this.rng
    const at = (): number => this.times(a, 1)[0]!
    if (a.counts.profile) {
      const micros = a.startMs * 1000
      const profile = profileRecord(rng, isoOf(micros))
      if (ownPosts.length > 0 && rng.chance(0.1)) profile.pinnedPost = this.postRef(rng.pick(ownPosts))
      put(COLLECTIONS.profile, 'self', profile, micros)
    }
    if (a.counts.chatDeclaration) put(COLLECTIONS.chatDeclaration, 'self', chatDeclarationRecord(rng), a.startMs * 1000)
    if (a.counts.notificationDeclaration) put(COLLECTIONS.notificationDeclaration, 'self', notificationDeclarationRecord(rng), at())
    if (a.counts.status) {
      const micros = at()
      put(COLLECTIONS.status, 'self', actorStatusRecord(rng, isoOf(micros)), micros)
    }
    if (a.counts.labelerService) {
      const micros = at()
      put(COLLECTIONS.labelerService, 'self', labelerServiceRecord(rng, isoOf(micros)), micros)
    }
  }

  /** `n` distinct, sorted record times (microseconds) in the account's lifetime. */
  private times (a: Account, n: number): number[] {
    const lo = a.startMs * 1000
    const span = this.endMs * 1000 - lo
    const out = Array.from({ length: n }, () => Math.floor(lo + this.rng.next() * span)).sort((x, y) => x - y)
    for (let i = 1; i < n; i++) if (out[i]! <= out[i - 1]!) out[i] = out[i - 1]! + 1
    return out
  }

  /** A post created before post `k`: a viral one, a recent one, or any. */
  private earlierPost (k: number): number {
    const rng = this.rng
    const x = rng.next()
    if (x < 0.2) {
      const v = lowerBound(this.viral, k)
      if (v > 0) return this.viral[v - 1 - Math.min(v - 1, Math.floor(Math.abs(rng.normal()) * 10))]!
    }
    if (x < 0.7) return k - 1 - Math.min(k - 1, Math.floor(Math.abs(rng.normal()) * this.recentWidth))
    return rng.int(k)
  }

  /** What a like or repost at `micros` points at: a post that existed then, once per account if it can. */
  private interactionSubject (author: number, micros: number, seen: Set<number>): StrongRef {
    const n = this.postMicros.length
    if (n === 0) return this.externalPost()
    // Before the first post there is nothing to like yet; such rare records take any post.
    const before = lowerBound(this.postMicros, micros)
    let k = -1
    for (let tries = 0; tries < 30; tries++) {
      k = before > 0 ? this.earlierPost(before) : this.rng.int(n)
      if (tries >= 10 && before > 0) k = this.rng.int(before)
      if (!seen.has(k) && (this.postAuthor[k] !== author || tries > 3)) break
    }
    seen.add(k)
    return this.postRef(k)
  }

  /** A DID to follow or block: popular accounts first, outside accounts when the corpus runs out. */
  private accountDid (taken: Set<string>): string {
    for (let tries = 0; tries < 8; tries++) {
      const did = this.accounts[this.popularAccount()]!.did
      if (!taken.has(did)) {
        taken.add(did)
        return did
      }
    }
    for (;;) {
      const did = plcDid(`magpie-repos-external:${this.seed}:${this.externals++}`)
      if (!taken.has(did)) {
        taken.add(did)
        return did
      }
    }
  }

  private postRef (k: number): StrongRef {
    const author = this.accounts[this.postAuthor[k]!]!
    return { uri: `at://${author.did}/${COLLECTIONS.post}/${this.postRkey[k]}`, cid: this.postCid[k]! }
  }

  /** A post outside the corpus (quoted before any post of the corpus exists). */
  private externalPost (): StrongRef {
    const uri = `at://${plcDid(`magpie-repos-external:${this.seed}:${this.externals++}`)}/${COLLECTIONS.post}/${tid(Date.parse('2023-02-01') * 1000, 0)}`
    return { uri, cid: fakeCid(uri).toString() }
  }
}

/** Byte strings appended into large chunks, read back by their order of addition. */
class ByteArena {
  private static CHUNK = 16 * 1024 * 1024
  private chunks: Uint8Array[] = []
  private used = ByteArena.CHUNK
  private where: number[] = [] // chunk, offset, length per entry

  add (bytes: Uint8Array): void {
    if (this.used + bytes.length > ByteArena.CHUNK) {
      this.chunks.push(new Uint8Array(Math.max(ByteArena.CHUNK, bytes.length)))
      this.used = 0
    }
    this.chunks[this.chunks.length - 1]!.set(bytes, this.used)
    this.where.push(this.chunks.length - 1, this.used, bytes.length)
    this.used += bytes.length
  }

  get (i: number): Uint8Array {
    const [chunk, offset, length] = [this.where[3 * i]!, this.where[3 * i + 1]!, this.where[3 * i + 2]!]
    return this.chunks[chunk]!.subarray(offset, offset + length)
  }
}

export function recordCount (counts: CollectionCounts): number {
  let n = 0
  for (const v of Object.values(counts)) n += v ?? 0
  return n
}

function isoOf (micros: number): string {
  return new Date(Math.floor(micros / 1000)).toISOString()
}

/** How many elements of a sorted array are below `value`. */
function lowerBound (sorted: ArrayLike<number>, value: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! < value) lo = mid + 1
    else hi = mid
  }
  return lo
}
