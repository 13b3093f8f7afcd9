import { z } from 'zod'
import type { ApiContext } from '#/api/context.js'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { definePagedQuery } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import type { HydrateCtx, HydrationState } from '#/hydration/state.js'
import { viewerBlockExists } from '#/rules/actors.js'
import { param } from '#/api/xrpc/params.js'

/** A starter pack's name is at most 500 bytes (its lexicon): a longer query can match none. */
const MAX_QUERY_LENGTH = 500

const params = z.object({
  q: param.string({ maxLength: MAX_QUERY_LENGTH }),
  limit: param.limit({ maximum: 100, default: 25 }),
  cursor: param.cursor().optional(),
})

type Params = z.output<typeof params>

const creatorOf = (uri: string) => uri.slice('at://'.length).split('/')[0] ?? ''

/**
 * searchStarterPacks and searchStarterPacksV2: starter packs by the words of their name, newest
 * first, those whose creator has a block with the viewer left out. The two differ in the view
 * they answer with, and V2 says how many packs match (`hitsTotal`, before the viewer's blocks).
 */
export function starterPackSearchQuery<V>(def: {
  nsid: string
  hydrate(ctx: ApiContext, uris: string[], hydrateCtx: HydrateCtx): Promise<HydrationState>
  view(uri: string, state: HydrationState): V | undefined
  withHitsTotal?: boolean
}) {
  type Out = { starterPacks: V[]; cursor?: string; hitsTotal?: number }
  const run = pipeline<Params, { uris: string[]; cursor?: string; hitsTotal?: number }, Out>({
    async skeleton({ params, ctx }) {
      const page = await ctx.dataplane.searchStarterPacks(params.q, { after: keyFromCursor(params.cursor, 3), limit: params.limit })
      return { uris: page.items.map((r) => r.uri), cursor: cursorFromKey(page.next), hitsTotal: def.withHitsTotal ? page.total : undefined }
    },
    hydrate: ({ ctx, hydrateCtx, skeleton }) => def.hydrate(ctx, skeleton.uris, hydrateCtx),
    rules: ({ skeleton, state }) => ({ ...skeleton, uris: skeleton.uris.filter((uri) => !viewerBlockExists(creatorOf(uri), state)) }),
    present: ({ skeleton, state }) => ({
      starterPacks: skeleton.uris.flatMap((uri) => def.view(uri, state) ?? []),
      cursor: skeleton.cursor,
      hitsTotal: skeleton.hitsTotal,
    }),
  })
  return definePagedQuery({ nsid: def.nsid, params, auth: 'optional', expensive: true, run, items: (out) => out.starterPacks })
}
