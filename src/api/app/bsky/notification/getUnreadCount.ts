import { ids } from '@atproto/api'
import { z } from 'zod'
import { requesterNotifications } from '#/api/notification-preferences.js'
import { hydrationContext } from '#/api/hydration-context.js'
import { derivedNotifications } from '#/rules/notifications.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'

const params = z.object({
  priority: param.boolean().optional(),
  seenAt: param.datetime().optional(),
})

/**
 * Up to this many unread candidates, each is decided as listNotifications decides it; beyond,
 * the records that address the account are counted in the index (a badge shows "99+" anyway).
 */
const EXACT_UP_TO = 100

export default defineQuery({
  nsid: ids.AppBskyNotificationGetUnreadCount,
  params,
  auth: 'required',
  async handler(req) {
    const { params, viewer, ctx } = req
    const { state, query: all } = await requesterNotifications(ctx, viewer, params)
    const me = all.recipient
    // As the reference, only notifications whose record still exists (not a withdrawn verification's).
    const query = { ...all, after: state.seenAt, withRecordsGone: false }
    const page = await ctx.dataplane.getNotificationCandidates(query, { limit: EXACT_UP_TO }, { onlyAll: true })
    if (page.next) {
      // Past what a badge shows: count the records that address the account, without the
      // threads clause (most replies there are to someone else).
      return { count: await ctx.dataplane.countNotificationCandidates({ ...query, threads: [] }) }
    }
    const hydrateCtx = hydrationContext(req, me)
    const hydrated = await ctx.hydrator.hydrateNotificationReasons(page.items, hydrateCtx)
    // What the reference AppView counts: every notification it holds for the account whose record
    // still exists, including those its listing then hides (blocked or muted authors, subjects
    // that are gone).
    return { count: derivedNotifications(me, page.items, query.reasons, hydrated, { liveSubjects: false, subscriptions: query.subscriptions }).length }
  },
})
