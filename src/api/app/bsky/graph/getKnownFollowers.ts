import { ids, type AppBskyGraphGetKnownFollowers } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { pipeline } from '#/api/pipeline.js'
import { requester } from '#/api/uris.js'
import { viewerBlockExists } from '#/rules/actors.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { profileView } from '#/views/index.js'

const params = z.object({
  actor: param.atIdentifier(),
  limit: param.limit({ maximum: 100, default: 50 }),
  // Accepted for the lexicon's sake: like the reference AppView, one page is all there is.
  cursor: param.cursor().optional(),
})

type Params = z.output<typeof params>

interface Skeleton {
  subject: string
  followers: string[]
}

/** Accounts the viewer follows that follow `actor`. */
const getKnownFollowers = pipeline<Params, Skeleton, AppBskyGraphGetKnownFollowers.OutputSchema>({
  async skeleton({ params, ctx, hydrateCtx }) {
    const [subject] = await ctx.hydrator.resolveActors([params.actor])
    if (!subject) throw new InvalidRequestError(`Actor not found: ${params.actor}`)
    const known = await ctx.dataplane.getKnownFollowers(requester(hydrateCtx.viewer), [subject], params.limit)
    return { subject, followers: known.get(subject)?.sample ?? [] }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateProfiles([...skeleton.followers, skeleton.subject], hydrateCtx),
  rules: ({ skeleton, state }) => ({ ...skeleton, followers: skeleton.followers.filter((did) => !viewerBlockExists(did, state)) }),
  present({ params, skeleton, state }) {
    const subject = profileView(skeleton.subject, state)
    if (!subject) throw new InvalidRequestError(`Actor not found: ${params.actor}`)
    return { subject, followers: skeleton.followers.flatMap((did) => profileView(did, state) ?? []) }
  },
})

export default defineQuery({
  nsid: ids.AppBskyGraphGetKnownFollowers,
  params,
  auth: 'required',
  handler: (req) => getKnownFollowers(req.params, req.ctx, hydrationContext(req)),
})
