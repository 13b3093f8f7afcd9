import { ids, type AppBskyFeedGetFeedGenerator } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { feedGenEndpoint } from '#/feeds/remote.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { generatorView } from '#/views/index.js'

const params = z.object({
  feed: param.atUri(),
})

/**
 * One feed generator. Its service DID must resolve to a document naming a feed generator
 * endpoint; beyond that the service is not asked (isOnline and isValid are always true, as the
 * reference AppView answers them while feed services catch up on describeFeedGenerator).
 */
export default defineQuery({
  nsid: ids.AppBskyFeedGetFeedGenerator,
  params,
  auth: 'optional',
  async handler(req): Promise<AppBskyFeedGetFeedGenerator.OutputSchema> {
    const { params, ctx } = req
    const state = await ctx.hydrator.hydrateFeedGens([params.feed], hydrationContext(req))
    const feedgen = state.feedgens?.get(params.feed)
    if (!feedgen) throw new InvalidRequestError('could not find feed')
    const serviceDid = String(feedgen.record.did ?? '')
    // Magpie's own feeds are served right here: there is nothing to resolve.
    if (serviceDid !== ctx.serviceDid) await feedGenEndpoint(ctx.identity, serviceDid)
    const view = generatorView(params.feed, state)
    if (!view) throw new InvalidRequestError('could not find feed')
    return { view, isOnline: true, isValid: true }
  },
})
