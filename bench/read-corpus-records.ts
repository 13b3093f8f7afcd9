/**
 * The records of the read-benchmark corpus (read-corpus.ts): ~50,000 accounts with lognormal
 * repo sizes and the record mix of repo-plan.ts, over two years, with Zipf popularity. Built
 * like the repo corpus (repo-records.ts) but streamed into OpenSearch instead of CARs, so it
 * differs where streaming and resuming need it:
 *
 * - Every account's records come from its own PRNG (seed + account number): a resumed load
 *   regenerates exactly the accounts it has not written yet, without replaying the others.
 * - What other records point at (posts, lists, feed generators) is planned up front from the
 *   main PRNG, as times, authors and reply parents only; post content is made with its author.
 * - CIDs are derived from the record's URI (well-formed CIDv1, not a hash of the content):
 *   likes, reposts and replies can then name a post by its CID before its content exists.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { makeRng, shuffle, type Rng } from '#devnet/rng.js'
import { fakeCid, flatString, plcDid, tid } from './atproto-primitives.js'
import {
  accountSubjectRecord, actorStatusRecord, blogEntryRecord, chatDeclarationRecord, generatorRecord, handleFor, labelerServiceRecord,
  listblockRecord, listitemRecord, listRecord, notificationDeclarationRecord, postgateRecord, postInteractionRecord, postRecord,
  profileRecord, starterpackRecord, threadgateRecord, verificationRecord, Vocabulary, words, type ListPurpose, type PostSources, type StrongRef,
} from './record-content.js'
import { COLLECTIONS, collectionCounts, repoSizes, type CollectionCounts, type RecordMix } from './repo-plan.js'

/** Fixed dates, not "now": the same seed must give the same documents on any day. */
export const CORPUS_END_MS = Date.parse('2026-11-20T00:00:00Z')
export const CORPUS_START_MS = CORPUS_END_MS - 730 * 86_400_000
const DAY_MS = 86_400_000
const VIRAL_SHARE = 0.003
const FEED_SERVICE_DID = 'did:web:feeds.example.net'

export interface Account {
  idx: number
  did: string
  handle: string
  /** TID clock id of the account's PDS (0–999). */
  clock: number
  startMs: number
  counts: CollectionCounts
}

/** One record as a repo holds it (blobs and links still as CID objects, as decoded from CBOR). */
export interface GenRecord {
  did: string
  collection: string
  rkey: string
  record: Record<string, unknown>
  /** The record's time (microseconds, an integer): its TID and its document version. */
  micros: number
}

export interface ReadCorpusParams {
  records: number
  accounts: number
  seed: number
  /** Absent: the network's mix (the read benchmark's corpus, whose hash must not change). */
  mix?: RecordMix
}

/** Where a corpus's manifest and load progress live: named by a hash of its parameters. */
export function readCorpusDir(params: ReadCorpusParams): string {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  const hash = createHash('sha256').update(JSON.stringify({ v: 1, ...params })).digest('hex').slice(0, 12)
  return path.join(root, '.local', 'bench-cache', `read-corpus-${hash}`)
}

export function seedFor(seed: number, label: string): number {
  return createHash('sha256').update(`${seed}:${label}`).digest().readUInt32LE(0)
}

/**
 * English words by their frequency in real posts (the `text` of every JSON line of every
 * `.jsonl` file in `dir`), for corpora searched by their text; read at run time, never stored.
 */
export function vocabularyFrom(dir: string): { vocabulary: Vocabulary; digest: string; posts: number } {
  if (!existsSync(dir)) throw new Error(`no real posts at ${dir}: pass --texts DIR, or set MAGPIE_TEST_DATA to the shared data folder (README, "Tests and their data")`)
  const texts: string[] = []
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) {
    for (const line of readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      if (line.trim() !== '') texts.push(String(JSON.parse(line).text ?? ''))
    }
  }
  const vocabulary = Vocabulary.fromTexts(texts)
  const digest = createHash('sha256').update(vocabulary.words.join('\n')).digest('hex').slice(0, 12)
  return { vocabulary, digest, posts: texts.length }
}

export function cidFor(uri: string): string {
  return fakeCid(uri).toString()
}

export function isoOf(micros: number): string {
  return new Date(Math.floor(micros / 1000)).toISOString()
}

export class ReadCorpus {
  readonly accounts: Account[]
  /** Account indices, most popular first (followed, mentioned, blocked by Zipf over this). */
  readonly ranking: number[]
  private zipf: Float64Array
  // Posts in time order.
  postMicros = new Float64Array(0)
  postAuthor = new Uint32Array(0)
  postRkey: string[] = []
  postParent = new Int32Array(0)
  postRoot = new Int32Array(0)
  readonly postsByAuthor: number[][]
  private viral: number[] = []
  private recentWidth = 30
  private listsByAuthor: { rkey: string; purpose: ListPurpose; micros: number }[][]
  private modlists: string[] = []
  private generatorsByAuthor: string[][]
  private generatorUris: string[] = []
  readonly vocabulary?: Vocabulary

  constructor(
    readonly seed: number,
    records: number,
    accountCount: number,
    opts: { mix?: RecordMix; vocabulary?: Vocabulary } = {},
  ) {
    this.vocabulary = opts.vocabulary
    const rng = makeRng(seed)
    const sizes = repoSizes(rng, records, accountCount)
    this.accounts = sizes.map((size, idx) => ({
      idx,
      did: plcDid(`magpie-readbench:${seed}:${idx}`),
      handle: handleFor(rng, idx),
      // Below 1000: the planted records (read-corpus-planted.ts) use the ids above.
      clock: rng.int(1000),
      startMs: accountStartMs(rng),
      counts: collectionCounts(rng, size, opts.mix),
    }))
    // Popular accounts are mostly the active ones: rank by size with noise, Zipf over the ranks.
    const score = this.accounts.map((a) => recordCount(a.counts) * Math.exp(rng.normal()))
    this.ranking = this.accounts.map((_, i) => i).sort((a, b) => score[b]! - score[a]!)
    this.zipf = zipfTable(this.accounts.length, 1)
    this.postsByAuthor = this.accounts.map(() => [])
    this.listsByAuthor = this.accounts.map(() => [])
    this.generatorsByAuthor = this.accounts.map(() => [])
    this.planPosts(rng)
    this.planLists(rng)
  }

  get postCount(): number {
    return this.postMicros.length
  }

  /** A popular account (Zipf over the ranking). */
  popular(rng: Rng): Account {
    return this.accounts[this.ranking[zipfRank(this.zipf, rng.next())]!]!
  }

  postUri(k: number): string {
    return `at://${this.accounts[this.postAuthor[k]!]!.did}/${COLLECTIONS.post}/${this.postRkey[k]}`
  }

  postRef(k: number): StrongRef {
    const uri = this.postUri(k)
    return { uri, cid: cidFor(uri) }
  }

  /** How many posts were created before `micros`. */
  postsBefore(micros: number): number {
    return lowerBound(this.postMicros, micros)
  }

  /** A post created before post `k`: a viral one, a recent one, or any. */
  earlierPost(rng: Rng, k: number): number {
    const x = rng.next()
    if (x < 0.2) {
      const v = lowerBound(this.viral, k)
      if (v > 0) return this.viral[v - 1 - Math.min(v - 1, Math.floor(Math.abs(rng.normal()) * 10))]!
    }
    if (x < 0.7) return k - 1 - Math.min(k - 1, Math.floor(Math.abs(rng.normal()) * this.recentWidth))
    return rng.int(k)
  }

  /** Post-content sources (mentions of popular accounts, quotes of earlier posts) for a post at `micros`. */
  postSources(rng: Rng, micros: number): PostSources {
    const before = this.postsBefore(micros)
    return {
      rng,
      mention: () => this.popular(rng),
      quote: () => this.postRef(before > 0 ? this.earlierPost(rng, before) : rng.int(this.postCount)),
      vocabulary: this.vocabulary,
    }
  }

  /** `n` distinct, sorted record times (integer microseconds) in the account's lifetime. */
  times(rng: Rng, startMs: number, n: number): number[] {
    const lo = startMs * 1000
    const span = CORPUS_END_MS * 1000 - lo
    const out = Array.from({ length: n }, () => Math.floor(lo + rng.next() * span)).sort((x, y) => x - y)
    for (let i = 1; i < n; i++) if (out[i]! <= out[i - 1]!) out[i] = out[i - 1]! + 1
    return out
  }

  private planPosts(rng: Rng): void {
    const authors: number[] = []
    const micros: number[] = []
    for (const a of this.accounts) {
      for (const t of this.times(rng, a.startMs, a.counts.post ?? 0)) {
        authors.push(a.idx)
        micros.push(t)
      }
    }
    const order = authors.map((_, i) => i).sort((x, y) => micros[x]! - micros[y]!)
    const n = order.length
    this.postMicros = Float64Array.from(order, (i) => micros[i]!)
    this.postAuthor = Uint32Array.from(order, (i) => authors[i]!)
    this.postParent = new Int32Array(n)
    this.postRoot = new Int32Array(n)
    this.postRkey = new Array<string>(n)
    // Replies and interactions favour posts from about the last 1/500 of the timeline.
    this.recentWidth = Math.max(30, Math.round(n / 500))
    for (let k = 0; k < n; k++) {
      const author = this.postAuthor[k]!
      const own = this.postsByAuthor[author]!
      let parent = -1
      if (own.length > 0 && rng.chance(0.05)) parent = own[own.length - 1]! // a thread of one's own
      else if (k > 0 && rng.chance(0.25)) parent = this.earlierPost(rng, k)
      this.postParent[k] = parent
      this.postRoot[k] = parent < 0 ? k : this.postRoot[parent]!
      this.postRkey[k] = flatString(tid(this.postMicros[k]!, this.accounts[author]!.clock))
      own.push(k)
      if (rng.chance(VIRAL_SHARE)) this.viral.push(k)
    }
  }

  private planLists(rng: Rng): void {
    for (const a of this.accounts) {
      const lists = this.listsByAuthor[a.idx]!
      for (const micros of this.times(rng, a.startMs, a.counts.list ?? 0)) {
        const x = rng.next()
        // Starter packs are built on a reference list of the account's own.
        const purpose: ListPurpose = lists.length === 0 && a.counts.starterpack ? 'referencelist' : x < 0.6 ? 'curatelist' : x < 0.95 ? 'modlist' : 'referencelist'
        const rkey = flatString(tid(micros, a.clock))
        lists.push({ rkey, purpose, micros })
        if (purpose === 'modlist') this.modlists.push(`at://${a.did}/${COLLECTIONS.list}/${rkey}`)
      }
      const feeds = this.generatorsByAuthor[a.idx]!
      for (let i = 0; i < (a.counts.generator ?? 0); i++) {
        const rkey = `${words(rng, 'en', 12).replace(/[^a-z]/g, '') || 'feed'}-${i}`
        feeds.push(rkey)
        this.generatorUris.push(`at://${a.did}/${COLLECTIONS.generator}/${rkey}`)
      }
    }
  }

  /** A like or repost subject at `micros`: a post that existed then, once per account if it can be. */
  interactionSubject(rng: Rng, author: number, micros: number, seen: Set<number>): number {
    const before = this.postsBefore(micros)
    let k = -1
    for (let tries = 0; tries < 30; tries++) {
      k = before > 0 ? this.earlierPost(rng, before) : rng.int(this.postCount)
      if (tries >= 10 && before > 0) k = rng.int(before)
      if (!seen.has(k) && (this.postAuthor[k] !== author || tries > 3)) break
    }
    seen.add(k)
    return k
  }

  /** Every record of one account of the pool. */
  recordsOf(a: Account): GenRecord[] {
    const rng = makeRng(seedFor(this.seed, `account:${a.idx}`))
    const out: GenRecord[] = []
    const put = (collection: string, rkey: string, record: Record<string, unknown>, micros: number): void => {
      out.push({ did: a.did, collection, rkey, record, micros })
    }
    const ownPosts = this.postsByAuthor[a.idx]!
    for (const k of ownPosts) {
      const micros = this.postMicros[k]!
      const parent = this.postParent[k]!
      const reply = parent < 0 ? undefined : { root: this.postRef(this.postRoot[k]!), parent: this.postRef(parent) }
      put(COLLECTIONS.post, this.postRkey[k]!, postRecord(this.postSources(rng, micros), isoOf(micros), reply), micros)
    }
    const lists = this.listsByAuthor[a.idx]!
    const listUri = (rkey: string): string => `at://${a.did}/${COLLECTIONS.list}/${rkey}`
    for (const list of lists) put(COLLECTIONS.list, list.rkey, listRecord(rng, list.purpose, isoOf(list.micros)), list.micros)

    for (const kind of ['like', 'repost'] as const) {
      const seen = new Set<number>()
      for (const micros of this.times(rng, a.startMs, a.counts[kind] ?? 0)) {
        const subject = this.postRef(this.interactionSubject(rng, a.idx, micros, seen))
        put(COLLECTIONS[kind], tid(micros, a.clock), postInteractionRecord(COLLECTIONS[kind], subject, isoOf(micros)), micros)
      }
    }
    const followed = new Set<string>([a.did])
    for (const micros of this.times(rng, a.startMs, a.counts.follow ?? 0)) {
      put(COLLECTIONS.follow, tid(micros, a.clock), accountSubjectRecord(COLLECTIONS.follow, this.accountDid(rng, followed), isoOf(micros)), micros)
    }
    const blocked = new Set<string>([a.did])
    const listblocks = this.modlists.length > 0 ? (a.counts.listblock ?? 0) : 0
    for (const micros of this.times(rng, a.startMs, (a.counts.block ?? 0) + (a.counts.listblock ?? 0) - listblocks)) {
      put(COLLECTIONS.block, tid(micros, a.clock), accountSubjectRecord(COLLECTIONS.block, this.accountDid(rng, blocked), isoOf(micros)), micros)
    }
    for (const micros of this.times(rng, a.startMs, listblocks)) {
      put(COLLECTIONS.listblock, tid(micros, a.clock), listblockRecord(rng.pick(this.modlists), isoOf(micros)), micros)
    }
    const listed = new Set<string>()
    for (const micros of this.times(rng, a.startMs, a.counts.listitem ?? 0)) {
      const list = listUri(rng.pick(lists).rkey)
      let subject = this.accountDid(rng, new Set([a.did]))
      for (let tries = 0; listed.has(`${list} ${subject}`) && tries < 10; tries++) subject = this.accountDid(rng, new Set([a.did]))
      listed.add(`${list} ${subject}`)
      put(COLLECTIONS.listitem, tid(micros, a.clock), listitemRecord(subject, list, isoOf(micros)), micros)
    }
    // Gates share the rkey of the post they govern.
    const curateList = lists.find((l) => l.purpose === 'curatelist')
    for (const kind of ['threadgate', 'postgate'] as const) {
      for (const k of shuffle(rng, [...ownPosts]).slice(0, a.counts[kind] ?? 0)) {
        const micros = this.postMicros[k]! + rng.int(60_000_000)
        const post = this.postUri(k)
        const record = kind === 'threadgate'
          ? threadgateRecord(rng, post, isoOf(micros), curateList && listUri(curateList.rkey))
          : postgateRecord(rng, post, isoOf(micros))
        put(COLLECTIONS[kind], this.postRkey[k]!, record, micros)
      }
    }
    const feeds = this.generatorsByAuthor[a.idx]!
    for (const [i, micros] of this.times(rng, a.startMs, feeds.length).entries()) {
      put(COLLECTIONS.generator, feeds[i]!, generatorRecord(rng, FEED_SERVICE_DID, isoOf(micros)), micros)
    }
    const packList = lists.find((l) => l.purpose === 'referencelist') ?? lists[0]
    for (const micros of this.times(rng, a.startMs, a.counts.starterpack ?? 0)) {
      const packFeeds = Array.from({ length: Math.min(this.generatorUris.length, rng.int(4)) }, () => rng.pick(this.generatorUris))
      put(COLLECTIONS.starterpack, tid(micros, a.clock), starterpackRecord(rng, listUri(packList!.rkey), packFeeds, isoOf(micros)), micros)
    }
    for (const micros of this.times(rng, a.startMs, a.counts.verification ?? 0)) {
      const subject = this.popular(rng)
      put(COLLECTIONS.verification, tid(micros, a.clock), verificationRecord(subject, words(rng, 'en', rng.range(3, 30)) || subject.handle, isoOf(micros)), micros)
    }
    for (const micros of this.times(rng, a.startMs, a.counts.blogEntry ?? 0)) {
      put(COLLECTIONS.blogEntry, tid(micros, a.clock), blogEntryRecord(rng, isoOf(micros)), micros)
    }
    const at = (): number => this.times(rng, a.startMs, 1)[0]!
    const start = a.startMs * 1000
    if (a.counts.profile) {
      const profile = profileRecord(rng, isoOf(start), this.vocabulary)
      if (ownPosts.length > 0 && rng.chance(0.1)) profile.pinnedPost = this.postRef(rng.pick(ownPosts))
      put(COLLECTIONS.profile, 'self', profile, start)
    }
    if (a.counts.chatDeclaration) put(COLLECTIONS.chatDeclaration, 'self', chatDeclarationRecord(rng), start)
    if (a.counts.notificationDeclaration) put(COLLECTIONS.notificationDeclaration, 'self', notificationDeclarationRecord(rng), at())
    if (a.counts.status) {
      const micros = at()
      put(COLLECTIONS.status, 'self', actorStatusRecord(rng, isoOf(micros)), micros)
    }
    if (a.counts.labelerService) {
      const micros = at()
      put(COLLECTIONS.labelerService, 'self', labelerServiceRecord(rng, isoOf(micros)), micros)
    }
    return out
  }

  /** A DID to follow or block: popular accounts first, then any account not taken yet. */
  accountDid(rng: Rng, taken: Set<string>): string {
    for (let tries = 0; tries < 8; tries++) {
      const did = this.popular(rng).did
      if (!taken.has(did)) {
        taken.add(did)
        return did
      }
    }
    for (;;) {
      const did = this.accounts[rng.int(this.accounts.length)]!.did
      if (!taken.has(did) || taken.size >= this.accounts.length) {
        taken.add(did)
        return did
      }
    }
  }
}

/** Two years of sign-ups: a first wave in the first two months, a steady stream since. */
function accountStartMs(rng: Rng): number {
  const waveEnd = CORPUS_START_MS + 60 * DAY_MS
  if (rng.chance(0.4)) return Math.floor(CORPUS_START_MS + rng.next() * (waveEnd - CORPUS_START_MS))
  // An account exists for a week at least before the corpus's end.
  return Math.floor(CORPUS_START_MS + rng.next() * (CORPUS_END_MS - 7 * DAY_MS - CORPUS_START_MS))
}

export function recordCount(counts: CollectionCounts): number {
  let n = 0
  for (const v of Object.values(counts)) n += v ?? 0
  return n
}

/** Cumulative Zipf weights 1/(r+1)^exponent for ranks 0..n-1, normalised to 1. */
function zipfTable(n: number, exponent: number): Float64Array {
  const cumulative = new Float64Array(n)
  let total = 0
  for (let r = 0; r < n; r++) {
    total += 1 / Math.pow(r + 1, exponent)
    cumulative[r] = total
  }
  for (let r = 0; r < n; r++) cumulative[r]! /= total
  return cumulative
}

/** The rank a uniform draw `u` in [0, 1) falls on. */
function zipfRank(cumulative: Float64Array, u: number): number {
  let lo = 0
  let hi = cumulative.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (cumulative[mid]! < u) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** How many elements of a sorted array are below `value`. */
export function lowerBound(sorted: ArrayLike<number>, value: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! < value) lo = mid + 1
    else hi = mid
  }
  return lo
}
