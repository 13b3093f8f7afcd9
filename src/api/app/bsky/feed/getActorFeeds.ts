import { ids, type AppBskyFeedGetActorFeeds } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { cursorFromKey, definePagedQuery, keyFromCursor } from '#/api/paging.js'
import { noRules, pipeline } from '#/api/pipeline.js'
import { param } from '#/server/xrpc/params.js'
import { generatorView } from '#/views/feedgens.js'

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

/** An account's feed generators, newest first. */
const getActorFeeds = pipeline<Params, Skeleton, AppBskyFeedGetActorFeeds.OutputSchema>({
  async skeleton({ params, ctx }) {
    const [did] = await ctx.hydrator.resolveActors([params.actor])
    if (!did) throw new InvalidRequestError('Profile not found')
    const page = await ctx.dataplane.getFeedGensPage(did, { after: keyFromCursor(params.cursor, 3), limit: params.limit })
    return { uris: page.items.map((f) => f.uri), cursor: cursorFromKey(page.next) }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateFeedGens(skeleton.uris, hydrateCtx),
  rules: noRules,
  present: ({ skeleton, state }) => ({ feeds: skeleton.uris.flatMap((uri) => generatorView(uri, state) ?? []), cursor: skeleton.cursor }),
})

export default definePagedQuery({
  nsid: ids.AppBskyFeedGetActorFeeds,
  params,
  auth: 'optional',
  run: getActorFeeds,
  items: (out) => out.feeds,
})
