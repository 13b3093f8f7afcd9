import { ids, type AppBskyNotificationListActivitySubscriptions } from '@atproto/api'
import { z } from 'zod'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { definePagedQuery } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import { requester } from '#/api/uris.js'
import { mergeStates } from '#/hydration/state.js'
import { viewerBlockExists } from '#/rules/actors.js'
import { param } from '#/api/xrpc/params.js'
import { profileView } from '#/views/index.js'

const params = z.object({
  limit: param.limit({ maximum: 100, default: 50 }),
  cursor: param.cursor().optional(),
})

type Params = z.output<typeof params>

/** The accounts the requester subscribes to (never anyone else's), newest subscription first; blocked ones are left out. */
const listActivitySubscriptions = pipeline<Params, { dids: string[]; cursor?: string }, AppBskyNotificationListActivitySubscriptions.OutputSchema>({
  async skeleton({ params, ctx, hydrateCtx }) {
    const page = await ctx.dataplane.getActivitySubscriptionsPage(requester(hydrateCtx.viewer), { after: keyFromCursor(params.cursor, 2), limit: params.limit })
    return { dids: page.items, cursor: cursorFromKey(page.next) }
  },
  hydrate: async ({ ctx, hydrateCtx, skeleton }) => {
    const [profiles, subscriptions] = await Promise.all([
      ctx.hydrator.hydrateProfiles(skeleton.dids, hydrateCtx),
      ctx.hydrator.hydrateActivitySubscriptions(skeleton.dids, hydrateCtx),
    ])
    return mergeStates(profiles, subscriptions)
  },
  rules: ({ skeleton, state }) => ({ ...skeleton, dids: skeleton.dids.filter((did) => !viewerBlockExists(did, state)) }),
  present: ({ skeleton, state }) => ({ subscriptions: skeleton.dids.flatMap((did) => profileView(did, state) ?? []), cursor: skeleton.cursor }),
})

export default definePagedQuery({
  nsid: ids.AppBskyNotificationListActivitySubscriptions,
  params,
  auth: 'required',
  run: listActivitySubscriptions,
  items: (out) => out.subscriptions,
})
