import { ids, type AppBskyFeedGetPosts } from '@atproto/api'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { pipeline } from '#/api/pipeline.js'
import { viewerBlockExists } from '#/rules/actors.js'
import { didOfUri } from '#/records/at-uri.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { postView } from '#/views/index.js'

const params = z.object({
  uris: param.array(param.atUri(), { maxLength: 25 }),
})

type Params = z.output<typeof params>

const getPosts = pipeline<Params, { uris: string[] }, AppBskyFeedGetPosts.OutputSchema>({
  skeleton: async ({ params }) => ({ uris: [...new Set(params.uris)] }),
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.posts.hydratePosts(skeleton.uris, hydrateCtx),
  // Posts by accounts the viewer has a block with are left out; gone posts and hidden authors drop out in presentation.
  rules: ({ skeleton, state }) => ({ uris: skeleton.uris.filter((uri) => !viewerBlockExists(didOfUri(uri), state)) }),
  present: ({ skeleton, state }) => ({ posts: skeleton.uris.flatMap((uri) => postView(uri, state) ?? []) }),
})

export default defineQuery({
  nsid: ids.AppBskyFeedGetPosts,
  params,
  auth: 'optional',
  // The chat service shows posts with its own methods' tokens.
  acceptLxm: (lxm) => lxm === ids.AppBskyFeedGetPosts || !!lxm?.startsWith('chat.bsky.'),
  handler: (req) => getPosts(req.params, req.ctx, hydrationContext(req)),
})
