/**
 * What the read benchmarks aim at, planted in the corpus of read-corpus-records.ts:
 *
 * - a timeline viewer following exactly 1,000 accounts of the pool that post;
 * - a 200-post thread (replies up to 10 levels deep, 30 authors who block nobody) under a popular
 *   account's post;
 * - a notification viewer with ≥ 100,000 notifications of every kind (likes and reposts of its
 *   posts, replies, quotes, mentions, follows), spread over two years;
 * - a prolific author (25,000 posts, 5,000 reposts) for author feeds.
 *
 * The plan (who, which posts, which URIs) is made up front, so the manifest can name it; the
 * records are made unit by unit, each unit from its own PRNG, so a resumed load can skip
 * finished units. Records planted in pool accounts' repos use a TID clock id the account's own
 * records never use, so their keys cannot collide with the pool's.
 */
import { makeRng, type Rng } from '#devnet/rng.js'
import { flatString, plcDid, tid } from './atproto-primitives.js'
import { accountSubjectRecord, postInteractionRecord, postRecord, profileRecord, type StrongRef } from './record-content.js'
import { COLLECTIONS } from './repo-plan.js'
import { CORPUS_END_MS, CORPUS_START_MS, cidFor, isoOf, seedFor, type Account, type GenRecord, type ReadCorpus } from './read-corpus-records.js'

const DAY_US = 86_400_000_000
const END_US = CORPUS_END_MS * 1000

export const NOTIFICATION_MIX = { like: 66_000, repost: 14_000, follow: 16_000, reply: 12_000, quote: 4_000, mention: 8_000 }
const TIMELINE_FOLLOWS = 1_000
const THREAD_POSTS = 200
const THREAD_AUTHORS = 30
const THREAD_MAX_DEPTH = 10
const VIEWER_POSTS = 1_500
const PROLIFIC_POSTS = 25_000
const PROLIFIC_REPOSTS = 5_000
const PROLIFIC_LIKES = 30_000
/** Pool accounts' clock ids are below this (read-corpus-records.ts); planted records use those above. */
const PLANTED_CLOCK = 1000
const THREAD_CLOCK = 1023

export interface PlantedUnit {
  name: string
  make(): GenRecord[]
}

interface PlannedPost {
  author: Account
  micros: number
  rkey: string
  uri: string
  parent?: number
  depth: number
}

export interface PlantedManifest {
  timelineViewer: { did: string; handle: string; follows: number; postsOfFollowed: number }
  notificationViewer: { did: string; handle: string; posts: number; notifications: typeof NOTIFICATION_MIX & { total: number } }
  prolificAuthor: { did: string; handle: string; posts: number; reposts: number; likesOfItsPosts: number }
  thread: { root: string; posts: number; authors: number; maxDepth: number; deepest: string }
  /** The pool's most popular accounts (the most followed, mentioned and blocked), for profile reads. */
  popularAccounts: string[]
}

export interface Planted {
  accounts: Account[]
  manifest: PlantedManifest
  units: PlantedUnit[]
}

export function plant(corpus: ReadCorpus): Planted {
  const seed = corpus.seed
  const planRng = makeRng(seedFor(seed, 'planted'))
  const pool = corpus.accounts
  const special = (name: string, idx: number, daysIn: number): Account => ({
    idx,
    did: plcDid(`magpie-readbench:${seed}:${name}`),
    handle: `readbench-${name}.bsky.social`,
    clock: 7,
    startMs: CORPUS_START_MS + daysIn * 86_400_000,
    counts: {},
  })
  const timelineViewer = special('timeline-viewer', pool.length, 30)
  const notificationViewer = special('notification-viewer', pool.length + 1, 10)
  const prolific = special('prolific-author', pool.length + 2, 5)

  // The timeline viewer follows 1,000 posting accounts, popular ones more likely, as people do.
  const followed = new Set<Account>()
  while (followed.size < TIMELINE_FOLLOWS) {
    const a = followed.size % 4 === 3 ? pool[planRng.int(pool.length)]! : corpus.popular(planRng)
    if (corpus.postsByAuthor[a.idx]!.length > 0) followed.add(a)
  }

  const spread = (author: Account, n: number, rng: Rng): PlannedPost[] =>
    corpus.times(rng, author.startMs, n).map((micros) => planned(author, author.clock, micros, 0))
  const viewerPosts = spread(notificationViewer, VIEWER_POSTS, planRng)
  const prolificPosts = spread(prolific, PROLIFIC_POSTS, planRng)

  // The thread: a popular account's post three days before the end, replies over the next hours.
  // Its authors block nobody (directly or by list), so none of its 200 posts is hidden from another.
  const blocksNobody = (a: Account): boolean => !a.counts.block && !a.counts.listblock
  let rootAuthor = corpus.popular(planRng)
  while (corpus.postsByAuthor[rootAuthor.idx]!.length === 0 || !blocksNobody(rootAuthor)) rootAuthor = corpus.popular(planRng)
  const threadAuthors = [rootAuthor]
  while (threadAuthors.length < THREAD_AUTHORS) {
    const a = planRng.chance(0.5) ? corpus.popular(planRng) : pool[planRng.int(pool.length)]!
    if (!threadAuthors.includes(a) && blocksNobody(a)) threadAuthors.push(a)
  }
  let micros = END_US - 3 * DAY_US
  const thread: PlannedPost[] = [planned(rootAuthor, THREAD_CLOCK, micros, 0)]
  for (let i = 1; i < THREAD_POSTS; i++) {
    micros += Math.floor(1 + expDraw(planRng) * 180_000_000)
    const x = planRng.next()
    let parent = x < 0.25 ? 0 : x < 0.6 ? thread.length - 1 : planRng.int(thread.length)
    while (thread[parent]!.depth >= THREAD_MAX_DEPTH) parent = thread[parent]!.parent!
    const author = planRng.chance(0.1) ? rootAuthor : threadAuthors[planRng.int(threadAuthors.length)]!
    thread.push({ ...planned(author, THREAD_CLOCK, micros, 1), parent, depth: thread[parent]!.depth + 1 })
  }
  const deepest = thread.reduce((a, b) => (b.depth > a.depth ? b : a))

  const units: PlantedUnit[] = []
  const unit = (name: string, fill: (rng: Rng, put: Put) => void): void => {
    const clock = PLANTED_CLOCK + units.length
    units.push({
      name,
      make() {
        const out: GenRecord[] = []
        const taken = new Set<string>()
        const put: Put = (a, collection, record, at, rkey) => {
          let t = Math.floor(at)
          const own = a === timelineViewer || a === notificationViewer || a === prolific ? a.clock : clock
          let key = rkey ?? tid(t, own)
          while (!rkey && taken.has(`${a.did}/${collection}/${key}`)) key = tid(++t, own)
          taken.add(`${a.did}/${collection}/${key}`)
          out.push({ did: a.did, collection, rkey: key, record, micros: t })
        }
        fill(makeRng(seedFor(seed, `unit:${name}`)), put)
        return out
      },
    })
  }
  const ref = (p: PlannedPost): StrongRef => ({ uri: p.uri, cid: cidFor(p.uri) })
  /** A pool account that existed at `at` (µs), popular ones more likely. */
  const someoneAt = (rng: Rng, at: number): Account => {
    for (let tries = 0; ; tries++) {
      const a = rng.chance(0.5) ? corpus.popular(rng) : pool[rng.int(pool.length)]!
      if (a.startMs * 1000 < at || tries > 50) return a
    }
  }
  /** Interactions come soon after the post, mostly within hours. */
  const after = (rng: Rng, at: number): number => Math.min(END_US - 1, at + 1_000_000 + Math.floor(expDraw(rng) * 6 * 3_600_000_000))

  unit('planted-accounts', (rng, put) => {
    for (const a of [timelineViewer, notificationViewer, prolific]) put(a, COLLECTIONS.profile, profileRecord(rng, isoOf(a.startMs * 1000)), a.startMs * 1000, 'self')
    const subjects = [...followed]
    for (const [i, at] of corpus.times(rng, timelineViewer.startMs, TIMELINE_FOLLOWS).entries()) {
      put(timelineViewer, COLLECTIONS.follow, accountSubjectRecord(COLLECTIONS.follow, subjects[i]!.did, isoOf(at)), at)
    }
    for (const p of spread(timelineViewer, 20, rng)) put(timelineViewer, COLLECTIONS.post, postRecord(corpus.postSources(rng, p.micros), isoOf(p.micros)), p.micros, p.rkey)
    const seen = new Set<number>()
    for (const at of corpus.times(rng, timelineViewer.startMs, 200)) {
      put(timelineViewer, COLLECTIONS.like, postInteractionRecord(COLLECTIONS.like, corpus.postRef(corpus.interactionSubject(rng, -1, at, seen)), isoOf(at)), at)
    }
    for (const p of viewerPosts) put(notificationViewer, COLLECTIONS.post, postRecord(corpus.postSources(rng, p.micros), isoOf(p.micros)), p.micros, p.rkey)
  })
  unit('prolific-author', (rng, put) => {
    let previous: PlannedPost | undefined
    for (const p of prolificPosts) {
      let reply: { root: StrongRef; parent: StrongRef } | undefined
      const before = corpus.postsBefore(p.micros)
      if (previous && rng.chance(0.05)) reply = { root: ref(previous), parent: ref(previous) }
      else if (before > 0 && rng.chance(0.2)) {
        const k = corpus.earlierPost(rng, before)
        reply = { root: corpus.postRef(corpus.postRoot[k]!), parent: corpus.postRef(k) }
      }
      put(prolific, COLLECTIONS.post, postRecord(corpus.postSources(rng, p.micros), isoOf(p.micros), reply), p.micros, p.rkey)
      if (!reply) previous = p
    }
    const seen = new Set<number>()
    for (const at of corpus.times(rng, prolific.startMs, PROLIFIC_REPOSTS)) {
      put(prolific, COLLECTIONS.repost, postInteractionRecord(COLLECTIONS.repost, corpus.postRef(corpus.interactionSubject(rng, -1, at, seen)), isoOf(at)), at)
    }
  })
  unit('prolific-author-likes', (rng, put) => {
    const pairs = new Set<string>()
    for (let i = 0; i < PROLIFIC_LIKES; i++) {
      const p = prolificPosts[prolificPosts.length - 1 - Math.min(prolificPosts.length - 1, Math.floor(expDraw(rng) * 3000))]!
      const at = after(rng, p.micros)
      const liker = someoneAt(rng, at)
      if (pairs.has(`${liker.idx} ${p.uri}`)) continue
      pairs.add(`${liker.idx} ${p.uri}`)
      put(liker, COLLECTIONS.like, postInteractionRecord(COLLECTIONS.like, ref(p), isoOf(at)), at)
    }
  })
  unit('thread', (rng, put) => {
    for (const p of thread) {
      const reply = p.parent === undefined ? undefined : { root: ref(thread[0]!), parent: ref(thread[p.parent]!) }
      put(p.author, COLLECTIONS.post, postRecord(corpus.postSources(rng, p.micros), isoOf(p.micros), reply), p.micros, p.rkey)
    }
    // Likes and reposts: many on the root, a few on most replies.
    for (const [i, p] of thread.entries()) {
      const likes = i === 0 ? 2_500 : Math.floor(rng.next() ** 3 * 40)
      const reposts = i === 0 ? 400 : Math.floor(rng.next() ** 4 * 6)
      for (const [kind, n] of [['like', likes], ['repost', reposts]] as const) {
        const who = new Set<number>()
        for (let j = 0; j < n; j++) {
          const at = after(rng, p.micros)
          const a = someoneAt(rng, at)
          if (who.has(a.idx)) continue
          who.add(a.idx)
          put(a, COLLECTIONS[kind], postInteractionRecord(COLLECTIONS[kind], ref(p), isoOf(at)), at)
        }
      }
    }
  })

  // The notification viewer's notifications, one unit per kind.
  const viewerPost = (rng: Rng): PlannedPost => viewerPosts[rng.int(viewerPosts.length)]!
  for (const kind of ['like', 'repost'] as const) {
    unit(`notifications-${kind}`, (rng, put) => {
      const pairs = new Set<string>()
      while (pairs.size < NOTIFICATION_MIX[kind]) {
        const p = viewerPost(rng)
        const at = after(rng, p.micros)
        const a = someoneAt(rng, at)
        if (pairs.has(`${a.idx} ${p.uri}`)) continue
        pairs.add(`${a.idx} ${p.uri}`)
        put(a, COLLECTIONS[kind], postInteractionRecord(COLLECTIONS[kind], ref(p), isoOf(at)), at)
      }
    })
  }
  unit('notifications-follow', (rng, put) => {
    const who = new Set<number>()
    // An account follows once: a small test corpus has fewer accounts than the mix asks for.
    while (who.size < Math.min(NOTIFICATION_MIX.follow, Math.floor(pool.length / 2))) {
      const a = pool[rng.int(pool.length)]!
      if (who.has(a.idx)) continue
      who.add(a.idx)
      const from = Math.max(a.startMs, notificationViewer.startMs) * 1000
      const at = Math.floor(from + rng.next() * (END_US - from))
      put(a, COLLECTIONS.follow, accountSubjectRecord(COLLECTIONS.follow, notificationViewer.did, isoOf(at)), at)
    }
  })
  for (const kind of ['reply', 'quote', 'mention'] as const) {
    unit(`notifications-${kind}`, (rng, put) => {
      for (let i = 0; i < NOTIFICATION_MIX[kind]; i++) {
        const p = viewerPost(rng)
        const at = after(rng, p.micros)
        const a = someoneAt(rng, at)
        const record = postRecord(corpus.postSources(rng, at), isoOf(at), kind === 'reply' ? { root: ref(p), parent: ref(p) } : undefined)
        if (kind === 'quote') record.embed = { $type: 'app.bsky.embed.record', record: ref(p) }
        if (kind === 'mention') addMention(record, notificationViewer)
        put(a, COLLECTIONS.post, record, at)
      }
    })
  }

  const manifest: PlantedManifest = {
    timelineViewer: {
      did: timelineViewer.did,
      handle: timelineViewer.handle,
      follows: followed.size,
      postsOfFollowed: [...followed].reduce((n, a) => n + corpus.postsByAuthor[a.idx]!.length, 0),
    },
    notificationViewer: {
      did: notificationViewer.did,
      handle: notificationViewer.handle,
      posts: viewerPosts.length,
      notifications: { ...NOTIFICATION_MIX, total: Object.values(NOTIFICATION_MIX).reduce((a, b) => a + b, 0) },
    },
    prolificAuthor: { did: prolific.did, handle: prolific.handle, posts: PROLIFIC_POSTS, reposts: PROLIFIC_REPOSTS, likesOfItsPosts: PROLIFIC_LIKES },
    thread: { root: thread[0]!.uri, posts: thread.length, authors: new Set(thread.map((p) => p.author)).size, maxDepth: deepest.depth, deepest: deepest.uri },
    popularAccounts: corpus.ranking.slice(0, 20).map((i) => pool[i]!.did),
  }
  return { accounts: [timelineViewer, notificationViewer, prolific], manifest, units }
}

type Put = (author: Account, collection: string, record: Record<string, unknown>, micros: number, rkey?: string) => void

function planned(author: Account, clock: number, micros: number, depth: number): PlannedPost {
  const rkey = flatString(tid(micros, clock))
  return { author, micros, rkey, uri: `at://${author.did}/${COLLECTIONS.post}/${rkey}`, depth }
}

/** Exponential with mean 1. */
function expDraw(rng: Rng): number {
  return -Math.log(1 - rng.next())
}

/** Appends an @-mention of `who` to a post's text, with its facet (UTF-8 byte offsets). */
function addMention(record: Record<string, unknown>, who: { did: string; handle: string }): void {
  const mention = `@${who.handle}`
  let text = String(record.text ?? '')
  // The 300-character limit: make room at the end.
  if (text.length + mention.length + 1 > 300) text = Array.from(text).slice(0, 300 - mention.length - 1).join('')
  if (text !== '') text += ' '
  const byteStart = Buffer.byteLength(text, 'utf8')
  record.text = text + mention
  // Facets past the cut would point outside the text: keep only those that still fit.
  const kept = ((record.facets as { index: { byteEnd: number } }[] | undefined) ?? []).filter((f) => f.index.byteEnd <= byteStart)
  record.facets = [...kept, { index: { byteStart, byteEnd: byteStart + Buffer.byteLength(mention, 'utf8') }, features: [{ $type: 'app.bsky.richtext.facet#mention', did: who.did }] }]
}
