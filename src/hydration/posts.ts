import type { DataPlane, FeedItemRef, PostCounts, StoredRecord } from '#/dataplane/index.js'
import { hydrateFeedGens, hydrateLabelers, hydrateLists } from '#/hydration/graph.js'
import type { PostBlocks, PostInfo, PostViewerInfo } from '#/hydration/post-state.js'
import { hideTakendown, hydrateLabels } from '#/hydration/labels.js'
import { loadReplyPermissions, replyKey, type ReplyCheck } from '#/hydration/reply-permissions.js'
import type { ProfileHydrator } from '#/hydration/profiles.js'
import { mergeStates, type HydrateCtx, type HydrationState } from '#/hydration/state.js'
import { collectionOfUri, didOfUri, isPostUri } from '#/records/at-uri.js'
import { embeddedRecordUri, replyParentOf, replyRootOf } from '#/records/post-record.js'
import { embeddingDisabledBy, postgateUriOf, replyRestriction, threadgateUriOf, type ReplyRestriction } from '#/records/gates.js'

/**
 * Hydration of posts and what hangs off them. A post view nests up to two levels of quoted
 * records, so posts are read in layers (the posts, what they quote plus their thread roots,
 * what those quote), then everything the views need is fetched at once: counts, the viewer's
 * likes and reposts, blocks between authors, profiles, embedded lists/feeds/labelers/starter
 * packs, threadgates and postgates — and, where a gate restricts replies, who was allowed.
 */

const LIST = 'app.bsky.graph.list'
const FEEDGEN = 'app.bsky.feed.generator'
const LABELER = 'app.bsky.labeler.service'
const STARTER_PACK = 'app.bsky.graph.starterpack'

export interface HydratePostsOptions {
  /** Records already read (e.g. by the skeleton), not read again; null for known-missing. */
  given?: Map<string, StoredRecord | null>
  /** More accounts whose profiles the views show (reposters, grandparent authors). */
  extraDids?: string[]
}

export class PostHydrator {
  constructor(
    private readonly dataplane: DataPlane,
    private readonly profiles: ProfileHydrator,
  ) {}

  /** For post views (app.bsky.feed.defs#postView) of `uris`, with their embeds. */
  async hydratePosts(uris: string[], ctx: HydrateCtx, opts: HydratePostsOptions = {}): Promise<HydrationState> {
    const dataplane = this.dataplane
    const records = new Map(opts.given ?? [])
    await this.read(uris, records)
    const layer0 = existing(uris, records)
    const embeds1 = unique(layer0.flatMap((r) => embeddedRecordUri(r) ?? []))
    await this.read([...embeds1.filter(isPostUri), ...layer0.flatMap((r) => replyRootOf(r) ?? [])], records)
    const layer1 = existing(embeds1.filter(isPostUri), records)
    const embeds2 = unique(layer1.flatMap((r) => embeddedRecordUri(r) ?? []))
    const rootUris = unique([...layer0, ...layer1].map((r) => replyRootOf(r) ?? r.uri))
    const [, { threadgates, restrictions }] = await Promise.all([
      // Quoted replies' roots too: a mention rule is read from the root post.
      this.read([...embeds2.filter(isPostUri), ...layer1.flatMap((r) => replyRootOf(r) ?? [])], records),
      this.threadRules(rootUris),
    ])

    const posts = [...records.values()].filter((r): r is StoredRecord => !!r)
    const postUris = posts.map((p) => p.uri)
    const nested = unique([...embeds1, ...embeds2])
    const byCollection = (collection: string) => nested.filter((uri) => collectionOfUri(uri) === collection)
    const gateLists = [...restrictions.values()].flatMap((r) => r.lists)
    // Direct replies made under a restricting gate: counted per author, to leave out the disallowed.
    const gatedParents = [...layer0, ...layer1].flatMap((post) => {
      const root = replyRootOf(post) ?? post.uri
      const rule = restrictions.get(root)
      return rule ? [{ parent: post.uri, since: rule.since, owner: rule.owner, root }] : []
    })
    const viewer = ctx.viewer
    const [counts, interactions, threadMutes, bookmarked, blocks, profiles, lists, feedgens, labelers, packs, postgates, replyAuthors, labels] = await Promise.all([
      dataplane.getPostCounts(postUris),
      viewer ? dataplane.getInteractionsBy(viewer, postUris) : undefined,
      viewer ? dataplane.getMutesOf(viewer, 'thread', rootUris) : undefined,
      viewer ? dataplane.getBookmarkedBy(viewer, postUris) : undefined,
      this.postBlocks(posts),
      this.profiles.hydrateProfiles(unique([...[...records.keys(), ...nested].map(didOfUri), ...(opts.extraDids ?? [])]), ctx),
      hydrateLists(this.profiles, unique([...byCollection(LIST), ...gateLists]), ctx),
      hydrateFeedGens(this.profiles, byCollection(FEEDGEN), ctx),
      hydrateLabelers(this.profiles, byCollection(LABELER).map(didOfUri), ctx),
      this.profiles.hydrateStarterPacksBasic(byCollection(STARTER_PACK), ctx),
      dataplane.getRecords(postUris.map(postgateUriOf)),
      dataplane.getReplyAuthorCounts(gatedParents),
      hydrateLabels(dataplane, postUris, ctx),
    ])

    const checks = gatedReplies(posts, restrictions)
    for (const { parent, root } of gatedParents) {
      for (const did of replyAuthors.get(parent)?.keys() ?? []) checks.push({ did, root })
    }
    if (viewer) for (const root of restrictions.keys()) checks.push({ did: viewer, root })
    const replyAllowed = await loadReplyPermissions(dataplane, checks, restrictions, records)

    const infos = new Map<string, PostInfo | null>()
    for (const [uri, record] of records) infos.set(uri, record ? postInfo(record, restrictions, replyAllowed, postgates) : null)
    hideTakendown(infos, postUris, labels, ctx)
    const postCounts = new Map<string, PostCounts>()
    const gatedRoot = new Map(gatedParents.map((g) => [g.parent, g.root]))
    for (const [uri, c] of counts) {
      const root = gatedRoot.get(uri)
      let disallowed = 0
      for (const [did, n] of replyAuthors.get(uri) ?? []) if (root && replyAllowed.get(replyKey(did, root)) === false) disallowed += n
      postCounts.set(uri, { ...c, replies: Math.max(0, c.replies - disallowed) })
    }
    const postViewers = viewer
      ? new Map<string, PostViewerInfo>(
          posts.map((post) => [
            post.uri,
            { ...interactions?.get(post.uri), threadMuted: !!threadMutes?.has(replyRootOf(post) ?? post.uri), bookmarked: !!bookmarked?.has(post.uri) },
          ]),
        )
      : undefined
    const postgateMap = new Map(postUris.map((uri) => [postgateUriOf(uri), postgates.get(postgateUriOf(uri)) ?? null]))
    return mergeStates(profiles, lists, feedgens, labelers, packs, {
      posts: infos,
      postCounts,
      postViewers,
      postBlocks: blocks,
      threadgates,
      postgates: postgateMap,
      replyAllowed,
      labels,
    })
  }

  /**
   * Only what decides whether posts broke their thread's gate or their quote's postgate, and
   * their labels (a takedown hides a post): for notifications, which judge posts but show no
   * post views, so none of the counts, viewer state, profiles and embeds hydratePosts reads.
   */
  async hydratePostGates(uris: string[], ctx: HydrateCtx, opts: Pick<HydratePostsOptions, 'given'> = {}): Promise<HydrationState> {
    const dataplane = this.dataplane
    const records = new Map(opts.given ?? [])
    await this.read(uris, records)
    const posts = existing(uris, records)
    const postUris = posts.map((p) => p.uri)
    const rootUris = unique(posts.map((r) => replyRootOf(r) ?? r.uri))
    const quoted = unique(posts.flatMap((r) => embeddedRecordUri(r) ?? []).filter(isPostUri))
    const [, { threadgates, restrictions }, postgates, labels] = await Promise.all([
      // A mention rule is read from the root post.
      this.read(rootUris, records),
      this.threadRules(rootUris),
      dataplane.getRecords(quoted.map(postgateUriOf)),
      hydrateLabels(dataplane, postUris, ctx),
    ])
    const replyAllowed = await loadReplyPermissions(dataplane, gatedReplies(posts, restrictions), restrictions, records)
    const infos = new Map<string, PostInfo | null>()
    for (const uri of unique(uris)) {
      const record = records.get(uri)
      infos.set(uri, record ? postInfo(record, restrictions, replyAllowed, postgates) : null)
    }
    hideTakendown(infos, postUris, labels, ctx)
    return { ctx, posts: infos, threadgates, replyAllowed, labels }
  }

  /** Each thread root's gate, and the reply restriction it makes (roots without one have none). */
  private async threadRules(rootUris: string[]): Promise<{ threadgates: Map<string, StoredRecord | null>; restrictions: Map<string, ReplyRestriction> }> {
    const gates = await this.dataplane.getRecords(rootUris.map(threadgateUriOf))
    const threadgates = new Map(rootUris.map((root) => [threadgateUriOf(root), gates.get(threadgateUriOf(root)) ?? null]))
    const restrictions = new Map<string, ReplyRestriction>()
    for (const root of rootUris) {
      const rule = replyRestriction(root, threadgates.get(threadgateUriOf(root)))
      if (rule) restrictions.set(root, rule)
    }
    return { threadgates, restrictions }
  }

  /**
   * For feed items (app.bsky.feed.defs#feedViewPost): the posts, their reply parents and roots
   * (a reply shows both), the reposts and the reposters' and grandparent authors' profiles.
   */
  async hydrateFeedItems(items: FeedItemRef[], ctx: HydrateCtx): Promise<HydrationState> {
    const records = new Map<string, StoredRecord | null>()
    const postUris = unique(items.map((item) => item.post))
    await this.read(postUris, records)
    const replies = existing(postUris, records).filter((post) => replyParentOf(post))
    const threadUris = unique(replies.flatMap((post) => [replyRootOf(post) ?? [], replyParentOf(post) ?? []].flat()))
    await this.read(threadUris, records)
    const grandparentAuthors = replies.flatMap((post) => {
      const grandparent = replyParentOf(records.get(replyParentOf(post)!) ?? undefined)
      return grandparent ? [didOfUri(grandparent)] : []
    })
    const repostUris = unique(items.flatMap((item) => item.repost ?? []))
    const [state, reposts] = await Promise.all([
      this.hydratePosts([...postUris, ...threadUris], ctx, { given: records, extraDids: [...repostUris.map(didOfUri), ...grandparentAuthors] }),
      this.dataplane.getRecords(repostUris),
    ])
    return mergeStates(state, { reposts: new Map(repostUris.map((uri) => [uri, reposts.get(uri) ?? null])) })
  }

  /**
   * For thread views: the thread's posts, the root author's likes of them, and for the posts in
   * `knownLikersOf`, which of their likers the viewer follows.
   */
  async hydrateThreadPosts(thread: StoredRecord[], ctx: HydrateCtx, opts: { knownLikersOf?: string[] } = {}): Promise<HydrationState> {
    const given = new Map<string, StoredRecord | null>(thread.map((post) => [post.uri, post]))
    const uris = thread.map((post) => post.uri)
    const byRootAuthor = new Map<string, string[]>()
    for (const post of thread) {
      const author = didOfUri(replyRootOf(post) ?? post.uri)
      byRootAuthor.set(author, [...(byRootAuthor.get(author) ?? []), post.uri])
    }
    const [state, knownLikers, ...likes] = await Promise.all([
      this.hydratePosts(uris, ctx, { given }),
      this.hydrateKnownLikers(opts.knownLikersOf ?? [], ctx),
      ...[...byRootAuthor].map(([author, subjects]) => this.dataplane.getInteractionsBy(author, subjects)),
    ])
    const rootAuthorLikes = new Map<string, string>()
    for (const found of likes) for (const [uri, { like }] of found) if (like) rootAuthorLikes.set(uri, like)
    return mergeStates(state, knownLikers, { rootAuthorLikes })
  }

  /**
   * The likers of each post whom the viewer follows (the latest three shown), their profiles,
   * and blocks between them and the post's author (a liker the author has a block with is not shown).
   */
  private async hydrateKnownLikers(uris: string[], ctx: HydrateCtx): Promise<Partial<HydrationState>> {
    if (!ctx.viewer || uris.length === 0) return {}
    const knownLikers = await this.dataplane.getKnownLikers(ctx.viewer, uris, 3)
    const pairs = [...knownLikers].flatMap(([uri, known]) => known.dids.map((did): [string, string] => [didOfUri(uri), did]))
    const [profiles, blocked] = await Promise.all([
      this.profiles.hydrateProfiles(unique(pairs.map(([, liker]) => liker)), ctx),
      this.dataplane.getBlockedPairs(pairs),
    ])
    const blocksWith = new Map<string, Set<string>>()
    for (const [author, liker] of blocked) blocksWith.set(author, (blocksWith.get(author) ?? new Set()).add(liker))
    return mergeStates(profiles, { knownLikers, blocksWith })
  }

  /** For app.bsky.feed.getLikes: the likers' profiles, and blocks between each liker and the post's author. */
  async hydrateLikes(subjectAuthor: string, likes: StoredRecord[], ctx: HydrateCtx): Promise<HydrationState> {
    const [profiles, blocked] = await Promise.all([
      this.profiles.hydrateProfiles(unique(likes.map((like) => like.did)), ctx),
      this.dataplane.getBlockedPairs(likes.map((like) => [subjectAuthor, like.did])),
    ])
    const blockedLikers = new Set(blocked.map(([, liker]) => liker))
    return mergeStates(profiles, {
      likes: new Map(likes.map((like) => [like.uri, like])),
      likeBlocks: new Map(likes.map((like) => [like.uri, blockedLikers.has(like.did)])),
    })
  }

  /** For app.bsky.feed.getRepostedBy: the reposters' profiles. */
  async hydrateReposts(reposts: StoredRecord[], ctx: HydrateCtx): Promise<HydrationState> {
    const profiles = await this.profiles.hydrateProfiles(unique(reposts.map((repost) => repost.did)), ctx)
    return mergeStates(profiles, { reposts: new Map(reposts.map((repost) => [repost.uri, repost])) })
  }

  /** Reads the posts among `uris` not read yet into `records` (null when missing). */
  private async read(uris: string[], records: Map<string, StoredRecord | null>): Promise<void> {
    const wanted = unique(uris).filter((uri) => !records.has(uri))
    if (wanted.length === 0) return
    const found = await this.dataplane.getRecords(wanted.filter(isPostUri))
    for (const uri of wanted) records.set(uri, found.get(uri) ?? null)
  }

  /** Blocks (either way, direct or by list) between each post's author and those of its parent, root and quoted record. */
  private async postBlocks(posts: StoredRecord[]): Promise<Map<string, PostBlocks>> {
    const pairsOf = (post: StoredRecord) => {
      const parent = replyParentOf(post)
      const root = replyRootOf(post)
      const embed = embeddedRecordUri(post)
      return {
        parent: parent ? didOfUri(parent) : undefined,
        root: root ? didOfUri(root) : undefined,
        embed: embed ? didOfUri(embed) : undefined,
      }
    }
    const pairs: [string, string][] = []
    for (const post of posts) {
      for (const other of Object.values(pairsOf(post))) if (other && other !== post.did) pairs.push([post.did, other])
    }
    const blocked = new Set((await this.dataplane.getBlockedPairs(pairs)).map(([a, b]) => `${a} ${b}`))
    const isBlocked = (a: string, b: string | undefined) => !!b && a !== b && blocked.has(`${a} ${b}`)
    return new Map(
      posts.map((post) => {
        const { parent, root, embed } = pairsOf(post)
        return [post.uri, { parent: isBlocked(post.did, parent), root: isBlocked(post.did, root), embed: isBlocked(post.did, embed) }]
      }),
    )
  }
}

/** A post with what its thread's gate and its quoted post's gate make of it. */
function postInfo(
  post: StoredRecord,
  restrictions: Map<string, ReplyRestriction>,
  replyAllowed: Map<string, boolean>,
  postgates: Map<string, StoredRecord>,
): PostInfo {
  const root = replyRootOf(post)
  const rule = root ? restrictions.get(root) : undefined
  const violatesThreadGate = !!root && !!rule && post.sortedAt >= rule.since && replyAllowed.get(replyKey(post.did, root)) === false
  const quoted = embeddedRecordUri(post)
  const quotedGate = quoted && isPostUri(quoted) ? postgates.get(postgateUriOf(quoted)) : undefined
  const violatesEmbeddingRules =
    !!quoted && didOfUri(quoted) !== post.did && embeddingDisabledBy(quotedGate) && quotedGate!.sortedAt <= post.sortedAt
  return { ...post, violatesThreadGate, violatesEmbeddingRules }
}

/** The replies made under a gate that restricts them: whether their authors were allowed is to be checked. */
function gatedReplies(posts: StoredRecord[], restrictions: Map<string, ReplyRestriction>): ReplyCheck[] {
  const checks: ReplyCheck[] = []
  for (const post of posts) {
    const root = replyRootOf(post)
    const rule = root ? restrictions.get(root) : undefined
    if (root && rule && post.sortedAt >= rule.since) checks.push({ did: post.did, root })
  }
  return checks
}

function existing(uris: string[], records: Map<string, StoredRecord | null>): StoredRecord[] {
  return unique(uris).flatMap((uri) => records.get(uri) ?? [])
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)]
}
