import { ids, type AppBskyGraphDefs, type AppBskyGraphGetRelationships, type $Typed } from '@atproto/api'
import { isDidIdentifier, type AtIdentifierString } from '@atproto/syntax'
import { z } from 'zod'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'

const params = z.object({
  actor: param.atIdentifier(),
  others: param.array(param.atIdentifier(), { maxLength: 30 }).optional(),
})

const notFound = (actor: string): $Typed<AppBskyGraphDefs.NotFoundActor> => ({
  $type: 'app.bsky.graph.defs#notFoundActor',
  actor,
  notFound: true,
})

/**
 * The public follow and block graph between `actor` and each of `others`, as records state it
 * (anyone may ask; mutes, being private, are never part of it). As in the reference AppView,
 * `others` must be DIDs (handles are not found), block lists are named whatever they are, and
 * `actor` itself relates to nothing.
 */
export default defineQuery({
  nsid: ids.AppBskyGraphGetRelationships,
  params,
  auth: 'none',
  async handler({ params, ctx }): Promise<AppBskyGraphGetRelationships.OutputSchema> {
    const others = params.others ?? []
    const [actor] = await ctx.hydrator.resolveActors([params.actor])
    if (!actor || others.length === 0) return { actor, relationships: others.map(notFound) }
    const dids = others.filter((other) => isDidIdentifier(other as AtIdentifierString))
    const relationships = await ctx.dataplane.getRelationships(actor, dids)
    return {
      actor,
      relationships: others.map((other): AppBskyGraphGetRelationships.OutputSchema['relationships'][number] => {
        if (!isDidIdentifier(other as AtIdentifierString)) return notFound(other)
        const rel = other === actor ? {} : (relationships.get(other) ?? {})
        return {
          $type: 'app.bsky.graph.defs#relationship',
          did: other,
          following: rel.following,
          followedBy: rel.followedBy,
          blocking: rel.blocking,
          blockedBy: rel.blockedBy,
          blockingByList: rel.blockingByList,
          blockedByList: rel.blockedByList,
        }
      }),
    }
  },
})
