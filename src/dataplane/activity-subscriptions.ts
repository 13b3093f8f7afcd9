import { singleIndex } from '#/indexing/route.js'
import type { Page, PageRequest } from '#/dataplane/pages.js'
import { pageOfViewer, viewerDocId } from '#/dataplane/viewer-pages.js'
import type { Hit, Searcher } from '#/dataplane/opensearch-reader.js'

/**
 * Activity subscriptions: private state Magpie keeps for each account (no repo holds them). One
 * document per (subscriber, subject) in the `activity-subscriptions` index, present only while
 * the subscriber wants posts or replies. Every function takes the subscriber whose subscriptions
 * it reads or writes, and the API only ever passes the authenticated requester.
 */

export interface ActivitySubscription {
  post: boolean
  reply: boolean
  /** When the subscription began: only what the subject posts from then on notifies. */
  since: string
}

/** Subscriptions read per subscriber for its notifications: more than this is not a person. */
export const MAX_ACTIVITY_SUBSCRIPTIONS = 10_000

const idOf = (viewer: string, subject: string) => viewerDocId(viewer, subject)

/**
 * Subscribe, change what to hear of, or (neither posts nor replies) unsubscribe. A change keeps
 * the subscription's start. Visible to searches on return.
 */
export async function putActivitySubscription(search: Searcher, viewer: string, subject: string, wants: { post: boolean; reply: boolean }): Promise<void> {
  const index = singleIndex(search.prefix, 'activity-subscriptions')
  const id = idOf(viewer, subject)
  if (!wants.post && !wants.reply) {
    await search.client.delete({ index, id, refresh: 'wait_for' }, { ignore: [404] })
    return
  }
  const now = new Date().toISOString()
  const doc = { post: wants.post, reply: wants.reply, updatedAt: now }
  await search.client.update({ index, id, refresh: 'wait_for', retry_on_conflict: 3, body: { doc, upsert: { viewer, subject, createdAt: now, ...doc } } })
}

function subscriptionsOf(hits: Hit[]): Map<string, ActivitySubscription> {
  const out = new Map<string, ActivitySubscription>()
  for (const hit of hits) {
    const s = hit._source ?? {}
    if (typeof s.subject === 'string') out.set(s.subject, { post: s.post === true, reply: s.reply === true, since: String(s.createdAt) })
  }
  return out
}

const FIELDS = ['subject', 'post', 'reply', 'createdAt']

/** Of `subjects`, those the viewer subscribes to, with what it hears of. */
export async function getActivitySubscriptionsOf(search: Searcher, viewer: string, subjects: string[]): Promise<Map<string, ActivitySubscription>> {
  const wanted = [...new Set(subjects)].filter((did) => did !== viewer)
  if (wanted.length === 0) return new Map()
  const { hits } = await search.one({
    index: 'activity-subscriptions',
    body: { size: wanted.length, query: { bool: { filter: [{ term: { viewer } }, { terms: { subject: wanted } }] } }, _source: FIELDS },
  })
  return subscriptionsOf(hits)
}

/** Every subscription of the viewer (bounded), for its notifications. */
export async function getAllActivitySubscriptions(search: Searcher, viewer: string): Promise<Map<string, ActivitySubscription>> {
  const { hits } = await search.one({
    index: 'activity-subscriptions',
    body: { size: MAX_ACTIVITY_SUBSCRIPTIONS, track_total_hits: false, query: { term: { viewer } }, sort: [{ createdAt: 'desc' }], _source: FIELDS },
  })
  return subscriptionsOf(hits)
}

/** The accounts the viewer subscribes to, newest subscription first. Sort key: [createdAt, subject]. */
export function pageActivitySubscriptions(search: Searcher, viewer: string, page: PageRequest): Promise<Page<string>> {
  return pageOfViewer(search, 'activity-subscriptions', viewer, { sort: ['createdAt', 'subject'], source: ['subject'], item: (hit) => String(hit._source?.subject) }, page)
}
