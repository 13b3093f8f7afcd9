import type { AppBskyActorDefs, AppBskyGraphDefs } from '@atproto/api'
import { z } from 'zod'
import type { ApiContext } from '#/api/context.js'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { definePagedQuery } from '#/api/paging.js'
import { noRules, pipeline } from '#/api/pipeline.js'
import { requester } from '#/api/uris.js'
import type { Page, PageRequest } from '#/dataplane/index.js'
import { param } from '#/api/xrpc/params.js'
import { listView, profileView } from '#/views/index.js'

/**
 * The requester's own block and mute listings (getBlocks, getMutes, getListBlocks,
 * getListMutes): the same shape four times — a page of the requester's private or own state,
 * hydrated as profiles or lists — so each method file only says what it lists.
 */

const params = z.object({
  limit: param.limit({ maximum: 100, default: 50 }),
  cursor: param.cursor().optional(),
})

type Params = z.output<typeof params>

/** Accounts the requester blocks or mutes, newest first, as profile views under `key`. */
export function viewerActorsQuery<K extends string>(def: {
  nsid: string
  key: K
  /** Elements of the cursor's sort key. */
  arity: number
  page(ctx: ApiContext, viewer: string, page: PageRequest): Promise<Page<string>>
}) {
  type Out = { cursor?: string } & Record<K, AppBskyActorDefs.ProfileView[]>
  const run = pipeline<Params, { dids: string[]; cursor?: string }, Out>({
    async skeleton({ params, ctx, hydrateCtx }) {
      const page = await def.page(ctx, requester(hydrateCtx.viewer), { after: keyFromCursor(params.cursor, def.arity), limit: params.limit })
      return { dids: page.items, cursor: cursorFromKey(page.next) }
    },
    hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateProfiles(skeleton.dids, hydrateCtx),
    rules: noRules,
    present: ({ skeleton, state }) =>
      ({ [def.key]: skeleton.dids.flatMap((did) => profileView(did, state) ?? []), cursor: skeleton.cursor }) as Out,
  })
  return definePagedQuery({ nsid: def.nsid, params, auth: 'required', run, items: (out) => out[def.key] })
}

/** Lists the requester subscribes to (as blocks or mutes), newest list first, as the reference orders them. */
export function viewerListsQuery(def: { nsid: string; lists(ctx: ApiContext, viewer: string): Promise<string[]> }) {
  type Out = { cursor?: string; lists: AppBskyGraphDefs.ListView[] }
  const run = pipeline<Params, { lists: string[]; cursor?: string }, Out>({
    async skeleton({ params, ctx, hydrateCtx }) {
      const uris = await def.lists(ctx, requester(hydrateCtx.viewer))
      const page = await ctx.dataplane.getListsByUriPage(uris, { after: keyFromCursor(params.cursor, 3), limit: params.limit })
      return { lists: page.items.map((l) => l.uri), cursor: cursorFromKey(page.next) }
    },
    hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateLists(skeleton.lists, hydrateCtx),
    rules: noRules,
    present: ({ skeleton, state }) => ({ lists: skeleton.lists.flatMap((uri) => listView(uri, state) ?? []), cursor: skeleton.cursor }),
  })
  return definePagedQuery({ nsid: def.nsid, params, auth: 'required', run, items: (out) => out.lists })
}
