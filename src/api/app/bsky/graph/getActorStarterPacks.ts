import { ids, type AppBskyGraphGetActorStarterPacks } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { cursorFromKey, definePagedQuery, keyFromCursor } from '#/api/paging.js'
import { noRules, pipeline } from '#/api/pipeline.js'
import { param } from '#/server/xrpc/params.js'
import { starterPackViewBasic } from '#/views/starterpacks.js'

const params = z.object({
  actor: param.atIdentifier(),
  limit: param.limit({ maximum: 100, default: 50 }),
  cursor: param.cursor().optional(),
})

type Params = z.output<typeof params>

interface Skeleton {
  uris: string[]
  cursor?: string
}

/** An account's starter packs, newest first. */
const getActorStarterPacks = pipeline<Params, Skeleton, AppBskyGraphGetActorStarterPacks.OutputSchema>({
  async skeleton({ params, ctx }) {
    const [did] = await ctx.hydrator.resolveActors([params.actor])
    if (!did) throw new InvalidRequestError('Profile not found')
    const page = await ctx.dataplane.getStarterPacksPage(did, { after: keyFromCursor(params.cursor, 3), limit: params.limit })
    return { uris: page.items.map((p) => p.uri), cursor: cursorFromKey(page.next) }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateStarterPacksBasic(skeleton.uris, hydrateCtx),
  rules: noRules,
  present: ({ skeleton, state }) => ({
    starterPacks: skeleton.uris.flatMap((uri) => starterPackViewBasic(uri, state) ?? []),
    cursor: skeleton.cursor,
  }),
})

export default definePagedQuery({
  nsid: ids.AppBskyGraphGetActorStarterPacks,
  params,
  auth: 'optional',
  run: getActorStarterPacks,
  items: (out) => out.starterPacks,
})
