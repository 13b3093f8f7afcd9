// Generates believable, ongoing Bluesky activity on a dev network, so the demo
// (and tests that want "a bit of everything") see every record family flow
// through the real PDS and firehose: posts with facets, replies, quotes,
// images, likes, reposts, follows, blocks, lists, starter packs, feed
// generators, threadgates, postgates, profile edits and deletes.
//
// Choices are driven by a seeded PRNG. With concurrency 1 the sequence of
// actions is reproducible for a given seed (record keys and timestamps still
// come from the clock); with more concurrency, completion order varies.
import { deflateSync, crc32 } from 'node:zlib'
import { RichText, type AppBskyFeedPost } from '@atproto/api'
import type { DevAccount, DevNetwork } from '#devnet/network.js'
import { makeRng } from '#devnet/rng.js'

export type ActivityOptions = {
  /** Accounts to create before the activity starts. */
  accounts: number
  /** Target actions per second (each action is one write to the PDS). */
  ratePerSec: number
  signal: AbortSignal
  log?: (line: string) => void
  /** PRNG seed; the same seed yields the same choices. */
  seed?: number
  /** Writes in flight at once (default 1: reproducible). */
  concurrency?: number
  /** Stop after this many chosen actions, writes and skips alike (default: until aborted). */
  maxActions?: number
  /** DID named by generated feed generator records (e.g. Magpie's did:web). */
  feedServiceDid?: string
  /** Upload small generated PNGs for image posts (default true). */
  images?: boolean
}

export type ActivityStats = {
  accounts: string[]
  /** Writes made. */
  actions: number
  /** Chosen actions that found nothing to act on (no write). */
  skipped: number
  errors: number
  byKind: Record<string, number>
}

type Ref = { uri: string, cid: string }
type PostRef = Ref & { author: string, root: Ref, replies: string[] }
type OwnedRef = { uri: string, owner: string }
type ListRef = OwnedRef & { purpose: ListPurpose, items: OwnedRef[] }
type ListPurpose = 'curatelist' | 'modlist' | 'referencelist'

type State = {
  accounts: DevAccount[]
  posts: PostRef[]
  likes: OwnedRef[]
  reposts: (OwnedRef & { cid: string, subject: Ref })[]
  follows: Map<string, Set<string>> // follower -> followed
  followUris: Map<string, string> // `${follower} ${followed}` -> uri
  blocks: (OwnedRef & { subject: string })[]
  lists: ListRef[]
}

type Rng = ReturnType<typeof makeRng>

const NAMES = [
  'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan',
  'judy', 'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil', 'trent',
  'victor', 'walter', 'yuki', 'sakura', 'joao', 'lena', 'minji', 'amara', 'tomas'
]

// Short texts per language, so language detection, stemming and CJK
// tokenisation all have something to chew on.
const TEXTS: Record<string, string[]> = {
  en: [
    'Saw a magpie steal a shiny bottle cap this morning',
    'Finally got the search cluster to stay green overnight',
    'Anyone else think decentralised timelines feel calmer?',
    'Reading about time-partitioned indices and loving it',
    'The coffee here is strong enough to index a firehose',
    'Birdwatching report: three crows, one jay, zero patience',
    'Shipping small changes every day beats big rewrites'
  ],
  ja: [
    '今朝はカササギが公園で遊んでいました',
    '検索エンジンの調子がとても良いです',
    '新しいタイムラインを試しています'
  ],
  pt: [
    'Hoje o céu está lindo e os pássaros cantam',
    'Testando uma nova rede social descentralizada'
  ],
  de: [
    'Die Elstern im Garten sind heute besonders neugierig',
    'Suchmaschinen sind faszinierender als gedacht'
  ],
  ko: [
    '오늘 아침 까치를 보았어요',
    '새로운 검색 기능을 시험하고 있습니다'
  ]
}
const LANGS = Object.keys(TEXTS)
const HASHTAGS = ['#magpie', '#birds', '#opensearch', '#atproto', '#devnet', '#coffee', '#カササギ', '#search']
const LINKS = [
  'https://example.com/articles/magpies',
  'https://docs.example.org/search/partitioning',
  'magpie.example/status',
  'https://blog.example.net/2026/07/firehose'
]

export async function runActivity (net: DevNetwork, opts: ActivityOptions): Promise<ActivityStats> {
  const rng = makeRng(opts.seed ?? 1)
  const log = opts.log ?? (() => {})
  const { signal } = opts
  const concurrency = Math.max(1, opts.concurrency ?? 1)
  const feedServiceDid = opts.feedServiceDid ?? 'did:web:localhost'
  const stats: ActivityStats = { accounts: [], actions: 0, skipped: 0, errors: 0, byKind: {} }

  const state: State = {
    accounts: [],
    posts: [],
    likes: [],
    reposts: [],
    follows: new Map(),
    followUris: new Map(),
    blocks: [],
    lists: []
  }

  // --- accounts and profiles
  const taken = new Set([...net.accounts.values()].map((a) => a.handle))
  for (let i = 0; i < opts.accounts && !signal.aborted; i++) {
    const base = NAMES[i % NAMES.length] as string
    let short = i < NAMES.length ? base : `${base}${Math.floor(i / NAMES.length)}`
    for (let n = 2; taken.has(`${short}.test`); n++) short = `${base}-${n}`
    taken.add(`${short}.test`)
    const acct = await net.createAccount(short)
    const bio = `${rng.pick(TEXTS.en ?? [])} ${rng.pick(HASHTAGS)}`
    await acct.agent.upsertProfile(() => ({
      displayName: short.charAt(0).toUpperCase() + short.slice(1),
      description: bio
    }))
    state.accounts.push(acct)
    state.follows.set(acct.did, new Set())
    stats.accounts.push(acct.did)
    log(`activity: created ${acct.handle} ${acct.did}`)
  }
  if (state.accounts.length === 0) return stats

  const ctx: Ctx = { net, rng, state, feedServiceDid, images: opts.images ?? true }

  // --- paced action loop
  const inFlight = new Set<Promise<void>>()
  const intervalMs = 1000 / Math.max(opts.ratePerSec, 0.001)
  let due = performance.now()
  let issued = 0
  while (!signal.aborted && (opts.maxActions === undefined || issued < opts.maxActions)) {
    const wait = due - performance.now()
    if (wait > 0) await sleep(wait, signal)
    if (signal.aborted) break
    // After a stall, catch up by at most a second's worth instead of bursting.
    due = Math.max(due + intervalMs, performance.now() - 1000)
    while (inFlight.size >= concurrency) await Promise.race(inFlight)

    const kind = chooseKind(ctx)
    const run = ACTIONS[kind]
    issued++
    const p: Promise<void> = run(ctx)
      .then((what) => {
        if (what === undefined) {
          stats.skipped++
          return
        }
        stats.actions++
        stats.byKind[kind] = (stats.byKind[kind] ?? 0) + 1
        log(`activity: ${kind} ${what}`)
      })
      .catch((err: unknown) => {
        stats.errors++
        log(`activity: ${kind} failed: ${err instanceof Error ? err.message : String(err)}`)
      })
      .finally(() => { inFlight.delete(p) })
    inFlight.add(p)
  }
  await Promise.all(inFlight)
  return stats
}

type Ctx = {
  net: DevNetwork
  rng: Rng
  state: State
  feedServiceDid: string
  images: boolean
}

// Returns a short description for the log, or undefined when it chose to skip.
type Action = (ctx: Ctx) => Promise<string | undefined>

const WEIGHTS = {
  post: 22,
  reply: 12,
  quote: 4,
  imagePost: 3,
  like: 30,
  unlike: 2,
  repost: 8,
  unrepost: 0.6,
  follow: 8,
  unfollow: 2,
  block: 1,
  unblock: 0.5,
  list: 0.6,
  listitem: 2.5,
  listitemDelete: 0.4,
  listblock: 0.3,
  starterpack: 0.3,
  feedgen: 0.3,
  threadgate: 1,
  postgate: 0.7,
  deletePost: 1.5,
  profile: 0.5
} as const
type Kind = keyof typeof WEIGHTS
const KINDS = Object.keys(WEIGHTS) as Kind[]
const TOTAL_WEIGHT = KINDS.reduce((sum, k) => sum + WEIGHTS[k], 0)

function chooseKind (ctx: Ctx): Kind {
  // Until there is something to react to, write posts.
  if (ctx.state.posts.length < 3) return 'post'
  let x = ctx.rng.next() * TOTAL_WEIGHT
  for (const k of KINDS) {
    x -= WEIGHTS[k]
    if (x < 0) return k
  }
  return 'post'
}

const now = () => new Date().toISOString()

function rkeyOf (uri: string): string {
  return uri.slice(uri.lastIndexOf('/') + 1)
}

async function createRecord (
  acct: DevAccount, collection: string, record: Record<string, unknown>, rkey?: string
): Promise<Ref> {
  const res = await acct.agent.com.atproto.repo.createRecord({
    repo: acct.did,
    collection,
    record: { $type: collection, ...record },
    ...(rkey ? { rkey } : {})
  })
  return { uri: res.data.uri, cid: res.data.cid }
}

async function putRecord (
  acct: DevAccount, collection: string, rkey: string, record: Record<string, unknown>
): Promise<Ref> {
  const res = await acct.agent.com.atproto.repo.putRecord({
    repo: acct.did,
    collection,
    rkey,
    record: { $type: collection, ...record }
  })
  return { uri: res.data.uri, cid: res.data.cid }
}

async function deleteRecord (acct: DevAccount, uri: string): Promise<void> {
  const parts = uri.replace('at://', '').split('/')
  await acct.agent.com.atproto.repo.deleteRecord({
    repo: acct.did,
    collection: parts[1] as string,
    rkey: parts[2] as string
  })
}

/** Take a random record off `list` and delete it from its owner's repo; its URI, or undefined. */
async function deleteRandom<T extends { uri: string }> (ctx: Ctx, list: T[], ownerOf: (item: T) => string): Promise<string | undefined> {
  if (!list.length) return undefined
  const [item] = list.splice(ctx.rng.int(list.length), 1)
  const acct = item && accountOf(ctx, ownerOf(item))
  if (!item || !acct) return undefined
  await deleteRecord(acct, item.uri)
  return item.uri
}

function accountOf (ctx: Ctx, did: string): DevAccount | undefined {
  return ctx.state.accounts.find((a) => a.did === did)
}

function otherThan (ctx: Ctx, did: string): DevAccount | undefined {
  const others = ctx.state.accounts.filter((a) => a.did !== did)
  return others.length ? ctx.rng.pick(others) : undefined
}

// Composes text with optional mention, link and hashtag, and resolves facets
// through the PDS (mentions become DIDs the same way a client does it).
async function composeText (ctx: Ctx, author: DevAccount): Promise<{ rt: RichText, lang: string }> {
  const { rng } = ctx
  const lang = rng.chance(0.6) ? 'en' : rng.pick(LANGS)
  const parts = [rng.pick(TEXTS[lang] ?? [])]
  if (rng.chance(0.3)) {
    const other = otherThan(ctx, author.did)
    if (other) parts.unshift(`@${other.handle}`)
  }
  if (rng.chance(0.25)) parts.push(rng.pick(LINKS))
  if (rng.chance(0.45)) parts.push(rng.pick(HASHTAGS))
  if (rng.chance(0.15)) parts.push(rng.pick(HASHTAGS))
  const rt = new RichText({ text: parts.join(' ') })
  await rt.detectFacets(author.agent)
  return { rt, lang }
}

async function writePost (
  ctx: Ctx, author: DevAccount, extra: { reply?: { root: Ref, parent: Ref }, embed?: Record<string, unknown> }
): Promise<PostRef> {
  const { rt, lang } = await composeText(ctx, author)
  const res = await author.agent.post({
    text: rt.text,
    ...(rt.facets ? { facets: rt.facets } : {}),
    langs: [lang],
    ...(extra.reply ? { reply: extra.reply } : {}),
    // Embeds are built as plain objects; the PDS validates them against the lexicon.
    ...(extra.embed ? { embed: extra.embed as unknown as AppBskyFeedPost.Record['embed'] } : {}),
    createdAt: now()
  })
  const ref = { uri: res.uri, cid: res.cid }
  const post: PostRef = { ...ref, author: author.did, root: extra.reply?.root ?? ref, replies: [] }
  ctx.state.posts.push(post)
  // Keep memory bounded in long demos; old posts just stop getting attention.
  if (ctx.state.posts.length > 5000) ctx.state.posts.splice(0, 1000)
  return post
}

function recentPost (ctx: Ctx, notBy?: string): PostRef | undefined {
  const { posts } = ctx.state
  // Bias towards recent posts, like real engagement.
  for (let tries = 0; tries < 8 && posts.length; tries++) {
    const span = Math.min(posts.length, 200)
    const p = posts[posts.length - 1 - ctx.rng.int(span)]
    if (p && p.author !== notBy) return p
  }
  return undefined
}

// A tiny solid-colour PNG, built by hand so the demo needs no image assets.
function makePng (width: number, height: number, rgb: [number, number, number]): Uint8Array {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(td))
    return Buffer.concat([len, td, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // truecolour
  const row = Buffer.alloc(1 + width * 3)
  for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3)
  const raw = Buffer.concat(Array.from({ length: height }, () => row))
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0))
  ])
}

async function uploadImage (ctx: Ctx, author: DevAccount) {
  const w = 8 + ctx.rng.int(24)
  const h = 8 + ctx.rng.int(24)
  const png = makePng(w, h, [ctx.rng.int(256), ctx.rng.int(256), ctx.rng.int(256)])
  const res = await author.agent.uploadBlob(png, { encoding: 'image/png' })
  return {
    image: res.data.blob,
    alt: ctx.rng.chance(0.7) ? 'A small square of colour' : '',
    aspectRatio: { width: w, height: h }
  }
}

const ACTIONS: Record<Kind, Action> = {
  async post (ctx) {
    const author = ctx.rng.pick(ctx.state.accounts)
    const embed = ctx.rng.chance(0.15)
      ? {
          $type: 'app.bsky.embed.external',
          external: {
            uri: ctx.rng.pick(LINKS.filter((l) => l.startsWith('https://'))),
            title: 'An example article',
            description: 'Generated by the Magpie demo'
          }
        }
      : undefined
    const p = await writePost(ctx, author, embed ? { embed } : {})
    return p.uri
  },

  async reply (ctx) {
    const parent = recentPost(ctx)
    if (!parent) return undefined
    const author = ctx.rng.chance(0.8) ? otherThan(ctx, parent.author) : accountOf(ctx, parent.author)
    if (!author) return undefined
    const p = await writePost(ctx, author, {
      reply: { root: parent.root, parent: { uri: parent.uri, cid: parent.cid } }
    })
    parent.replies.push(p.uri)
    return `${p.uri} -> ${parent.uri}`
  },

  async quote (ctx) {
    const quoted = recentPost(ctx)
    if (!quoted) return undefined
    const author = otherThan(ctx, quoted.author) ?? ctx.rng.pick(ctx.state.accounts)
    const record = { uri: quoted.uri, cid: quoted.cid }
    const embed = ctx.images && ctx.rng.chance(0.25)
      ? {
          $type: 'app.bsky.embed.recordWithMedia',
          record: { $type: 'app.bsky.embed.record', record },
          media: { $type: 'app.bsky.embed.images', images: [await uploadImage(ctx, author)] }
        }
      : { $type: 'app.bsky.embed.record', record }
    const p = await writePost(ctx, author, { embed })
    return `${p.uri} quotes ${quoted.uri}`
  },

  async imagePost (ctx) {
    if (!ctx.images) return ACTIONS.post(ctx)
    const author = ctx.rng.pick(ctx.state.accounts)
    const n = 1 + ctx.rng.int(3)
    const images = []
    for (let i = 0; i < n; i++) images.push(await uploadImage(ctx, author))
    const p = await writePost(ctx, author, { embed: { $type: 'app.bsky.embed.images', images } })
    return `${p.uri} (${n} images)`
  },

  async like (ctx) {
    const liker = ctx.rng.pick(ctx.state.accounts)
    // Sometimes like through a repost, as clients do from a reposted item.
    const via = ctx.rng.chance(0.1) ? ctx.state.reposts.find((r) => r.owner !== liker.did) : undefined
    const subject = via?.subject ?? recentPost(ctx, liker.did)
    if (!subject) return undefined
    const res = via
      ? await liker.agent.like(subject.uri, subject.cid, { uri: via.uri, cid: via.cid })
      : await liker.agent.like(subject.uri, subject.cid)
    ctx.state.likes.push({ uri: res.uri, owner: liker.did })
    return `${liker.handle} likes ${subject.uri}`
  },

  async unlike (ctx) {
    return deleteRandom(ctx, ctx.state.likes, (like) => like.owner)
  },

  async repost (ctx) {
    const who = ctx.rng.pick(ctx.state.accounts)
    const subject = recentPost(ctx, who.did)
    if (!subject) return undefined
    const res = await who.agent.repost(subject.uri, subject.cid)
    ctx.state.reposts.push({ uri: res.uri, cid: res.cid, owner: who.did, subject: { uri: subject.uri, cid: subject.cid } })
    return `${who.handle} reposts ${subject.uri}`
  },

  async unrepost (ctx) {
    return deleteRandom(ctx, ctx.state.reposts, (r) => r.owner)
  },

  async follow (ctx) {
    const who = ctx.rng.pick(ctx.state.accounts)
    const following = ctx.state.follows.get(who.did) ?? new Set()
    const candidates = ctx.state.accounts.filter((a) => a.did !== who.did && !following.has(a.did))
    if (!candidates.length) return undefined
    const target = ctx.rng.pick(candidates)
    following.add(target.did)
    ctx.state.follows.set(who.did, following)
    const res = await who.agent.follow(target.did)
    ctx.state.followUris.set(`${who.did} ${target.did}`, res.uri)
    return `${who.handle} follows ${target.handle}`
  },

  async unfollow (ctx) {
    const entries = [...ctx.state.followUris.entries()]
    if (!entries.length) return undefined
    const [key, uri] = ctx.rng.pick(entries)
    const [follower, followed] = key.split(' ') as [string, string]
    ctx.state.followUris.delete(key)
    ctx.state.follows.get(follower)?.delete(followed)
    const acct = accountOf(ctx, follower)
    if (!acct) return undefined
    await acct.agent.deleteFollow(uri)
    return uri
  },

  async block (ctx) {
    const who = ctx.rng.pick(ctx.state.accounts)
    const target = otherThan(ctx, who.did)
    if (!target || ctx.state.blocks.some((b) => b.owner === who.did && b.subject === target.did)) return undefined
    const ref = await createRecord(who, 'app.bsky.graph.block', { subject: target.did, createdAt: now() })
    ctx.state.blocks.push({ uri: ref.uri, owner: who.did, subject: target.did })
    return `${who.handle} blocks ${target.handle}`
  },

  async unblock (ctx) {
    return deleteRandom(ctx, ctx.state.blocks, (b) => b.owner)
  },

  async list (ctx) {
    const owner = ctx.rng.pick(ctx.state.accounts)
    const purpose = ctx.rng.pick<ListPurpose>(['curatelist', 'modlist', 'referencelist'])
    const name = { curatelist: 'Birders', modlist: 'Noisy accounts', referencelist: 'Starter crew' }[purpose]
    const ref = await createRecord(owner, 'app.bsky.graph.list', {
      purpose: `app.bsky.graph.defs#${purpose}`,
      name: `${name} ${ctx.state.lists.length + 1}`,
      description: `A ${purpose} made by the demo #magpie`,
      createdAt: now()
    })
    ctx.state.lists.push({ uri: ref.uri, owner: owner.did, purpose, items: [] })
    return `${purpose} ${ref.uri}`
  },

  async listitem (ctx) {
    if (!ctx.state.lists.length) return ACTIONS.list(ctx)
    const list = ctx.rng.pick(ctx.state.lists)
    const owner = accountOf(ctx, list.owner)
    if (!owner) return undefined
    const subject = otherThan(ctx, owner.did)
    if (!subject) return undefined
    const ref = await createRecord(owner, 'app.bsky.graph.listitem', {
      subject: subject.did, list: list.uri, createdAt: now()
    })
    list.items.push({ uri: ref.uri, owner: owner.did })
    return `${subject.handle} -> ${list.uri}`
  },

  async listitemDelete (ctx) {
    const list = ctx.state.lists.find((l) => l.items.length > 0)
    return list && deleteRandom(ctx, list.items, (item) => item.owner)
  },

  async listblock (ctx) {
    const modlists = ctx.state.lists.filter((l) => l.purpose === 'modlist')
    if (!modlists.length) return undefined
    const list = ctx.rng.pick(modlists)
    const who = otherThan(ctx, list.owner)
    if (!who) return undefined
    const ref = await createRecord(who, 'app.bsky.graph.listblock', { subject: list.uri, createdAt: now() })
    return `${who.handle} blocks list ${list.uri} (${ref.uri})`
  },

  async starterpack (ctx) {
    const refLists = ctx.state.lists.filter((l) => l.purpose === 'referencelist')
    if (!refLists.length) return ACTIONS.list(ctx)
    const list = ctx.rng.pick(refLists)
    const owner = accountOf(ctx, list.owner)
    if (!owner) return undefined
    const ref = await createRecord(owner, 'app.bsky.graph.starterpack', {
      name: 'Magpie demo starter pack',
      description: 'People worth following on the demo network',
      list: list.uri,
      createdAt: now()
    })
    return ref.uri
  },

  async feedgen (ctx) {
    const owner = ctx.rng.pick(ctx.state.accounts)
    const topic = ctx.rng.pick(['birds', 'search', 'coffee', 'atproto'])
    const ref = await putRecord(owner, 'app.bsky.feed.generator', `${topic}-feed`, {
      did: ctx.feedServiceDid,
      displayName: `All about ${topic}`,
      description: `Posts about #${topic} from the demo network`,
      createdAt: now()
    })
    return ref.uri
  },

  async threadgate (ctx) {
    // Gate (or re-gate, which is an update) one of someone's own root posts,
    // sometimes hiding replies from others.
    const roots = ctx.state.posts.filter((p) => p.root.uri === p.uri).slice(-200)
    if (!roots.length) return undefined
    const post = ctx.rng.pick(roots)
    const owner = accountOf(ctx, post.author)
    if (!owner) return undefined
    const rules = [
      { $type: 'app.bsky.feed.threadgate#mentionRule' },
      { $type: 'app.bsky.feed.threadgate#followingRule' },
      { $type: 'app.bsky.feed.threadgate#followerRule' }
    ]
    const allow = ctx.rng.chance(0.2) ? [] : rules.filter(() => ctx.rng.chance(0.5))
    const curate = ctx.state.lists.find((l) => l.owner === owner.did && l.purpose === 'curatelist')
    if (curate && ctx.rng.chance(0.3)) allow.push({ $type: 'app.bsky.feed.threadgate#listRule', list: curate.uri } as { $type: string })
    const hiddenReplies = post.replies.filter(() => ctx.rng.chance(0.3)).slice(0, 5)
    const ref = await putRecord(owner, 'app.bsky.feed.threadgate', rkeyOf(post.uri), {
      post: post.uri, allow, hiddenReplies, createdAt: now()
    })
    return `${ref.uri} (${allow.length} rules, ${hiddenReplies.length} hidden)`
  },

  async postgate (ctx) {
    const post = recentPost(ctx)
    const owner = post && accountOf(ctx, post.author)
    if (!post || !owner) return undefined
    const ref = await putRecord(owner, 'app.bsky.feed.postgate', rkeyOf(post.uri), {
      post: post.uri,
      embeddingRules: ctx.rng.chance(0.5) ? [{ $type: 'app.bsky.feed.postgate#disableRule' }] : [],
      detachedEmbeddingUris: [],
      createdAt: now()
    })
    return ref.uri
  },

  async deletePost (ctx) {
    // Keep a few posts around for replies, quotes and likes to point at.
    if (ctx.state.posts.length < 10) return undefined
    return deleteRandom(ctx, ctx.state.posts, (post) => post.author)
  },

  async profile (ctx) {
    const who = ctx.rng.pick(ctx.state.accounts)
    const bio = `${ctx.rng.pick(TEXTS[ctx.rng.pick(LANGS)] ?? [])} ${ctx.rng.pick(HASHTAGS)}`
    await who.agent.upsertProfile((existing) => ({ ...existing, description: bio }))
    return who.handle
  }
}

function sleep (ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const done = () => {
      clearTimeout(t)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const t = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
