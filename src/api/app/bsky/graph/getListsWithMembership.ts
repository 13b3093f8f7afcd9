import { ids, type AppBskyGraphGetListsWithMembership } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { definePagedQuery } from '#/api/paging.js'
import { listsOfPurposes } from '#/api/list-purposes.js'
import { pipeline } from '#/api/pipeline.js'
import { mergeStates } from '#/hydration/state.js'
import { param } from '#/api/xrpc/params.js'
import { listItemView, listView } from '#/views/index.js'

const params = z.object({
  actor: param.atIdentifier(),
  limit: param.limit({ maximum: 100, default: 50 }),
  cursor: param.cursor().optional(),
  purposes: param.array(param.string()).optional(),
})

type Params = z.output<typeof params>

interface Skeleton {
  actor: string
  lists: string[]
  cursor?: string
}

/** The add-to-list dialog: the viewer's own lists, newest first, each saying whether `actor` is on it. */
const getListsWithMembership = pipeline<Params, Skeleton, AppBskyGraphGetListsWithMembership.OutputSchema>({
  async skeleton({ params, ctx, hydrateCtx }) {
    const [actor] = await ctx.hydrator.resolveActors([params.actor])
    if (!actor) throw new InvalidRequestError('Profile not found')
    const page = await ctx.dataplane.getListsPage(hydrateCtx.viewer!, {
      after: keyFromCursor(params.cursor, 3),
      limit: params.limit,
    })
    return { actor, lists: page.items.map((l) => l.uri), cursor: cursorFromKey(page.next) }
  },
  async hydrate({ ctx, hydrateCtx, skeleton }) {
    const [lists, actor, listItemsOf] = await Promise.all([
      ctx.hydrator.hydrateLists(skeleton.lists, hydrateCtx),
      ctx.hydrator.hydrateProfiles([skeleton.actor], hydrateCtx),
      ctx.dataplane.getListItemsOf(skeleton.actor, skeleton.lists),
    ])
    return mergeStates(lists, actor, { listItemsOf })
  },
  rules: ({ params, skeleton, state }) => ({ ...skeleton, lists: listsOfPurposes(skeleton.lists, params.purposes, state) }),
  present: ({ skeleton, state }) => ({
    listsWithMembership: skeleton.lists.flatMap((uri) => {
      const list = listView(uri, state)
      if (!list) return []
      const item = state.listItemsOf?.get(uri)
      return [{ list, listItem: item ? listItemView(item, skeleton.actor, state) : undefined }]
    }),
    cursor: skeleton.cursor,
  }),
})

export default definePagedQuery({
  nsid: ids.AppBskyGraphGetListsWithMembership,
  params,
  auth: 'required',
  run: getListsWithMembership,
  items: (out) => out.listsWithMembership,
})
