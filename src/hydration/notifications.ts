import type { DataPlane, NotificationCandidate, StoredRecord } from '#/dataplane/index.js'
import { hydrateLabels } from '#/hydration/labels.js'
import type { PostHydrator } from '#/hydration/posts.js'
import type { ProfileHydrator } from '#/hydration/profiles.js'
import { mergeStates, REPLY_NOTIFY_HEIGHT, type HydrateCtx, type HydrationState, type PostContext } from '#/hydration/state.js'
import { embeddedRecordUri, replyParentOf, replyRootOf } from '#/records/post-record.js'
import { hiddenRepliesOf, threadgateUriOf } from '#/records/gates.js'
import { isPostUri } from '#/records/at-uri.js'

/**
 * What decides whether and why each candidate notifies the viewer: its post's gates and
 * ancestors, whether the record it is about still exists, and whether that record sits in a
 * thread the viewer muted. Enough to count notifications; listing them adds
 * hydrateNotificationViews for the ones kept.
 */
export async function hydrateNotificationReasons(dataplane: DataPlane, postHydrator: PostHydrator, candidates: NotificationCandidate[], ctx: HydrateCtx): Promise<HydrationState> {
  const posts = candidates.filter((c) => c.family === 'posts').map((c) => c.record)
  const given = new Map<string, StoredRecord | null>(posts.map((p) => [p.uri, p]))
  const viewer = ctx.viewer
  // Read beside the gates and ancestors rather than after them: the records the candidates are
  // about, and the viewer's muted threads (few), so that the threads the subjects turn out to be
  // in need no further round trip.
  const aboutUris = new Set(candidates.flatMap(({ record }) => possibleSubjects(record)))
  const candidateSubjects = [...aboutUris].filter((uri) => !given.has(uri))
  const [postState, { chains, known }, subjectRecords, mutedThreads] = await Promise.all([
    postHydrator.hydratePostGates(
      posts.map((p) => p.uri),
      ctx,
      { given },
    ),
    ancestorsOf(dataplane, posts),
    dataplane.getRecords(candidateSubjects),
    // Only posts are in threads: the candidates' own, and the posts they are about.
    viewer && (posts.length > 0 || candidateSubjects.some(isPostUri)) ? dataplane.getMutedSubjects(viewer, 'thread', MAX_THREAD_MUTES_AT_ONCE) : undefined,
  ])
  // Posts already read (the candidates and their roots) are not read again. A post
  // hydrated as null may only be hidden (a takedown label), not gone: that one is read.
  for (const [uri, info] of postState.posts ?? []) if (info && !known.has(uri)) known.set(uri, info)
  for (const uri of candidateSubjects) if (!known.has(uri)) known.set(uri, subjectRecords.get(uri) ?? null)

  const subjects = new Set(aboutUris)
  for (const chain of chains.values()) for (const uri of chain) subjects.add(uri)
  const unread = [...subjects].filter((uri) => !known.has(uri))
  const found = await dataplane.getRecords(unread)
  for (const uri of unread) known.set(uri, found.get(uri) ?? null)

  // A subject's thread: its root, read from the subject itself when it is a post.
  const subjectRoots = new Map<string, string>()
  for (const uri of subjects) if (isPostUri(uri)) subjectRoots.set(uri, replyRootOf(known.get(uri) ?? undefined) ?? uri)
  const mutedRoots: { has(root: string): boolean } = !viewer
    ? new Set<string>()
    : (mutedThreads ?? (await dataplane.getMutesOf(viewer, 'thread', [...new Set(subjectRoots.values())])))

  const postContexts = new Map<string, PostContext>()
  for (const post of posts) {
    const info = postState.posts?.get(post.uri)
    const root = replyRootOf(post) ?? post.uri
    postContexts.set(post.uri, {
      violatesThreadGate: info?.violatesThreadGate ?? false,
      violatesEmbeddingRules: info?.violatesEmbeddingRules ?? false,
      ancestors: chains.get(post.uri) ?? [],
      // The roots' threadgates came with the posts.
      hiddenReplies: hiddenRepliesOf(postState.threadgates?.get(threadgateUriOf(root))),
    })
  }
  return mergeStates(postState, {
    notificationPosts: postContexts,
    notificationSubjects: new Map([...subjects].map((uri) => [uri, !!known.get(uri)])),
    mutedThreadSubjects: new Set([...subjectRoots].filter(([, root]) => mutedRoots.has(root)).map(([uri]) => uri)),
  })
}

/**
 * What the visibility rules and the views read for the notifications kept: their authors'
 * profiles and relationships to the viewer, the starter pack a follow came through, and labels
 * on the notifying records (posts got theirs with hydrateNotificationReasons).
 */
export async function hydrateNotificationViews(dataplane: DataPlane, profileHydrator: ProfileHydrator, candidates: NotificationCandidate[], ctx: HydrateCtx): Promise<HydrationState> {
  const packs = new Set<string>()
  for (const { record } of candidates) {
    const via = (record.record as { via?: { uri?: unknown } }).via?.uri
    if (typeof via === 'string' && via.includes('/app.bsky.graph.starterpack/')) packs.add(via)
  }
  const [profiles, packState, labels] = await Promise.all([
    profileHydrator.hydrateProfiles([...new Set(candidates.map((c) => c.record.did))], ctx),
    profileHydrator.hydrateStarterPacksBasic([...packs], ctx),
    hydrateLabels(dataplane, candidates.filter((c) => c.family !== 'posts').map((c) => c.record.uri), ctx),
  ])
  return mergeStates(profiles, packState, { labels })
}

/** Thread mutes read whole with the page's other records; a viewer with more is asked about the page's threads only. */
export const MAX_THREAD_MUTES_AT_ONCE = 500

/** Records a candidate's notification may be about (its reasonSubject), whatever the reason turns out to be. */
function possibleSubjects(record: StoredRecord): string[] {
  const value = record.record as { subject?: { uri?: unknown }; via?: { uri?: unknown }; joinedViaStarterPack?: { uri?: unknown } }
  const out = [value.subject?.uri, value.via?.uri, value.joinedViaStarterPack?.uri, embeddedRecordUri(record)]
  return out.filter((uri): uri is string => typeof uri === 'string' && uri.startsWith('at://'))
}

/**
 * Each reply's ancestors, parent first, up to REPLY_NOTIFY_HEIGHT levels: one batched read per
 * level. A missing post is the chain's last link (what was above it is not known any more).
 * Also answers every post read on the way (null when missing).
 */
async function ancestorsOf(dataplane: DataPlane, posts: StoredRecord[]): Promise<{ chains: Map<string, string[]>; known: Map<string, StoredRecord | null> }> {
  const chains = new Map<string, string[]>()
  const known = new Map<string, StoredRecord | null>(posts.map((p) => [p.uri, p]))
  // The post each chain has reached; a chain stops when its tip has no parent.
  let tips = posts.flatMap((p) => (replyParentOf(p) ? [{ post: p.uri, tip: p }] : []))
  for (const { post } of tips) chains.set(post, [])
  for (let height = 1; height <= REPLY_NOTIFY_HEIGHT && tips.length > 0; height++) {
    const wanted = [...new Set(tips.map((t) => replyParentOf(t.tip)!))].filter((uri) => !known.has(uri))
    const found = await dataplane.getRecords(wanted)
    for (const uri of wanted) known.set(uri, found.get(uri) ?? null)
    const next: typeof tips = []
    for (const { post, tip } of tips) {
      const parentUri = replyParentOf(tip)!
      const parent = known.get(parentUri)
      // A parent deleted since still names its author, who heard of the reply when it was made
      // (the reference counts that notification; its listing skips it, the subject being gone).
      chains.get(post)!.push(parentUri)
      if (!parent) continue
      if (replyParentOf(parent)) next.push({ post, tip: parent })
    }
    tips = next
  }
  return { chains, known }
}
