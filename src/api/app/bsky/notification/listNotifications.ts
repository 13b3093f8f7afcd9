import { ids, type AppBskyNotificationListNotifications } from '@atproto/api'
import { z } from 'zod'
import { requesterNotifications } from '#/api/notification-preferences.js'
import { hydrationContext } from '#/api/hydration-context.js'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { fillPage, leadingToFill, readAheadPages } from '#/api/paging.js'
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
/**
 * Candidates taken in a round: enough for the rest of the page at the yield seen so far (a
 * guess of FIRST_ROUND_YIELD before any), a little more, and at most MAX_READ_AHEAD times what
 * is still missing. Each round is a hydration of its own (several round trips), so taking a few
 * candidates too many costs less than one more round.
 */
const FIRST_ROUND_YIELD = 0.8
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
      const seenYield = consumed === 0 ? FIRST_ROUND_YIELD : Math.max(items.length / consumed, 1 / MAX_READ_AHEAD)
      const size = Math.min(Math.ceil((want / seenYield) * READ_AHEAD_MARGIN), want * MAX_READ_AHEAD)
      const taken = await candidates.take(size, size)
      if (taken.items.length === 0) break
      const hydrated = await ctx.hydrator.hydrateNotificationReasons(taken.items, hydrateCtx)
      state = mergeStates(state, hydrated)
      const derived = derivedNotifications(query.recipient, taken.items, query.reasons, hydrated, { liveSubjects: true, subscriptions: query.subscriptions })
      // The page ends with the candidate that fills it, and the next page starts after that one,
      // as if candidates had been taken only as far as needed.
      const yields = new Map<unknown, number>()
      for (const n of derived) yields.set(n.candidate, (yields.get(n.candidate) ?? 0) + 1)
      const used = leadingToFill(taken.items.map((candidate) => yields.get(candidate) ?? 0), want)
      const kept = new Set(taken.items.slice(0, used))
      items.push(...derived.filter((n) => kept.has(n.candidate)))
      consumed += used
      after = used < taken.items.length ? taken.keys[used - 1] : taken.next
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
