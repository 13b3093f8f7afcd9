import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import type { ApiContext } from '#/api/context.js'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { definePagedQuery } from '#/api/paging.js'
import { noRules, pipeline } from '#/api/pipeline.js'
import type { Page, PageRequest, RecordRef } from '#/dataplane/index.js'
import type { HydrateCtx, HydrationState } from '#/hydration/state.js'
import { param } from '#/api/xrpc/params.js'

const params = z.object({
  actor: param.atIdentifier(),
  limit: param.limit({ maximum: 100, default: 50 }),
  cursor: param.cursor().optional(),
})

type Params = z.output<typeof params>

/**
 * getActorFeeds, getActorStarterPacks: one account's records of a kind, newest first, each
 * hydrated and shown by its own view (records whose view is withheld are left out).
 */
export function actorRecordsQuery<K extends string, V>(def: {
  nsid: string
  key: K
  page(ctx: ApiContext, did: string, page: PageRequest): Promise<Page<RecordRef>>
  hydrate(ctx: ApiContext, uris: string[], hydrateCtx: HydrateCtx): Promise<HydrationState>
  view(uri: string, state: HydrationState): V | undefined
}) {
  type Out = { cursor?: string } & Record<K, V[]>
  const run = pipeline<Params, { uris: string[]; cursor?: string }, Out>({
    async skeleton({ params, ctx }) {
      const [did] = await ctx.hydrator.resolveActors([params.actor])
      if (!did) throw new InvalidRequestError('Profile not found')
      const page = await def.page(ctx, did, { after: keyFromCursor(params.cursor, 3), limit: params.limit })
      return { uris: page.items.map((r) => r.uri), cursor: cursorFromKey(page.next) }
    },
    hydrate: ({ ctx, hydrateCtx, skeleton }) => def.hydrate(ctx, skeleton.uris, hydrateCtx),
    rules: noRules,
    present: ({ skeleton, state }) => ({ [def.key]: skeleton.uris.flatMap((uri) => def.view(uri, state) ?? []), cursor: skeleton.cursor }) as Out,
  })
  return definePagedQuery({ nsid: def.nsid, params, auth: 'optional', run, items: (out) => out[def.key] })
}
