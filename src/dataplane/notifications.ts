import type { ActivitySubscription } from '#/dataplane/activity-subscriptions.js'
import { live } from '#/dataplane/keyset.js'
import type { Page, PageRequest } from '#/dataplane/pages.js'
import type { PartitionWalk } from '#/dataplane/partition-walk.js'
import type { StoredRecord } from '#/dataplane/records.js'
import type { RolledCounts } from '#/dataplane/rolled-counts.js'
import type { FamilyIndex, Hit, Searcher } from '#/dataplane/opensearch-reader.js'
import { allFamilies } from '#/indexing/families.js'
import { uriOfDeletionNotice } from '#/indexing/operations.js'

/**
 * Notifications are not stored: they are the records that address an account (likes and
 * reposts of its posts, replies and quotes, mentions, follows, starter pack joins,
 * verifications), found by the derived fields ingest already indexes, newest first across the
 * families with the same partition walk as feeds. Which reason a record gives, if any, is
 * decided on the page (rules/notifications.ts); the query only has to find every candidate.
 */

export type NotificationReason =
  | 'like'
  | 'repost'
  | 'follow'
  | 'mention'
  | 'reply'
  | 'quote'
  | 'starterpack-joined'
  | 'like-via-repost'
  | 'repost-via-repost'
  | 'verified'
  | 'unverified'
  | 'subscribed-post'

export const NOTIFICATION_REASONS: readonly NotificationReason[] = [
  'like',
  'repost',
  'follow',
  'mention',
  'reply',
  'quote',
  'starterpack-joined',
  'like-via-repost',
  'repost-via-repost',
  'verified',
  'unverified',
  'subscribed-post',
]

export interface NotificationQuery {
  recipient: string
  /** The reasons wanted (the request's filter and the recipient's preferences). */
  reasons: readonly NotificationReason[]
  /** Per reason, only from these authors (priority notifications, a "follows" preference). */
  authorsFor?(reason: NotificationReason): string[] | undefined
  /**
   * Roots of threads the recipient replied in: a reply there may answer one of its replies a few
   * levels down, which no field of the new reply names.
   */
  threads: string[]
  /**
   * The recipient's activity subscriptions by subject (`subscribed-post`): a subject's posts (or
   * replies) made since it subscribed notify it. The lexicon has no `subscribed-reply`: a reply
   * it asked to hear of is a `subscribed-post` too, as in the reference AppView.
   */
  subscriptions?: ReadonlyMap<string, ActivitySubscription>
  /** Authors never shown (blocks either way, mutes): left out of counts. */
  hiddenAuthors?: string[]
  /** Only notifications after this time (unread counts). */
  after?: string
  /**
   * Also the notifications whose record is gone (a withdrawn verification's), as the listing
   * shows them; the reference's unread count leaves them out.
   */
  withRecordsGone?: boolean
}

/** A record that may notify the recipient, with the family it came from. */
export interface NotificationCandidate {
  family: FamilyIndex
  record: StoredRecord
  /**
   * A verification deleted since, as its tombstone (`verified`, at the verification's time) or
   * its withdrawal notice (`unverified`, at the delete's) tells it: `record` is the lexicon's
   * stand-in for a deleted record, under the verification's URI.
   */
  withdrawn?: 'verified' | 'unverified'
}

/** app.bsky.notification.defs#recordDeleted: the record of a notification whose record is gone. */
export const RECORD_DELETED = { $type: 'app.bsky.notification.defs#recordDeleted' }
/** Its CID (DAG-CBOR, sha-256), as the reference AppView serves it; checked by a unit test. */
export const RECORD_DELETED_CID = 'bafyreidad6nyekfa4a67yfb573ptxiv6s7kyxyg2ra6qbbemcruadvtuim'

/** Families whose tombstones can be news (RecordFamily.onDelete): their candidates may include tombstones. */
const DELETION_NEWS = new Set(allFamilies.filter((f) => f.onDelete).map((f) => f.index))

const STARTER_PACK = 'app.bsky.graph.starterpack'
const POST = 'app.bsky.feed.post'

/** The clause that finds a reason's records, and their family. */
function reasonClause(reason: NotificationReason, q: NotificationQuery): { family: FamilyIndex; clause: object } {
  const me = q.recipient
  switch (reason) {
    case 'like':
      return { family: 'likes', clause: { term: { subjectDid: me } } }
    case 'like-via-repost':
      return { family: 'likes', clause: { term: { viaDid: me } } }
    case 'repost':
      return { family: 'reposts', clause: { term: { subjectDid: me } } }
    case 'repost-via-repost':
      return { family: 'reposts', clause: { term: { viaDid: me } } }
    case 'follow':
      return { family: 'follows', clause: { term: { subjectDid: me } } }
    case 'mention':
      return { family: 'posts', clause: { term: { mentions: me } } }
    case 'quote':
      return { family: 'posts', clause: { prefix: { quotedUri: `at://${me}/${POST}/` } } }
    case 'reply': {
      const should: object[] = [{ term: { replyParentDid: me } }, { term: { replyRootDid: me } }]
      if (q.threads.length > 0) should.push({ terms: { replyRoot: q.threads } })
      return { family: 'posts', clause: { bool: { should, minimum_should_match: 1 } } }
    }
    case 'starterpack-joined':
      return { family: 'profiles', clause: { prefix: { joinedViaStarterPack: `at://${me}/${STARTER_PACK}/` } } }
    case 'verified':
      // Live verifications and the tombstones of withdrawn ones (plain tombstones have no subject).
      return { family: 'verifications', clause: { bool: { filter: [{ term: { subjectDid: me } }], must_not: [{ term: { notifies: 'unverified' } }] } } }
    case 'unverified':
      return { family: 'verifications', clause: { bool: { filter: [{ term: { subjectDid: me } }, { term: { notifies: 'unverified' } }] } } }
    case 'subscribed-post':
      return { family: 'posts', clause: subscribedPostsClause(q.subscriptions) }
  }
}

/**
 * Posts by the subjects since the oldest subscription: one clause however many subscriptions
 * there are. Which of them notify (each subject's own start, posts or replies) is decided on the
 * page (rules/notifications.ts), as for the other reasons.
 */
function subscribedPostsClause(subscriptions: ReadonlyMap<string, ActivitySubscription> | undefined): object {
  const subjects = [...(subscriptions?.keys() ?? [])]
  if (subjects.length === 0) return { bool: { must_not: [{ match_all: {} }] } }
  const since = [...subscriptions!.values()].reduce((min, s) => (s.since < min ? s.since : min), subscriptions!.values().next().value!.since)
  return { bool: { filter: [{ terms: { did: subjects } }, { range: { sortAt: { gte: since } } }] } }
}

/** Families where the reference AppView never notifies an account of its own records. */
const NO_SELF = new Set<FamilyIndex>(['likes', 'reposts', 'posts'])

/** Per family: the filter clauses that select its candidates. */
function sourcesOf(q: NotificationQuery): { family: FamilyIndex; filter: object[]; withDeleted: boolean; newerThan?: number }[] {
  const byFamily = new Map<FamilyIndex, object[]>()
  for (const reason of q.reasons) {
    const { family, clause } = reasonClause(reason, q)
    const authors = q.authorsFor?.(reason)
    const scoped = authors ? { bool: { filter: [clause, { terms: { did: authors } }] } } : clause
    byFamily.set(family, [...(byFamily.get(family) ?? []), scoped])
  }
  return [...byFamily].map(([family, should]) => {
    const filter: object[] = [{ bool: { should, minimum_should_match: 1 } }]
    const excluded = [...(NO_SELF.has(family) ? [q.recipient] : []), ...(q.hiddenAuthors ?? [])]
    if (excluded.length > 0) filter.push({ bool: { must_not: [{ terms: { did: excluded } }] } })
    if (q.after) filter.push({ range: { sortAt: { gt: q.after } } })
    return { family, filter, withDeleted: q.withRecordsGone !== false && DELETION_NEWS.has(family), ...(q.after ? { newerThan: Date.parse(q.after) } : {}) }
  })
}

/**
 * Candidates newest first, with their whole records (their views show them). The walk reads ids
 * and keys only (doc values), and the page's records are read afterwards by id through the
 * document cache: a walk asks each partition for a page's worth, so reading `_source` there
 * inflated several times the records a page shows, and again on every page.
 */
export async function getNotificationCandidates(
  walk: PartitionWalk,
  records: (uris: string[]) => Promise<Map<string, StoredRecord>>,
  q: NotificationQuery,
  page: PageRequest,
  opts: { onlyAll?: boolean } = {},
): Promise<Page<NotificationCandidate>> {
  if (q.reasons.length === 0) return { items: [] }
  const sources = sourcesOf(q).map((s) => ({ ...s, source: false, docvalues: ['did', 'tomb'] }))
  const found = await walk(sources, page, (family, hit) => ({ family, hit }))
  // A caller that wants all of them or none (an unread count past what a badge shows) is not
  // made to wait for records it would not read.
  if (opts.onlyAll && found.next) return { items: [], next: found.next }
  const byUri = await records(found.items.filter(({ hit }) => !isTombstone(hit)).map(({ hit }) => hit._id))
  const items: NotificationCandidate[] = []
  const keys: NonNullable<Page<NotificationCandidate>['keys']> = []
  found.items.forEach(({ family, hit }, i) => {
    const record = byUri.get(hit._id)
    // A record deleted since the walk saw it is left out, as a later read would.
    const candidate = isTombstone(hit) ? withdrawnCandidate(family, hit) : record ? { family, record: datedByKey(family, record, hit) } : undefined
    if (!candidate) return
    items.push(candidate)
    if (found.keys) keys.push(found.keys[i]!)
  })
  return { items, next: found.next, ...(found.keys ? { keys } : {}) }
}

const isTombstone = (hit: Hit) => hit.fields?.tomb?.[0] === true

/**
 * A starter pack join is dated by its profile's indexed sortAt (the commit that made the profile,
 * transforms/profile.ts), which the claimed createdAt of the record cannot tell.
 */
function datedByKey(family: FamilyIndex, record: StoredRecord, hit: Hit): StoredRecord {
  return family === 'profiles' ? { ...record, sortedAt: sortKeyTime(hit) ?? record.sortedAt } : record
}
/** The hit's sortAt (left out of _source; the walk's sort key is it), as an ISO time. */
function sortKeyTime(hit: Hit): string | undefined {
  const at = hit.sort?.[0]
  return typeof at === 'number' ? new Date(at).toISOString() : undefined
}

/**
 * A tombstone the query found: only those of withdrawn verifications carry a subject, so it is
 * one (`verified`) or the notice of its withdrawal (`unverified`), told apart by the notice's id.
 */
function withdrawnCandidate(family: FamilyIndex, hit: Hit): NotificationCandidate | undefined {
  const time = sortKeyTime(hit)
  if (time === undefined) return undefined
  const uri = uriOfDeletionNotice(hit._id)
  const record: StoredRecord = { uri, did: String(hit.fields?.did?.[0]), cid: RECORD_DELETED_CID, record: RECORD_DELETED, indexedAt: time, sortedAt: time }
  return { family, record, withdrawn: uri === hit._id ? 'verified' : 'unverified' }
}

/** How many candidates there are (exact; one count per family in one round trip). */
export async function countNotificationCandidates(search: Searcher, walk: Pick<PartitionWalk, 'partitionsNewerThan'>, q: NotificationQuery): Promise<number> {
  if (q.reasons.length === 0) return 0
  // Counted where the listing would look: since a recent seenAt, that is the newest months only.
  const sources = await Promise.all(
    sourcesOf(q).map(async (source) => ({ ...source, partitions: source.newerThan === undefined ? undefined : await walk.partitionsNewerThan(source.family, source.newerThan) })),
  )
  // A source with no such partition is answered empty by the searcher, without a search.
  const results = await search.many(
    sources.map(({ family, filter, withDeleted, partitions }) => ({
      index: family,
      partitions,
      body: { size: 0, track_total_hits: true, query: withDeleted ? { bool: { filter } } : live(...filter) },
    })),
  )
  return results.reduce((sum, r) => sum + (r.total ?? 0), 0)
}

/** Roots of the threads of the account's newest replies (at most `max`). */
export async function getRecentReplyThreads(search: Searcher, rolled: Pick<RolledCounts, 'holding'>, did: string, max = 100): Promise<string[]> {
  const { hits } = await search.one({
    index: 'posts',
    // Only the months the account posted in.
    partitions: await rolled.holding('posts', [did]),
    body: {
      size: max,
      track_total_hits: false,
      query: live({ term: { did } }, { term: { isReply: true } }),
      collapse: { field: 'replyRoot' },
      sort: [{ sortAt: 'desc' }],
      // The root from the collapse's doc values: no stored document (nor id) read per reply.
      _source: false,
      stored_fields: ['_none_'],
    },
  })
  return hits.flatMap((hit) => {
    const root = hit.fields?.replyRoot?.[0]
    return typeof root === 'string' ? [root] : []
  })
}
