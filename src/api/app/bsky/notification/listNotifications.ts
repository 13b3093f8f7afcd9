import { ids, type AppBskyNotificationListNotifications } from '@atproto/api'
import { z } from 'zod'
import { requesterNotifications } from '#/api/app/bsky/notification/preferences.js'
import { cursorFromKey, fillPage, keyFromCursor } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import type { NotificationQuery } from '#/dataplane/index.js'
import { mergeStates, type HydrationState } from '#/hydration/state.js'
import { derivedNotifications, visibleNotifications, type NotificationItem } from '#/rules/notifications.js'
import { defineQuery } from '#/server/xrpc/method.js'
import { param } from '#/server/xrpc/params.js'
import { notificationTime, notificationView } from '#/views/notifications.js'

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
    for (let round = 0; round < MAX_ROUNDS && items.length < params.limit; round++) {
      const page = await ctx.dataplane.getNotificationCandidates(query, { after, limit: params.limit - items.length })
      const hydrated = await ctx.hydrator.hydrateNotificationReasons(page.items, hydrateCtx)
      state = mergeStates(state, hydrated)
      items.push(...derivedNotifications(query.recipient, page.items, query.reasons, hydrated, { liveSubjects: true, subscriptions: query.subscriptions }))
      after = page.next
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
  async handler({ params, viewer, ctx }) {
    const { state, priority, query } = await requesterNotifications(ctx, viewer, params)
    const hydrateCtx = ctx.hydrator.createContext({ viewer: query.recipient })
    const out = await fillPage({
      cursor: params.cursor,
      limit: params.limit,
      fetch: (page) => listNotifications({ ...params, ...page, query, lastSeen: state.seenAt }, ctx, hydrateCtx),
      items: (o) => o.notifications,
    })
    return { ...out, priority }
  },
})
