import { ids, type AppBskyNotificationListNotifications } from '@atproto/api'
import { z } from 'zod'
import { requesterNotifications } from '#/api/app/bsky/notification/preferences.js'
import { cursorFromKey, fillPage, keyFromCursor } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import type { NotificationCandidate, NotificationQuery } from '#/dataplane/index.js'
import { visibleNotifications } from '#/rules/notifications.js'
import { defineQuery } from '#/server/xrpc/method.js'
import { param } from '#/server/xrpc/params.js'
import { notificationView, type NotificationItem } from '#/views/notifications.js'

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
  candidates: NotificationCandidate[]
  items: NotificationItem[]
  cursor?: string
  lastSeen?: string
}

type Output = AppBskyNotificationListNotifications.OutputSchema

const listNotifications = pipeline<Params, Skeleton, Output>({
  async skeleton({ params, ctx }) {
    const page = await ctx.dataplane.getNotificationCandidates(params.query, { after: keyFromCursor(params.cursor, 3), limit: params.limit })
    // Never having marked anything seen, the newest notification counts as unread and the rest as read.
    const lastSeen = params.lastSeen ?? (params.cursor ? undefined : page.items[0]?.record.sortedAt)
    return { candidates: page.items, items: [], cursor: cursorFromKey(page.next), lastSeen }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateNotifications(skeleton.candidates, hydrateCtx),
  rules: ({ params, skeleton, state }) => ({
    ...skeleton,
    items: visibleNotifications(params.query.recipient, skeleton.candidates, params.query.reasons, state),
  }),
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
