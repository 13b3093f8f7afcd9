import { ids, type AppBskyGraphGetList } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { definePagedQuery } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import type { RecordRef } from '#/dataplane/index.js'
import { optOutPolicy } from '#/hydration/reference-lists.js'
import { mergeStates } from '#/hydration/state.js'
import { param } from '#/api/xrpc/params.js'
import { listItemView, listView } from '#/views/index.js'

const params = z.object({
  list: param.atUri(),
  limit: param.limit({ maximum: 100, default: 50 }),
  cursor: param.cursor().optional(),
})

type Params = z.output<typeof params>

interface Skeleton {
  list: string
  items: RecordRef[]
  cursor?: string
  /** Members who opted out of this reference list, shown (marked) to its owner only. */
  optedOut: Set<string>
}

const MODLIST = 'app.bsky.graph.defs#modlist'

const creatorOf = (uri: string) => uri.slice('at://'.length).split('/')[0] ?? ''

/** A list and a page of its members, newest first. */
const getList = pipeline<Params, Skeleton, AppBskyGraphGetList.OutputSchema>({
  async skeleton({ params, ctx, hydrateCtx }) {
    const list = (await ctx.dataplane.getRecords([params.list])).get(params.list)
    const optOuts = await optOutPolicy(ctx.dataplane, list, hydrateCtx.viewer)
    const page = await ctx.dataplane.getListItemsPage(params.list, { after: keyFromCursor(params.cursor, 3), limit: params.limit }, optOuts.hidden)
    return { list: params.list, items: page.items.filter((item) => item.subject !== undefined), cursor: cursorFromKey(page.next), optedOut: optOuts.marked }
  },
  async hydrate({ ctx, hydrateCtx, skeleton }) {
    const members = skeleton.items.map((item) => item.subject!)
    const creator = creatorOf(skeleton.list)
    const [list, profiles] = await Promise.all([
      ctx.hydrator.hydrateLists([skeleton.list], hydrateCtx),
      ctx.hydrator.hydrateProfiles(members, hydrateCtx),
    ])
    // A curation list does not show its creator the members they have a block with, nor them to
    // others; a mod list exists to list exactly such accounts, and its owner sees everything.
    const purpose = list.lists?.get(skeleton.list)?.record.record.purpose
    if (hydrateCtx.viewer === creator || purpose === MODLIST) return mergeStates(list, profiles)
    const blocked = await ctx.dataplane.getBlockedPairs(members.map((did) => [creator, did]))
    return mergeStates(list, profiles, { blocksWith: new Map([[creator, new Set(blocked.map(([, did]) => did))]]) })
  },
  rules({ skeleton, state }) {
    const blocked = state.blocksWith?.get(creatorOf(skeleton.list))
    return { ...skeleton, items: skeleton.items.filter((item) => !blocked?.has(item.subject!)) }
  },
  present({ skeleton, state }) {
    const list = listView(skeleton.list, state)
    if (!list) throw new InvalidRequestError('List not found')
    const items = skeleton.items.flatMap((item) => listItemView(item.uri, item.subject!, state, skeleton.optedOut.has(item.subject!)) ?? [])
    return { list, items, cursor: skeleton.cursor }
  },
})

export default definePagedQuery({
  nsid: ids.AppBskyGraphGetList,
  params,
  auth: 'optional',
  run: getList,
  items: (out) => out.items,
})
