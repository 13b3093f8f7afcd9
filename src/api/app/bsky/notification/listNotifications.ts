import { ids, type AppBskyNotificationListNotifications } from '@atproto/api'
import { z } from 'zod'
import { requesterNotifications } from '#/api/notification-preferences.js'
import { hydrationContext } from '#/api/hydration-context.js'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { fillPage, readAheadPages } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import type { NotificationQuery } from '#/dataplane/index.js'
import { mergeStates, type HydrationState } from '#/hydration/state.js'
import { derivedNotifications, visibleNotifications, type NotificationItem } from '#/rules/notifications.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { notificationTime, notificationView } from '#/views/index.js'

const params = z.object({
  reasons: param.array(param.string()).optional(),
  limit: param.limit({ maximum: 100, default: 50 }),
  priority: param.boolean().optional(),
  cursor: param.cursor().optional(),
  seenAt: param.datetime().optional(),
})

/** The account's stored seen time travels as `lastSeen`. */
type Params = z.output<typeof params> & { query: NotificationQuery; lastSeen?: string }

interface Skeleton {
  items: NotificationItem[]
  cursor?: string
  lastSeen?: string
  /** Deciding reasons takes the candidates' gates and threads, so the skeleton reads those as it goes. */
  state: HydrationState
}

type Output = AppBskyNotificationListNotifications.OutputSchema

/** Candidate pages read per fetch while looking for `limit` notifications. */
const MAX_ROUNDS = 5
/** Read ahead by the yield seen so far, a little more, and at most this many times what a round takes. */
const READ_AHEAD_MARGIN = 1.2
const MAX_READ_AHEAD = 4

const listNotifications = pipeline<Params, Skeleton, Output>({
  /**
   * A page is `limit` notifications before the rules hide any, as in the reference AppView:
   * candidates that turn out to notify no one (a reply further down someone else's thread) do
   * not count, so more are read until the page is full.
   */
  async skeleton({ params, ctx, hydrateCtx }) {
    const { query } = params
    const items: NotificationItem[] = []
    let state: HydrationState = { ctx: hydrateCtx }
    let after = keyFromCursor(params.cursor, 3)
    const candidates = readAheadPages((page) => ctx.dataplane.getNotificationCandidates(query, page), after)
    let consumed = 0
    for (let round = 0; round < MAX_ROUNDS && items.length < params.limit; round++) {
      const want = params.limit - items.length
      // After a round that notified fewer than it read, read enough ahead for the rest at that yield.
      const expected = consumed === 0 ? want : Math.ceil((want * consumed) / Math.max(items.length, 1) * READ_AHEAD_MARGIN)
      const taken = await candidates.take(want, Math.min(expected, want * MAX_READ_AHEAD))
      if (taken.items.length === 0) break
      consumed += taken.items.length
      const hydrated = await ctx.hydrator.hydrateNotificationReasons(taken.items, hydrateCtx)
      state = mergeStates(state, hydrated)
      items.push(...derivedNotifications(query.recipient, taken.items, query.reasons, hydrated, { liveSubjects: true, subscriptions: query.subscriptions }))
      after = taken.next
      if (!after) break
    }
    // Never having marked anything seen, the newest notification counts as unread and the rest as read.
    const lastSeen = params.lastSeen ?? (params.cursor || !items[0] ? undefined : notificationTime(items[0]))
    return { items, cursor: cursorFromKey(after), lastSeen, state }
  },
  hydrate: async ({ ctx, hydrateCtx, skeleton }) =>
    mergeStates(skeleton.state, await ctx.hydrator.hydrateNotificationViews([...new Set(skeleton.items.map((item) => item.candidate))], hydrateCtx)),
  rules: ({ params, skeleton, state }) => ({ ...skeleton, items: visibleNotifications(params.query.recipient, skeleton.items, state) }),
  present: ({ skeleton, state }) => ({
    notifications: skeleton.items.flatMap((item) => notificationView(item, skeleton.lastSeen, state) ?? []),
    cursor: skeleton.cursor,
    seenAt: skeleton.lastSeen,
  }),
})

export default defineQuery({
  nsid: ids.AppBskyNotificationListNotifications,
  params,
  auth: 'required',
  async handler(req) {
    const { params, viewer, ctx } = req
    const { state, priority, query } = await requesterNotifications(ctx, viewer, params)
    const hydrateCtx = hydrationContext(req, query.recipient)
    const out = await fillPage({
      cursor: params.cursor,
      limit: params.limit,
      fetch: (page) => listNotifications({ ...params, ...page, query, lastSeen: state.seenAt }, ctx, hydrateCtx),
      items: (o) => o.notifications,
    })
    return { ...out, priority }
  },
})
