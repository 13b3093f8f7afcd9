import { ids, type AppBskyActorSearchActors } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { fillPage } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import { viewerBlockExists } from '#/rules/actors.js'
import { MAX_ACTOR_QUERY_LENGTH, normalizeActorQuery } from '#/search/actor-query.js'
import { decodeCursor, encodeCursor } from '#/dataplane/cursor.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { profileView } from '#/views/index.js'

const params = z.object({
  q: param.string({ maxLength: MAX_ACTOR_QUERY_LENGTH }).optional(),
  /** Deprecated alias of `q`, still sent by old clients. */
  term: param.string({ maxLength: MAX_ACTOR_QUERY_LENGTH }).optional(),
  limit: param.limit({ maximum: 100, default: 25 }),
  cursor: param.cursor().optional(),
})

type Params = z.output<typeof params>

interface Skeleton {
  dids: string[]
  cursor?: string
}

/** The cursor carries the offset into the ranked result (ranking is not a sort key). */
function offsetFromCursor(cursor: string | undefined): number {
  const values = decodeCursor(cursor, 1)
  if (!values) return 0
  const [offset] = values
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) throw new InvalidRequestError('Malformed cursor')
  return offset
}

const searchActors = pipeline<Params, Skeleton, AppBskyActorSearchActors.OutputSchema>({
  async skeleton({ params, ctx, hydrateCtx }) {
    const page = await ctx.dataplane.searchActors({
      term: normalizeActorQuery(params.q ?? params.term),
      viewer: hydrateCtx.viewer,
      limit: params.limit,
      offset: offsetFromCursor(params.cursor),
      description: true,
    })
    return { dids: page.dids, cursor: page.next === undefined ? undefined : encodeCursor([page.next]) }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateProfiles(skeleton.dids, hydrateCtx),
  // As the reference AppView: accounts with a block either way are left out; accounts not
  // hosted have no view, so presentation leaves them out.
  rules: ({ skeleton, state }) => ({ ...skeleton, dids: skeleton.dids.filter((did) => !viewerBlockExists(did, state)) }),
  present: ({ skeleton, state }) => ({
    actors: skeleton.dids.flatMap((did) => profileView(did, state) ?? []),
    ...(skeleton.cursor ? { cursor: skeleton.cursor } : {}),
  }),
})

/** Accounts by handle, display name and description, best match first. */
export default defineQuery({
  nsid: ids.AppBskyActorSearchActors,
  params,
  auth: 'optional',
  expensive: true,
  handler(req) {
    const { params, ctx } = req
    const hydrateCtx = hydrationContext(req)
    return fillPage({
      cursor: params.cursor,
      limit: params.limit,
      fetch: (page) => searchActors({ ...params, ...page }, ctx, hydrateCtx),
      items: (out) => out.actors,
    })
  },
})
