import { ids, type AppBskyFeedGetRepostedBy } from '@atproto/api'
import type { z } from 'zod'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { definePagedQuery, subjectPageParams } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import { resolveUriHost } from '#/api/uris.js'
import type { StoredRecord } from '#/dataplane/index.js'
import { viewerBlockExists } from '#/rules/actors.js'
import { profileView } from '#/views/index.js'

const params = subjectPageParams

type Params = z.output<typeof params>

interface Skeleton {
  reposts: StoredRecord[]
  cursor?: string
}

const getRepostedBy = pipeline<Params, Skeleton, AppBskyFeedGetRepostedBy.OutputSchema>({
  async skeleton({ params, ctx }) {
    const uri = await resolveUriHost(ctx, params.uri)
    const page = await ctx.dataplane.getRepostsBySubject(uri, { after: keyFromCursor(params.cursor, 3), limit: params.limit })
    return { reposts: page.items, cursor: cursorFromKey(page.next) }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.posts.hydrateReposts(skeleton.reposts, hydrateCtx),
  // Reposters the viewer has a block with are left out (unlike likes, blocks with the post's author are not checked, as the reference AppView does).
  rules: ({ skeleton, state }) => ({ ...skeleton, reposts: skeleton.reposts.filter((repost) => !viewerBlockExists(repost.did, state)) }),
  present: ({ params, skeleton, state }) => ({
    uri: params.uri,
    cid: params.cid,
    repostedBy: skeleton.reposts.flatMap((repost) => profileView(repost.did, state) ?? []),
    cursor: skeleton.cursor,
  }),
})

export default definePagedQuery({
  nsid: ids.AppBskyFeedGetRepostedBy,
  params,
  auth: 'optional',
  run: getRepostedBy,
  items: (out) => out.repostedBy,
})
