import { ids, type AppBskyFeedGetLikes } from '@atproto/api'
import { normalizeDatetimeAlways } from '@atproto/syntax'
import type { z } from 'zod'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { definePagedQuery, subjectPageParams } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import { resolveUriHost } from '#/api/uris.js'
import type { StoredRecord } from '#/dataplane/index.js'
import { viewerBlockExists } from '#/rules/actors.js'
import { didOfUri } from '#/records/at-uri.js'
import { profileView } from '#/views/index.js'

const params = subjectPageParams

type Params = z.output<typeof params>

interface Skeleton {
  uri: string
  likes: StoredRecord[]
  cursor?: string
}

const getLikes = pipeline<Params, Skeleton, AppBskyFeedGetLikes.OutputSchema>({
  async skeleton({ params, ctx }) {
    const uri = await resolveUriHost(ctx, params.uri)
    const page = await ctx.dataplane.getLikesBySubject(uri, { after: keyFromCursor(params.cursor, 3), limit: params.limit })
    return { uri, likes: page.items, cursor: cursorFromKey(page.next) }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.posts.hydrateLikes(didOfUri(skeleton.uri), skeleton.likes, hydrateCtx),
  // Likers with a block with the post's author, or with the viewer, are left out.
  rules: ({ skeleton, state }) => ({
    ...skeleton,
    likes: skeleton.likes.filter((like) => !state.likeBlocks?.get(like.uri) && !viewerBlockExists(like.did, state)),
  }),
  present({ params, skeleton, state }) {
    const likes = skeleton.likes.flatMap((like) => {
      const actor = profileView(like.did, state)
      if (!actor) return []
      const createdAt = typeof like.record.createdAt === 'string' ? normalizeDatetimeAlways(like.record.createdAt) : like.sortedAt
      return [{ actor, createdAt, indexedAt: like.sortedAt }]
    })
    return { uri: params.uri, cid: params.cid, likes, cursor: skeleton.cursor }
  },
})

export default definePagedQuery({
  nsid: ids.AppBskyFeedGetLikes,
  params,
  auth: 'optional',
  run: getLikes,
  items: (out) => out.likes,
})
