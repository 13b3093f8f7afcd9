import { ids, type AppBskyGraphGetLists } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { definePagedQuery } from '#/api/paging.js'
import { listsOfPurposes } from '#/api/list-purposes.js'
import { pipeline } from '#/api/pipeline.js'
import { param } from '#/api/xrpc/params.js'
import { listView } from '#/views/index.js'

const params = z.object({
  actor: param.atIdentifier(),
  limit: param.limit({ maximum: 100, default: 50 }),
  cursor: param.cursor().optional(),
  purposes: param.array(param.string()).optional(),
})

type Params = z.output<typeof params>

interface Skeleton {
  lists: string[]
  cursor?: string
}

const getLists = pipeline<Params, Skeleton, AppBskyGraphGetLists.OutputSchema>({
  async skeleton({ params, ctx }) {
    const [did] = await ctx.hydrator.resolveActors([params.actor])
    if (!did) throw new InvalidRequestError('Profile not found')
    const page = await ctx.dataplane.getListsPage(did, {
      after: keyFromCursor(params.cursor, 3),
      limit: params.limit,
    })
    return { lists: page.items.map((l) => l.uri), cursor: cursorFromKey(page.next) }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateLists(skeleton.lists, hydrateCtx),
  // A list whose creator is hidden has no view (present).
  rules: ({ params, skeleton, state }) => ({ ...skeleton, lists: listsOfPurposes(skeleton.lists, params.purposes, state) }),
  present: ({ skeleton, state }) => ({ lists: skeleton.lists.flatMap((uri) => listView(uri, state) ?? []), cursor: skeleton.cursor }),
})

export default definePagedQuery({
  nsid: ids.AppBskyGraphGetLists,
  params,
  auth: 'optional',
  run: getLists,
  items: (out) => out.lists,
})
