import { singleIndex } from '#/indexing/route.js'
import type { Searcher } from '#/dataplane/opensearch-reader.js'

/**
 * Notification state: the only thing Magpie stores for notifications (they themselves are
 * queries over the record indices). One private document per account, id = its DID. Every
 * function takes the account whose state it reads or writes, and the API only ever passes the
 * authenticated requester.
 */

export interface NotifState {
  /** When the account last marked its notifications seen (ISO 8601). */
  seenAt?: string
  /** Show only notifications from accounts it follows (app.bsky.notification.putPreferences). */
  priority: boolean
  /** app.bsky.notification.defs#preferences as last put (unnormalized); absent before the first put. */
  preferences?: Record<string, unknown>
}

export async function getNotifState(search: Searcher, did: string): Promise<NotifState> {
  const found = await search.getByIds([{ index: singleIndex(search.prefix, 'notif-state'), id: did }])
  const source = found.get(did)?._source ?? {}
  return {
    seenAt: typeof source.seenAt === 'string' ? source.seenAt : undefined,
    priority: source.priority === true,
    preferences: typeof source.preferences === 'object' && source.preferences !== null ? source.preferences : undefined,
  }
}

/** Moves the seen time forward only: a late or replayed updateSeen never marks read ones unread. */
export async function putSeenAt(search: Searcher, did: string, seenAt: string): Promise<void> {
  const now = new Date().toISOString()
  await search.client.update({
    index: singleIndex(search.prefix, 'notif-state'),
    id: did,
    refresh: 'wait_for',
    retry_on_conflict: 3,
    body: {
      script: {
        lang: 'painless',
        source:
          "if (ctx._source.seenAt == null || ZonedDateTime.parse(ctx._source.seenAt).toInstant().toEpochMilli() < params.ms) { ctx._source.seenAt = params.seenAt; ctx._source.updatedAt = params.now } else { ctx.op = 'none' }",
        params: { seenAt, ms: Date.parse(seenAt), now },
      },
      upsert: { did, seenAt, priority: false, updatedAt: now },
    },
  })
}

/** Replaces the fields given (priority, preferences); visible to the account's next read. */
export async function putNotifSettings(search: Searcher, did: string, fields: { priority?: boolean; preferences?: Record<string, unknown> }): Promise<void> {
  const now = new Date().toISOString()
  const doc = { ...fields, updatedAt: now }
  await search.client.update({
    index: singleIndex(search.prefix, 'notif-state'),
    id: did,
    refresh: 'wait_for',
    retry_on_conflict: 3,
    body: { doc, upsert: { did, priority: false, ...doc } },
  })
}
