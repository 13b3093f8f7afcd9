import { ids, type AppBskyFeedGetQuotes } from '@atproto/api'
import type { z } from 'zod'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { definePagedQuery, subjectPageParams } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import { resolveUriHost } from '#/api/uris.js'
import type { StoredRecord } from '#/dataplane/index.js'
import { viewerBlockExists } from '#/rules/actors.js'
import { postView } from '#/views/index.js'

const params = subjectPageParams

type Params = z.output<typeof params>

interface Skeleton {
  quotes: StoredRecord[]
  cursor?: string
}

const getQuotes = pipeline<Params, Skeleton, AppBskyFeedGetQuotes.OutputSchema>({
  async skeleton({ params, ctx }) {
    const uri = await resolveUriHost(ctx, params.uri)
    // Quotes of a deleted post are gone with it, as in the reference AppView.
    if (!(await ctx.dataplane.getRecords([uri])).has(uri)) return { quotes: [] }
    const page = await ctx.dataplane.getQuotes(uri, { after: keyFromCursor(params.cursor, 3), limit: params.limit })
    return { quotes: page.items, cursor: cursorFromKey(page.next) }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) =>
    ctx.hydrator.posts.hydratePosts(
      skeleton.quotes.map((q) => q.uri),
      hydrateCtx,
      { given: new Map(skeleton.quotes.map((q) => [q.uri, q])) },
    ),
  // Quotes by accounts the viewer has a block with, or across a block with the quoted author,
  // are left out; detached quotes stay, showing the quoted post as detached.
  rules: ({ skeleton, state }) => ({
    ...skeleton,
    quotes: skeleton.quotes.filter((q) => !viewerBlockExists(q.did, state) && !state.postBlocks?.get(q.uri)?.embed),
  }),
  present: ({ params, skeleton, state }) => ({
    uri: params.uri,
    cid: params.cid,
    posts: skeleton.quotes.flatMap((q) => postView(q.uri, state) ?? []),
    cursor: skeleton.cursor,
  }),
})

export default definePagedQuery({
  nsid: ids.AppBskyFeedGetQuotes,
  params,
  auth: 'optional',
  run: getQuotes,
  items: (out) => out.posts,
})
