import { ids, type AppBskyGraphGetStarterPacksWithMembership } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { definePagedQuery } from '#/api/paging.js'
import { noRules, pipeline } from '#/api/pipeline.js'
import { mergeStates } from '#/hydration/state.js'
import { param } from '#/api/xrpc/params.js'
import { listItemView, starterPackList, starterPackView } from '#/views/index.js'

const params = z.object({
  actor: param.atIdentifier(),
  limit: param.limit({ maximum: 100, default: 50 }),
  cursor: param.cursor().optional(),
})

type Params = z.output<typeof params>

interface Skeleton {
  actor: string
  packs: string[]
  cursor?: string
}

/**
 * The add-to-starter-pack dialog: the viewer's own starter packs, newest first, each saying
 * whether `actor` is on the pack's list. A pack without a list has nothing to add to and is
 * left out, as the reference AppView does.
 */
const getStarterPacksWithMembership = pipeline<Params, Skeleton, AppBskyGraphGetStarterPacksWithMembership.OutputSchema>({
  async skeleton({ params, ctx, hydrateCtx }) {
    const [actor] = await ctx.hydrator.resolveActors([params.actor])
    if (!actor) throw new InvalidRequestError('Profile not found')
    const page = await ctx.dataplane.getStarterPacksPage(hydrateCtx.viewer!, { after: keyFromCursor(params.cursor, 3), limit: params.limit })
    return { actor, packs: page.items.map((p) => p.uri), cursor: cursorFromKey(page.next) }
  },
  async hydrate({ ctx, hydrateCtx, skeleton }) {
    const [packs, actor] = await Promise.all([
      ctx.hydrator.hydrateStarterPacks(skeleton.packs, hydrateCtx),
      ctx.hydrator.hydrateProfiles([skeleton.actor], hydrateCtx),
    ])
    const lists = skeleton.packs.flatMap((uri) => starterPackList(packs.starterPacks?.get(uri)?.record) ?? [])
    return mergeStates(packs, actor, { listItemsOf: await ctx.dataplane.getListItemsOf(skeleton.actor, lists) })
  },
  rules: noRules,
  present: ({ skeleton, state }) => ({
    starterPacksWithMembership: skeleton.packs.flatMap((uri) => {
      const list = starterPackList(state.starterPacks?.get(uri)?.record)
      const starterPack = starterPackView(uri, state)
      if (!list || !starterPack) return []
      const item = state.listItemsOf?.get(list)
      return [{ starterPack, listItem: item ? listItemView(item, skeleton.actor, state) : undefined }]
    }),
    cursor: skeleton.cursor,
  }),
})

export default definePagedQuery({
  nsid: ids.AppBskyGraphGetStarterPacksWithMembership,
  params,
  auth: 'required',
  run: getStarterPacksWithMembership,
  items: (out) => out.starterPacksWithMembership,
})
