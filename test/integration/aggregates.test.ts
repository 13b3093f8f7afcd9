/**
 * Counts through the rollup (src/aggregates/, dataplane/rolled-counts.ts) on a real OpenSearch
 * node: a generated stream of posts, likes, reposts and follows over several old months and the
 * current one, with deletes, replays and out-of-order deliveries written by Magpie's own write
 * operations; every count the read API serves must equal the stream's final state — once the
 * old months have settled (so the counts come from aggregate documents), right after writes into
 * settled months once a pass has run, right after a rollup pass died half-way, and at once for
 * writes into the live months.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { TID } from '@atproto/common-web'
import type { Client } from '@opensearch-project/opensearch'
import { Rollup } from '#/aggregates/rollup.js'
import { createDataPlane, type DataPlane } from '#/dataplane/index.js'
import { familyForCollection } from '#/indexing/families.js'
import { recordDeleteOp, recordWriteOp } from '#/indexing/operations.js'
import type { BulkOp } from '#/indexing/bulk-writer.js'
import { createLogger } from '#/log.js'
import { applySetup } from '#/store/setup.js'
import { dropPrefix, testClient, uniquePrefix } from '../helpers/opensearch.js'

const log = createLogger('warn')
const LIKE = 'app.bsky.feed.like'
const REPOST = 'app.bsky.feed.repost'
const FOLLOW = 'app.bsky.graph.follow'
const POST = 'app.bsky.feed.post'
const CID = 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm'

/** A small seeded PRNG: the same stream every run. */
function prng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Rec {
  did: string
  collection: string
  rkey: string
  record: Record<string, unknown>
}

const uriOf = (r: Rec) => `at://${r.did}/${r.collection}/${r.rkey}`

/** The stream: what was written, and the model of what is live. */
class Stream {
  readonly live = new Map<string, Rec>()
  private clock = Date.now() * 1000
  private readonly random = prng(7)
  private seq = 0
  constructor(private readonly client: Client, private readonly prefix: string) {}

  pick<T>(xs: T[]): T {
    return xs[Math.floor(this.random() * xs.length)]!
  }

  /** An rkey in the given month (UTC), unique. */
  rkey(year: number, month: number): string {
    const ms = Date.UTC(year, month - 1, 2 + Math.floor(this.random() * 25), Math.floor(this.random() * 24))
    return TID.fromTime(ms * 1000 + (this.seq++ % 1000), this.seq % 1024).toString()
  }

  /** The next repo revision's version (strictly increasing). */
  version(): number {
    return ++this.clock
  }

  createOp(rec: Rec, version: number): BulkOp {
    return recordWriteOp(this.prefix, familyForCollection(rec.collection), { ...rec, cid: CID, indexedAt: new Date().toISOString() }, version)
  }

  deleteOp(rec: Rec, version: number): BulkOp {
    return recordDeleteOp(this.prefix, familyForCollection(rec.collection), rec, version)
  }

  /** Writes ops in order; version conflicts (replays, late older writes) are expected and refused. */
  async write(ops: BulkOp[]): Promise<void> {
    const body: string[] = []
    for (const op of ops) body.push(JSON.stringify(op.action), op.body!)
    const res = await this.client.bulk({ body: `${body.join('\n')}\n`, refresh: true } as any)
    for (const item of (res.body as any).items as any[]) {
      const result = item.index
      if (result.error && result.status !== 409) throw new Error(`write failed: ${JSON.stringify(result.error)}`)
    }
  }

  async create(recs: Rec[]): Promise<void> {
    const ops: BulkOp[] = []
    for (const rec of recs) {
      const v = this.version()
      ops.push(this.createOp(rec, v))
      // A replay of the same create, and a stale older write of it arriving late: both refused.
      if (this.random() < 0.2) ops.push(this.createOp(rec, v), this.createOp(rec, v - 1))
      this.live.set(uriOf(rec), rec)
    }
    await this.write(ops)
  }

  async remove(recs: Rec[]): Promise<void> {
    const ops: BulkOp[] = []
    for (const rec of recs) {
      const v = this.version()
      ops.push(this.deleteOp(rec, v))
      // The create replayed after its delete must not revive it.
      if (this.random() < 0.3) ops.push(this.createOp(rec, v - 1))
      this.live.delete(uriOf(rec))
    }
    await this.write(ops)
  }

  /** What the stream says each count is. */
  expected(posts: string[], dids: string[]) {
    const postCounts = new Map(posts.map((p) => [p, { likes: 0, reposts: 0, replies: 0, quotes: 0 }]))
    const profile = new Map(dids.map((d) => [d, { followers: 0, follows: 0, posts: 0 }]))
    for (const rec of this.live.values()) {
      const r = rec.record as any
      if (rec.collection === LIKE) postCounts.get(r.subject.uri)!.likes++
      if (rec.collection === REPOST) postCounts.get(r.subject.uri)!.reposts++
      if (rec.collection === FOLLOW) {
        profile.get(r.subject)!.followers++
        profile.get(rec.did)!.follows++
      }
      if (rec.collection === POST) {
        profile.get(rec.did)!.posts++
        if (r.reply) postCounts.get(r.reply.parent.uri)!.replies++
        if (r.embed?.record) postCounts.get(r.embed.record.uri)!.quotes++
      }
    }
    return { postCounts, profile }
  }
}

describe('counts through the rollup', () => {
  let client: Client
  let prefix: string
  let dataplane: DataPlane
  let stream: Stream
  const dids = Array.from({ length: 24 }, (_, i) => `did:plc:aggtest${String(i).padStart(4, '0')}`)
  const now = new Date()
  const thisMonth: [number, number] = [now.getUTCFullYear(), now.getUTCMonth() + 1]
  const OLD: [number, number][] = [[2025, 3], [2025, 7], [2026, 1]]
  const months = [...OLD, thisMonth]
  const posts: Rec[] = []
  const interactions: Rec[] = []

  async function settle(rollup = new Rollup(client, prefix, log)): Promise<void> {
    try {
      for (let pass = 0; pass < 6; pass++) {
        const report = await rollup.pass()
        assert.equal(report.skipped, undefined, 'the rollup holds the lease')
        const state = await rollup.loadState()
        const unsettled = Object.entries(state.partitions).filter(([, p]) => !p.settled)
        if (pass > 0 && unsettled.length === 0 && Object.keys(state.partitions).length > 0) return
      }
      throw new Error('the old partitions never settled')
    } finally {
      await rollup.releaseLease()
    }
  }

  async function assertExact(what: string): Promise<void> {
    const { postCounts, profile } = stream.expected(posts.map(uriOf), dids)
    const [served, servedProfiles] = await Promise.all([dataplane.getPostCounts([...postCounts.keys()]), dataplane.getProfileCounts(dids)])
    for (const [uri, want] of postCounts) {
      const got = served.get(uri)!
      assert.deepEqual({ likes: got.likes, reposts: got.reposts, replies: got.replies, quotes: got.quotes }, want, `${what}: counts of ${uri}`)
    }
    for (const [did, want] of profile) {
      const got = servedProfiles.get(did)!
      assert.deepEqual({ followers: got.followers, follows: got.follows, posts: got.posts }, want, `${what}: profile counts of ${did}`)
    }
    await assertViewerState(what)
    await assertThreads(what)
  }

  /** Every live root's replies, as the stream holds them: the live posts under it through live parents. */
  function expectedThreads(): Map<string, string[]> {
    const live = [...stream.live.values()].filter((r) => r.collection === POST)
    const children = new Map<string, string[]>()
    for (const rec of live) {
      const parent = (rec.record as any).reply?.parent.uri as string | undefined
      if (parent) children.set(parent, [...(children.get(parent) ?? []), uriOf(rec)])
    }
    const out = new Map<string, string[]>()
    for (const root of live.filter((r) => !(r.record as any).reply)) {
      const found: string[] = []
      for (let frontier = [uriOf(root)]; frontier.length > 0; ) {
        frontier = frontier.flatMap((uri) => children.get(uri) ?? [])
        found.push(...frontier)
      }
      out.set(uriOf(root), found.sort())
    }
    return out
  }

  /** A thread read by its root holds every live reply under it, in whichever month each was written. */
  async function assertThreads(what: string): Promise<void> {
    const threads = expectedThreads()
    assert.ok([...threads.values()].some((replies) => replies.length >= 2), 'the stream holds threads of several replies (the test data must)')
    for (const [root, want] of threads) {
      const { descendants } = await dataplane.getThread(root, { height: 0, depth: 100 })
      assert.deepEqual(descendants.map((r) => r.uri).sort(), want, `${what}: the thread under ${root}`)
    }
  }

  /**
   * The viewer state read from the partitions the aggregates say can hold it (rolled-counts.ts
   * `holding`) must be what the stream holds: each viewer's like and repost of every post, and
   * follows both ways with every other account.
   */
  async function assertViewerState(what: string): Promise<void> {
    const uris = posts.map(uriOf)
    const live = [...stream.live.values()]
    const mine = (did: string, collection: string, subject: string) =>
      live.filter((r) => r.did === did && r.collection === collection && subjectOf(r) === subject).map(uriOf)
    for (const viewer of dids.slice(0, 8)) {
      const [interactions, relationships] = await Promise.all([dataplane.getInteractionsBy(viewer, uris), dataplane.getRelationships(viewer, dids)])
      for (const uri of uris) {
        const got = interactions.get(uri) ?? {}
        for (const [key, collection] of [['like', LIKE], ['repost', REPOST]] as const) {
          const want = mine(viewer, collection, uri)
          if (want.length === 0) assert.equal(got[key], undefined, `${what}: ${viewer} has no ${key} of ${uri}`)
          else assert.ok(want.includes(got[key]!), `${what}: ${viewer}'s ${key} of ${uri} is one of ${want.join(', ')}, got ${got[key]}`)
        }
      }
      const followsOf = (did: string) => [...new Set(live.filter((r) => r.did === did && r.collection === FOLLOW).map((r) => subjectOf(r)!))].sort()
      assert.deepEqual(await dataplane.getFollowedDids(viewer), followsOf(viewer), `${what}: whom ${viewer} follows`)
      const known = await dataplane.getKnownFollowers(viewer, dids, 3)
      for (const subject of dids) {
        const followers = followsOf(viewer).filter((f) => followsOf(f).includes(subject))
        const want = followers.length === 0 ? undefined : { count: followers.length, sample: followers.slice(0, 3) }
        assert.deepEqual(known.get(subject), want, `${what}: accounts ${viewer} follows that follow ${subject}`)
      }
      const roots = live.filter((r) => r.did === viewer && r.collection === POST && (r.record as any).reply).map((r) => (r.record as any).reply.root.uri as string)
      assert.deepEqual((await dataplane.getRecentReplyThreads(viewer)).sort(), [...new Set(roots)].sort(), `${what}: threads ${viewer} replied in`)
      const pairs = dids.flatMap((a) => dids.slice(0, 3).map((b): [string, string] => [a, b]))
      for (const chunk of [pairs.slice(0, 9), pairs]) {
        const followed = await dataplane.getFollowPairs(chunk)
        const want = chunk.filter(([a, b]) => followsOf(a).includes(b)).map(([a, b]) => `${a} ${b}`)
        assert.deepEqual([...followed].sort(), want.sort(), `${what}: follow pairs among ${chunk.length}`)
      }
      for (const other of dids.filter((d) => d !== viewer)) {
        const rel = relationships.get(other)!
        for (const [key, wanted] of [['following', mine(viewer, FOLLOW, other)], ['followedBy', mine(other, FOLLOW, viewer)]] as const) {
          if (wanted.length === 0) assert.equal(rel[key], undefined, `${what}: ${key} between ${viewer} and ${other}`)
          else assert.ok(wanted.includes(rel[key]!), `${what}: ${key} between ${viewer} and ${other} is one of ${wanted.join(', ')}, got ${rel[key]}`)
        }
      }
    }
  }

  before(async () => {
    client = testClient()
    prefix = uniquePrefix('aggregates')
    await applySetup(client, prefix, log)
    dataplane = createDataPlane({ client, prefix, cacheTtlMs: 0 })
    stream = new Stream(client, prefix)
    // Posts in every month; later ones reply to or quote earlier ones.
    for (const [y, m] of months) {
      for (let i = 0; i < 15; i++) {
        const did = stream.pick(dids)
        const record: Record<string, unknown> = { $type: POST, text: `post ${posts.length}`, createdAt: new Date(Date.UTC(y, m - 1, 3)).toISOString() }
        if (posts.length > 0 && i % 3 === 1) {
          // A reply to a reply names its parent's root: threads reach over several months.
          const parent = stream.pick(posts)
          const root = (parent.record as any).reply?.root.uri ?? uriOf(parent)
          record.reply = { root: { uri: root, cid: CID }, parent: { uri: uriOf(parent), cid: CID } }
        }
        if (posts.length > 0 && i % 4 === 2) record.embed = { $type: 'app.bsky.embed.record', record: { uri: uriOf(stream.pick(posts)), cid: CID } }
        posts.push({ did, collection: POST, rkey: stream.rkey(y, m), record })
      }
    }
    await stream.create(posts)
    const follows = new Set<string>()
    for (let i = 0; i < 700; i++) {
      const [y, m] = stream.pick(months)
      const did = stream.pick(dids)
      const kind = stream.pick([LIKE, LIKE, LIKE, REPOST, FOLLOW])
      const createdAt = new Date(Date.UTC(y, m - 1, 5)).toISOString()
      if (kind === FOLLOW) {
        const subject = stream.pick(dids)
        // A few duplicate follows, as clients make them: each is a record and counts.
        if (subject === did || (follows.has(`${did} ${subject}`) && stream.pick([true, false, false]))) continue
        follows.add(`${did} ${subject}`)
        interactions.push({ did, collection: FOLLOW, rkey: stream.rkey(y, m), record: { $type: FOLLOW, subject, createdAt } })
      } else {
        interactions.push({ did, collection: kind, rkey: stream.rkey(y, m), record: { $type: kind, subject: { uri: uriOf(stream.pick(posts)), cid: CID }, createdAt } })
      }
    }
    await stream.create(interactions)
    await stream.remove(interactions.filter((_, i) => i % 5 === 0))
    await stream.remove(posts.filter((_, i) => i % 9 === 4))
  })

  after(async () => {
    await dropPrefix(client, prefix)
    await client.close()
  })

  test('before any rollup every partition is counted live, and the counts are exact', async () => {
    await assertExact('no rollup yet')
  })

  test('a family nothing was written to yet (no index, no alias) counts 0 and the others still count', async () => {
    const lonely = uniquePrefix('aggregates-lonely')
    try {
      await applySetup(client, lonely, log)
      const only = new Stream(client, lonely)
      const post: Rec = { did: dids[0]!, collection: POST, rkey: only.rkey(...thisMonth), record: { $type: POST, text: 'alone', createdAt: new Date().toISOString() } }
      await only.create([post])
      const plane = createDataPlane({ client, prefix: lonely, cacheTtlMs: 0 })
      const [counts, profiles] = await Promise.all([plane.getPostCounts([uriOf(post)]), plane.getProfileCounts([dids[0]!])])
      assert.deepEqual(counts.get(uriOf(post)), { likes: 0, reposts: 0, replies: 0, quotes: 0, bookmarks: 0 })
      assert.equal(profiles.get(dids[0]!)?.posts, 1)
    } finally {
      await dropPrefix(client, lonely)
    }
  })

  test('once the old months settle, counts come from aggregate documents and are exact', async () => {
    await settle()
    const state = await new Rollup(client, prefix, log).loadState()
    const settled = Object.entries(state.partitions).filter(([, p]) => p.settled).map(([index]) => index)
    // Likes, reposts, posts and follows in each of the three old months (the test's own data, so it must be there).
    assert.equal(settled.length, 4 * OLD.length, `settled partitions: ${settled.join(', ')}`)
    assert.ok(settled.every((index) => !index.endsWith(`${thisMonth[0]}.${String(thisMonth[1]).padStart(2, '0')}`)), 'the live month never settles')
    await client.indices.refresh({ index: `${prefix}aggregates` })
    const docs = await client.count({ index: `${prefix}aggregates` })
    assert.ok((docs.body as any).count > 50, 'aggregate documents were written')
    await assertExact('settled')
  })

  test("once settled, a viewer's likes, reposts and follows come from edge documents: only the live month is searched", async () => {
    const state = await new Rollup(client, prefix, log).loadState()
    for (const [index, p] of Object.entries(state.partitions)) {
      const hasEdges = /-(likes|reposts|follows)-/.test(index)
      assert.equal(p.edges, hasEdges ? true : undefined, `${index}: edges ${hasEdges ? 'written' : 'not kept for its family'}`)
    }
    const { client: watching, searched, fetched } = watchReads(client)
    const plane = createDataPlane({ client: watching, prefix, cacheTtlMs: 0 })
    const thisMonthKey = `${thisMonth[0]}.${String(thisMonth[1]).padStart(2, '0')}`
    const viewer = dids[0]!
    const liked = [...stream.live.values()].filter((r) => r.did === viewer && r.collection === LIKE && !familyIndex(prefix, r).endsWith(thisMonthKey))
    assert.ok(liked.length > 0, 'the viewer liked something in a settled month (the test data must hold such a like)')
    const got = await plane.getInteractionsBy(viewer, posts.map(uriOf))
    for (const like of liked) assert.equal(got.get(subjectOf(like)!)?.like !== undefined, true, `the settled like ${uriOf(like)} is seen`)
    for (const family of ['likes', 'reposts']) {
      assert.deepEqual(searched.filter((index) => index.startsWith(`${prefix}${family}`)), [`${prefix}${family}-${thisMonthKey}`], `${family}: only the live month searched`)
    }
    assert.ok(fetched.includes(`${prefix}edges-all`), 'the settled months answered from edge documents')

    searched.length = 0
    fetched.length = 0
    await plane.getRelationships(dids[1]!, dids)
    const follows = searched.filter((index) => index.startsWith(`${prefix}follows`))
    assert.deepEqual(follows, [`${prefix}follows-${thisMonthKey}`, `${prefix}follows-${thisMonthKey}`], 'follows: only the live month, each way')
    assert.ok(fetched.includes(`${prefix}edges-all`), 'follows in the settled months answered from edge documents')

    // Known followers: only the months where the subject gained a follower, and the live one.
    const oldFollows = OLD.map(([y, m]) => `${prefix}follows-${y}.${String(m).padStart(2, '0')}`)
    const followedIn = (subject: string) => new Set([...stream.live.values()].filter((r) => r.collection === FOLLOW && subjectOf(r) === subject).map((r) => familyIndex(prefix, r)))
    const subject = dids.find((did) => oldFollows.some((p) => !followedIn(did).has(p)))
    assert.ok(subject, 'some account gained no follower in some old month (the test data must hold one)')
    // Whom the viewer follows is read first, and kept: the second call searches for the known followers alone.
    const keeping = createDataPlane({ client: watching, prefix, cacheTtlMs: 60_000 })
    await keeping.getKnownFollowers(dids[1]!, [subject])
    searched.length = 0
    await keeping.getKnownFollowers(dids[1]!, [subject])
    assert.ok(searched.length > 0, 'the known followers were searched')
    const asked = searched.filter((index) => index.startsWith(`${prefix}follows`))
    for (const index of asked) assert.ok(index.endsWith(thisMonthKey) || followedIn(subject).has(index), `${index} searched for follows of ${subject}, who gained none there`)
  })

  test('once settled, a thread is searched in the months holding its replies and the live month only', async () => {
    const thisMonthKey = `${thisMonth[0]}.${String(thisMonth[1]).padStart(2, '0')}`
    const monthsOf = (uris: string[]) => new Set(uris.map((uri) => familyIndex(prefix, [...stream.live.values()].find((r) => uriOf(r) === uri)!)))
    const oldPosts = OLD.map(([y, m]) => `${prefix}posts-${y}.${String(m).padStart(2, '0')}`)
    // The thread whose replies are in the fewest old months, so that the others can be left out.
    const [root, replies] = [...expectedThreads()]
      .filter(([, replies]) => replies.length > 0)
      .sort(([, a], [, b]) => oldPosts.filter((p) => monthsOf(a).has(p)).length - oldPosts.filter((p) => monthsOf(b).has(p)).length)[0]!
    const holding = monthsOf(replies)
    const leftOut = oldPosts.filter((p) => !holding.has(p))
    assert.ok(leftOut.length > 0, 'some thread has no replies in some old month (the test data must hold one)')
    const { client: watching, searched } = watchReads(client)
    const plane = createDataPlane({ client: watching, prefix, cacheTtlMs: 0 })
    const { descendants, opThread } = await plane.getThread(root, { height: 0, depth: 100, opThread: true })
    assert.deepEqual(descendants.map((r) => r.uri).sort(), replies)
    const posts = searched.filter((index) => index.startsWith(`${prefix}posts`))
    assert.ok(posts.length > 0, 'the thread was searched')
    for (const index of posts) {
      assert.ok(index === `${prefix}posts-${thisMonthKey}` || holding.has(index), `${index} searched for the thread under ${root}, which has no replies there`)
    }
    assert.equal(opThread === undefined || opThread[0] === root, true)
  })

  test('partitions settled before thread counts existed are searched for threads until a pass counts them', async () => {
    const rollup = new Rollup(client, prefix, log)
    const state = await rollup.loadState()
    // As an older Magpie left them: no list of counts, no threadReplies entries.
    for (const p of Object.values(state.partitions)) delete p.counted
    await client.index({ index: `${prefix}aggregates-all`, id: '_rollup', body: { state }, refresh: true })
    await client.updateByQuery({
      index: `${prefix}aggregates-all`,
      body: {
        query: { match_all: {} },
        script: { source: "if (ctx._source.c != null && ctx._source.c.containsKey('threadReplies')) { ctx._source.c.remove('threadReplies') } else { ctx.op = 'noop' }" },
      },
      refresh: true,
    } as any)
    await assertExact('settled without thread counts')
    await settle()
    const after = await rollup.loadState()
    const counted = Object.entries(after.partitions).filter(([index, p]) => index.includes('-posts-') && p.settled && p.counted?.includes('threadReplies'))
    assert.equal(counted.length, OLD.length, 'the old posts months counted for threads again')
    await assertExact('thread counts written again')
  })

  test('partitions settled before edges existed are searched until a pass writes their edges', async () => {
    const rollup = new Rollup(client, prefix, log)
    const state = await rollup.loadState()
    // As an older Magpie left them: settled, no edges, no edge documents.
    for (const p of Object.values(state.partitions)) delete p.edges
    await client.index({ index: `${prefix}aggregates-all`, id: '_rollup', body: { state }, refresh: true })
    await client.deleteByQuery({ index: `${prefix}edges-all`, body: { query: { match_all: {} } }, refresh: true } as any)
    await assertExact('settled without edges')
    await settle()
    const after = await rollup.loadState()
    const withEdges = Object.entries(after.partitions).filter(([, p]) => p.edges).map(([index]) => index)
    assert.equal(withEdges.length, 3 * OLD.length, `edges written again for likes, reposts and follows: ${withEdges.join(', ')}`)
    await assertExact('edges written again')
  })

  test('writes into a live month are counted at once, without a rollup pass', async () => {
    const target = posts[0]!
    const fresh: Rec[] = dids.slice(0, 5).map((did) => ({
      did,
      collection: LIKE,
      rkey: stream.rkey(...thisMonth),
      record: { $type: LIKE, subject: { uri: uriOf(target), cid: CID }, createdAt: new Date().toISOString() },
    }))
    await stream.create(fresh)
    await assertExact('live month, no pass')
  })

  test('deletes, replays and new records in settled months are exact after a pass', async () => {
    const [y, m] = OLD[0]!
    const monthKey = `${y}.${String(m).padStart(2, '0')}`
    // Every like of one post in that month goes: its entry there must count 0, not its old count.
    const inMonth = [...stream.live.values()].filter((r) => r.collection === LIKE && familyIndex(prefix, r).endsWith(monthKey))
    const victim = (inMonth[0]!.record as any).subject.uri as string
    await stream.remove(inMonth.filter((r) => (r.record as any).subject.uri === victim))
    const more: Rec[] = dids.slice(5, 12).map((did) => ({
      did,
      collection: REPOST,
      rkey: stream.rkey(y, m),
      record: { $type: REPOST, subject: { uri: uriOf(posts[3]!), cid: CID }, createdAt: new Date(Date.UTC(y, m - 1, 9)).toISOString() },
    }))
    await stream.create(more)
    await stream.remove([...stream.live.values()].filter((r) => r.collection === FOLLOW && familyIndex(prefix, r).endsWith(monthKey)).slice(0, 4))
    await settle()
    await assertExact('after writes into a settled month')
  })

  test('a rollup pass that dies half-way leaves counts exact, and a restarted one settles again', async () => {
    const [y, m] = OLD[1]!
    const monthKey = `${y}.${String(m).padStart(2, '0')}`
    await stream.remove([...stream.live.values()].filter((r) => r.collection === LIKE && familyIndex(prefix, r).endsWith(monthKey)).slice(0, 10))
    // The process dies right after its first bulk write of aggregate documents went through,
    // before it could mark the partition settled.
    const dying = new Proxy(client, {
      get(target, prop, receiver) {
        if (prop === 'bulk') {
          return async (...args: unknown[]) => {
            await (target.bulk as any)(...args)
            throw new Error('killed')
          }
        }
        return Reflect.get(target, prop, receiver)
      },
    })
    const crashed = new Rollup(dying, prefix, log, { owner: 'crashed' })
    await crashed.pass() // sees the moved partition
    await assert.rejects(crashed.pass(), /killed/)
    const state = await crashed.loadState()
    const likesPartition = Object.entries(state.partitions).find(([index]) => index.includes('-likes-') && index.endsWith(monthKey))
    assert.equal(likesPartition?.[1].settled, false, 'the partition being recounted stays unsettled')
    await assertExact('right after the crash')
    // A new process: the dead one's lease expires, then it recounts with a newer generation.
    await settle(new Rollup(client, prefix, log, { owner: 'restarted', now: () => Date.now() + 61_000 }))
    await assertExact('after the restarted rollup')
  })
})

describe('the month before the current one', () => {
  // Clocks inside the current month: two days in (the month before is still in its grace) and
  // halfway through (it is not).
  const today = new Date()
  const [y, m] = [today.getUTCFullYear(), today.getUTCMonth()]
  const early = () => Date.UTC(y, m, 2, 12)
  const late = () => Date.UTC(y, m, 15, 12)
  const thisMonth: [number, number] = [y, m + 1]
  const previous: [number, number] = m === 0 ? [y - 1, 12] : [y, m]
  const key = ([year, month]: [number, number]) => `${year}.${String(month).padStart(2, '0')}`
  const dids = Array.from({ length: 6 }, (_, i) => `did:plc:prevmonth${String(i).padStart(4, '0')}`)
  let client: Client
  let prefix: string
  let stream: Stream
  const posts: Rec[] = []

  async function passes(rollup: Rollup, n: number): Promise<void> {
    try {
      for (let i = 0; i < n; i++) assert.equal((await rollup.pass()).skipped, undefined, 'the rollup holds the lease')
    } finally {
      await rollup.releaseLease()
    }
  }

  /** Likes of the posts as served at `clock`, exact, and the likes partitions the viewer's likes were searched in. */
  async function readAt(clock: () => number): Promise<string[]> {
    const { client: watching, searched } = watchReads(client)
    const plane = createDataPlane({ client: watching, prefix, cacheTtlMs: 0, now: clock })
    const { postCounts } = stream.expected(posts.map(uriOf), dids)
    const served = await plane.getPostCounts([...postCounts.keys()])
    for (const [uri, want] of postCounts) assert.equal(served.get(uri)?.likes, want.likes, `likes of ${uri}`)
    searched.length = 0
    const viewer = dids[0]!
    const got = await plane.getInteractionsBy(viewer, posts.map(uriOf))
    for (const post of posts) {
      const liked = [...stream.live.values()].some((r) => r.did === viewer && r.collection === LIKE && subjectOf(r) === uriOf(post))
      assert.equal(got.get(uriOf(post))?.like !== undefined, liked, `${viewer}'s like of ${uriOf(post)}`)
    }
    return searched.filter((index) => index.startsWith(`${prefix}likes`)).sort()
  }

  before(async () => {
    client = testClient()
    prefix = uniquePrefix('prevmonth')
    await applySetup(client, prefix, log)
    stream = new Stream(client, prefix)
    for (const month of [previous, thisMonth]) {
      for (let i = 0; i < 4; i++) posts.push({ did: dids[i]!, collection: POST, rkey: stream.rkey(...month), record: { $type: POST, text: `post ${i}`, createdAt: new Date().toISOString() } })
    }
    await stream.create(posts)
    const likes: Rec[] = []
    for (const month of [previous, thisMonth]) {
      for (const did of dids) {
        for (const post of posts.filter((_, i) => (i + dids.indexOf(did)) % 3 === 0)) {
          likes.push({ did, collection: LIKE, rkey: stream.rkey(...month), record: { $type: LIKE, subject: { uri: uriOf(post), cid: CID }, createdAt: new Date().toISOString() } })
        }
      }
    }
    await stream.create(likes)
    assert.ok(likes.some((r) => r.did === dids[0] && familyIndex(prefix, r).endsWith(key(previous))), 'the viewer liked something in the month before (the test data must hold such a like)')
  })

  after(async () => {
    await dropPrefix(client, prefix)
    await client.close()
  })

  test('in the first days of a month it stays live: not settled, searched, counted exactly', async () => {
    await passes(new Rollup(client, prefix, log, { now: early }), 3)
    const state = await new Rollup(client, prefix, log).loadState()
    assert.deepEqual(Object.entries(state.partitions).filter(([, p]) => p.settled), [], 'nothing settles in the grace')
    assert.deepEqual(await readAt(early), [`${prefix}likes-${key(previous)}`, `${prefix}likes-${key(thisMonth)}`])
  })

  test('after its grace it settles: counted from aggregate documents, no longer searched for viewer state', async () => {
    await passes(new Rollup(client, prefix, log, { now: late }), 3)
    const state = await new Rollup(client, prefix, log).loadState()
    const settled = Object.entries(state.partitions).filter(([, p]) => p.settled).map(([index]) => index).sort()
    assert.deepEqual(settled, [`${prefix}likes-${key(previous)}`, `${prefix}posts-${key(previous)}`])
    assert.deepEqual(await readAt(late), [`${prefix}likes-${key(thisMonth)}`])
    // Read with the earlier clock, the same settled month is searched again: the grace is the reader's to judge too.
    assert.deepEqual(await readAt(early), [`${prefix}likes-${key(previous)}`, `${prefix}likes-${key(thisMonth)}`])
  })

  test('a late write into it after it settled is counted once a pass has seen it', async () => {
    const post = posts[0]!
    const stray: Rec[] = dids.map((did) => ({ did, collection: LIKE, rkey: stream.rkey(...previous), record: { $type: LIKE, subject: { uri: uriOf(post), cid: CID }, createdAt: new Date().toISOString() } }))
    await stream.create(stray)
    // Counted live from the pass that sees its shards move, recounted and settled again once quiet.
    const rollup = new Rollup(client, prefix, log, { now: late })
    await passes(rollup, 1)
    assert.equal((await rollup.loadState()).partitions[`${prefix}likes-${key(previous)}`]?.settled, false, 'moved: no longer settled')
    await readAt(late)
    await passes(rollup, 2)
    assert.equal((await rollup.loadState()).partitions[`${prefix}likes-${key(previous)}`]?.settled, true, 'recounted and settled again')
    await readAt(late)
  })
})

/** A client that notes the indices each `_msearch` searched and each `_mget` read from. */
function watchReads(client: Client): { client: Client; searched: string[]; fetched: string[] } {
  const searched: string[] = []
  const fetched: string[] = []
  const watching = new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'msearch') {
        return (params: { body: object[] }, ...rest: unknown[]) => {
          params.body.forEach((line, i) => i % 2 === 0 && searched.push(...String((line as { index: string }).index).split(',')))
          return (target.msearch as any)(params, ...rest)
        }
      }
      if (prop === 'mget') {
        return (params: { body: { docs: { _index: string }[] } }, ...rest: unknown[]) => {
          fetched.push(...params.body.docs.map((d) => d._index))
          return (target.mget as any)(params, ...rest)
        }
      }
      return Reflect.get(target, prop, receiver)
    },
  })
  return { client: watching, searched, fetched }
}

function subjectOf(rec: Rec): string | undefined {
  const subject = (rec.record as { subject?: unknown }).subject
  return typeof subject === 'string' ? subject : (subject as { uri?: string } | undefined)?.uri
}

function familyIndex(prefix: string, rec: Rec): string {
  const month = new Date(Math.floor(TID.fromStr(rec.rkey).timestamp() / 1000)).toISOString().slice(0, 7).replace('-', '.')
  return `${prefix}${familyForCollection(rec.collection).index}-${month}`
}
