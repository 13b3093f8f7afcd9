import { live, NEWEST_FIRST } from '#/dataplane/keyset.js'
import { getOpThread } from '#/dataplane/op-thread.js'
import { getDescendants, MAX_DESCENDANTS } from '#/dataplane/posts.js'
import { replyParentOf, replyRootOf } from '#/records/post-record.js'
import { getRecords, storedRecordOf, type StoredRecord } from '#/dataplane/records.js'
import type { Hit, Searcher } from '#/dataplane/opensearch-reader.js'
import type { RolledCounts } from '#/dataplane/rolled-counts.js'

/**
 * A thread's posts in a few round trips whatever its depth: every reply names its thread's
 * root, so one search by root finds the whole thread, and the anchor's descendants and
 * ancestors are picked out of it in memory. The answers are exactly those of the walks that
 * read a level per round trip (a search per level down, posts.ts getDescendants; a real-time get
 * per level up); where the root search cannot vouch for that — a reply under the thread naming
 * another root, a thread beyond the bound, a post gone between two reads — the walk answers.
 *
 * The searches by root and by parent visit only the months that can hold such replies (the
 * rollup's `threadReplies` and `replies` entries, rolled-counts.ts `holding`): the live months
 * and the settled ones with replies under that root, not every partition of the posts.
 */

export interface ThreadReads {
  /** The anchor and its ancestors, child first (empty when the anchor does not exist). */
  ancestors: StoredRecord[]
  /** Replies under the anchor, level by level, each level newest first. */
  descendants: StoredRecord[]
  /** The root author's line of replies under the root (op-thread.ts), when asked for and there is one. */
  opThread?: string[]
}

export interface ThreadReach {
  /** Ancestors to read above the anchor. */
  height: number
  /** Levels of replies to read below it. */
  depth: number
  opThread?: boolean
}

/** Beyond this many posts under one root the walk reads the thread. */
const MAX_THREAD = MAX_DESCENDANTS

type Holding = Pick<RolledCounts, 'holding'>

export async function getThread(search: Searcher, rolled: Holding, uri: string, { height, depth, opThread }: ThreadReach): Promise<ThreadReads> {
  // Where replies under the anchor as a root may be, read beside the anchor itself: most threads are opened at their root.
  const underAnchor = rolled.holding('threadReplies', [uri])
  underAnchor.catch(() => {})
  const anchor = (await getRecords(search, [uri])).get(uri)
  if (!anchor) return { ancestors: [], descendants: [] }
  const root = replyRootOf(anchor) ?? uri
  const parent = replyParentOf(anchor)
  // Only ancestors above the parent are worth predicting, and only descendants need the thread.
  const needsThread = depth >= 1 || (height >= 2 && parent !== undefined && parent !== root)
  const months = needsThread || opThread ? (root === uri ? underAnchor : rolled.holding('threadReplies', [root])) : undefined
  months?.catch(() => {})
  const thread = needsThread ? months!.then((partitions) => threadOf(search, root, uri === root, partitions)) : undefined
  // Both readers may stop before awaiting it; they see its failure when they do.
  thread?.catch(() => {})
  const [ancestors, descendants, opLine] = await Promise.all([
    ancestorsOf(search, anchor, height, root, thread),
    depth >= 1 && thread ? descendantsOf(search, rolled, uri, depth, root, thread) : [],
    opThread ? months!.then((partitions) => getOpThread(search, root, partitions)) : undefined,
  ])
  return { ancestors, descendants, opThread: opLine }
}

/** A live reply under the thread's root, as the root search sees it. */
interface ThreadPost {
  uri: string
  /** The partition it was found in. */
  index: string
  /** The indexed reply parent: the field the walk's searches match. */
  parent: string | undefined
  /** Present when the search brought the documents (see threadOf). */
  record?: StoredRecord
  /** The search read the document but it is not a record (the walk skips such hits). */
  broken?: boolean
}

interface Thread {
  /** Newest first, as the walk sorts each level. */
  posts: ThreadPost[]
  /** More posts than the bound: some may be missing. */
  cut: boolean
}

/**
 * Every live reply naming `root` as its root, newest first. The documents come along when the
 * anchor is the root (its descendants are most of them); under a reply, only ids and parents,
 * since the descendants may be a small part of a large thread.
 */
async function threadOf(search: Searcher, root: string, withSource: boolean, partitions: string[] | undefined): Promise<Thread> {
  // Most threads are small, and a search sized for 10,000 hits sets up a queue that large on
  // every partition: a small read first, the full one only when it comes back full.
  const first = await threadSearch(search, root, withSource, FIRST_THREAD_READ, partitions)
  const hits = first.length < FIRST_THREAD_READ ? first : await threadSearch(search, root, withSource, MAX_THREAD, partitions)
  const posts = hits.map((hit): ThreadPost => {
    const post: ThreadPost = { uri: hit._id, index: hit._index, parent: hit.fields?.replyParent?.[0] as string | undefined }
    if (!withSource) return post
    const record = storedRecordOf(hit)
    return record ? { ...post, record } : { ...post, broken: true }
  })
  return { posts, cut: hits.length >= MAX_THREAD }
}

/** Replies read by the first search of a thread. */
const FIRST_THREAD_READ = 250

async function threadSearch(search: Searcher, root: string, withSource: boolean, size: number, partitions: string[] | undefined): Promise<Hit[]> {
  const { hits } = await search.one({
    index: 'posts',
    partitions,
    body: {
      // A search answers at most 10,000 hits (index.max_result_window): a full answer may be cut.
      size,
      track_total_hits: false,
      query: live({ term: { replyRoot: root } }),
      sort: NEWEST_FIRST,
      docvalue_fields: ['replyParent'],
      ...(withSource ? {} : { _source: false }),
    },
  })
  return hits
}

/** Up to this many parents, a search for strays first reads which months hold replies to them (their aggregate documents). */
const STRAY_PARENTS_PRUNED = 8

/** Live posts replying to one of `parents` while naming another root than `root` (or none). */
async function hasStrays(search: Searcher, rolled: Holding, root: string, parents: string[]): Promise<boolean> {
  if (parents.length === 0) return false
  const partitions = parents.length <= STRAY_PARENTS_PRUNED ? await rolled.holding('replies', parents) : undefined
  const { hits } = await search.one({
    index: 'posts',
    partitions,
    body: {
      size: 1,
      track_total_hits: false,
      _source: false,
      stored_fields: ['_none_'],
      query: { bool: { filter: [{ terms: { replyParent: parents } }], must_not: [{ term: { tomb: true } }, { term: { replyRoot: root } }] } },
    },
  })
  return hits.length > 0
}

/**
 * The walk of posts.ts getDescendants, level by level, over the thread instead of a search per
 * level: each level's candidates are the thread's replies to the level above, in the thread's
 * order (the order each level's search would have answered), cut where that search would have
 * been. Exact when every reply to those levels is in the thread, which one search checks.
 */
async function descendantsOf(search: Searcher, rolled: Holding, uri: string, depth: number, root: string, threadRead: Promise<Thread>): Promise<StoredRecord[]> {
  const [thread, straysUnderAnchor] = await Promise.all([threadRead, hasStrays(search, rolled, root, [uri])])
  if (thread.cut || straysUnderAnchor) return getDescendants(search, uri, depth)
  const picked: ThreadPost[] = []
  const parents: string[] = []
  const seen = new Set([uri])
  let frontier = new Set([uri])
  for (let level = 1; level <= depth && frontier.size > 0 && picked.length < MAX_THREAD; level++) {
    if (level > 1) parents.push(...frontier)
    const candidates = thread.posts.filter((p) => p.parent !== undefined && frontier.has(p.parent)).slice(0, MAX_THREAD - picked.length)
    frontier = new Set()
    for (const post of candidates) {
      if (post.broken || seen.has(post.uri)) continue
      seen.add(post.uri)
      picked.push(post)
      frontier.add(post.uri)
    }
  }
  const [strays, records] = await Promise.all([hasStrays(search, rolled, root, parents), recordsOf(search, picked)])
  if (strays || !records) return getDescendants(search, uri, depth)
  return records
}

/** The picked posts' records, in order; undefined when one is no longer a live record (the walk would have read another thread). */
async function recordsOf(search: Searcher, picked: ThreadPost[]): Promise<StoredRecord[] | undefined> {
  const missing = picked.filter((p) => !p.record)
  const byUri = new Map<string, StoredRecord>()
  if (missing.length > 0) {
    // In the partitions the thread's search found them in.
    const partitions = [...new Set(missing.map((p) => p.index))]
    const { hits } = await search.one({ index: 'posts', partitions, body: { size: missing.length, track_total_hits: false, query: live({ ids: { values: missing.map((p) => p.uri) } }) } })
    for (const hit of hits) {
      const record = storedRecordOf(hit)
      if (record) byUri.set(hit._id, record)
    }
  }
  const out: StoredRecord[] = []
  for (const post of picked) {
    const record = post.record ?? byUri.get(post.uri)
    if (!record) return undefined
    out.push(record)
  }
  return out
}

/**
 * The post and up to `height` ancestors, child first, following reply parents while they exist,
 * by a real-time get per level (a parent written a moment ago is found, one deleted is not) —
 * but with the gets made ahead: the parent and the
 * root at once, then every ancestor the thread's parents predict in one `_mget`. Only the
 * records got decide; a wrong prediction costs a get per level from there, as before.
 */
async function ancestorsOf(search: Searcher, anchor: StoredRecord, height: number, root: string, thread: Promise<Thread> | undefined): Promise<StoredRecord[]> {
  const got = new Map<string, StoredRecord | undefined>([[anchor.uri, anchor]])
  const fetch = async (uris: string[]) => {
    const wanted = [...new Set(uris)].filter((u) => !got.has(u))
    if (wanted.length === 0) return
    const records = await getRecords(search, wanted)
    for (const u of wanted) got.set(u, records.get(u))
  }
  const parent = replyParentOf(anchor)
  if (height >= 1 && parent !== undefined) {
    await fetch(height >= 2 ? [parent, root] : [parent])
    const above = replyParentOf(got.get(parent))
    if (height >= 2 && above !== undefined && thread && !got.has(above)) {
      const parentOf = new Map((await thread).posts.map((p) => [p.uri, p.parent]))
      const predicted: string[] = []
      for (let next: string | undefined = above; next && !got.has(next) && !predicted.includes(next) && predicted.length < height - 1; next = parentOf.get(next)) {
        predicted.push(next)
      }
      await fetch(predicted)
    }
  }
  const chain: StoredRecord[] = []
  const seen = new Set<string>()
  let next: string | undefined = anchor.uri
  while (next && !seen.has(next) && chain.length <= height) {
    seen.add(next)
    if (!got.has(next)) await fetch([next])
    const record = got.get(next)
    if (!record) break
    chain.push(record)
    next = replyParentOf(record)
  }
  return chain
}
