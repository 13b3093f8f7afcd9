import type { AppBskyActorDefs } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import type { ApiContext } from '#/api/context.js'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { definePagedQuery } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import type { Page, PageRequest, RecordRef } from '#/dataplane/index.js'
import { mergeStates } from '#/hydration/state.js'
import { actorIsNotHosted, viewerBlockExists } from '#/rules/actors.js'
import { param } from '#/api/xrpc/params.js'
import { profileView } from '#/views/index.js'

/** getFollows and getFollowers: one listing of follow records, seen from either end. */

const params = z.object({
  actor: param.atIdentifier(),
  limit: param.limit({ maximum: 100, default: 50 }),
  cursor: param.cursor().optional(),
  // `latest` and `top` are known values; like the reference AppView's own data plane, both list newest first.
  sort: param.string().optional(),
})

type Params = z.output<typeof params>

interface Skeleton {
  subject: string
  /** The account at the other end of each follow. */
  others: string[]
  cursor?: string
}

export function followListingQuery<K extends string>(def: {
  nsid: string
  key: K
  page(ctx: ApiContext, subject: string, page: PageRequest): Promise<Page<RecordRef>>
  /** The account at the other end of a follow record, if it names one. */
  other(follow: RecordRef): string | undefined
}) {
  type Out = { subject: AppBskyActorDefs.ProfileView; cursor?: string } & Record<K, AppBskyActorDefs.ProfileView[]>
  const run = pipeline<Params, Skeleton, Out>({
    async skeleton({ params, ctx }) {
      const [subject] = await ctx.hydrator.resolveActors([params.actor])
      if (!subject) throw new InvalidRequestError(`Actor not found: ${params.actor}`)
      const page = await def.page(ctx, subject, { after: keyFromCursor(params.cursor, 3), limit: params.limit })
      return { subject, others: page.items.flatMap((f) => def.other(f) ?? []), cursor: cursorFromKey(page.next) }
    },
    async hydrate({ ctx, hydrateCtx, skeleton }) {
      const [profiles, blocked] = await Promise.all([
        ctx.hydrator.hydrateProfiles([skeleton.subject, ...skeleton.others], hydrateCtx),
        ctx.dataplane.getBlockedPairs(skeleton.others.map((did) => [skeleton.subject, did])),
      ])
      return mergeStates(profiles, { blocksWith: new Map([[skeleton.subject, new Set(blocked.map(([, did]) => did))]]) })
    },
    // A follow across a block (either way) is not shown, nor an account the viewer has a block with.
    rules({ skeleton, state }) {
      const blocked = state.blocksWith?.get(skeleton.subject)
      return { ...skeleton, others: skeleton.others.filter((did) => !blocked?.has(did) && !viewerBlockExists(did, state)) }
    },
    present({ params, skeleton, state }) {
      const subject = profileView(skeleton.subject, state)
      if (!subject || actorIsNotHosted(skeleton.subject, state)) throw new InvalidRequestError(`Actor not found: ${params.actor}`)
      return { subject, [def.key]: skeleton.others.flatMap((did) => profileView(did, state) ?? []), cursor: skeleton.cursor } as Out
    },
  })
  return definePagedQuery({ nsid: def.nsid, params, auth: 'optional', run, items: (out) => out[def.key] })
}
