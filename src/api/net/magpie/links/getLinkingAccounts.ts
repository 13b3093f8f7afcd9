import { isValidDid } from '@atproto/syntax'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { accountContentHidden, linkPathParam, linkSubjectParam, resolveLinkSubject } from '#/api/link-params.js'
import { definePagedQuery } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import { param } from '#/api/xrpc/params.js'

/** Distinct accounts linking to a subject from one collection and path (lexicons/net/magpie/links/getLinkingAccounts.json). */
export const NSID = 'net.magpie.links.getLinkingAccounts'

const params = z.object({
  subject: linkSubjectParam(),
  collection: param.nsid(),
  path: linkPathParam(),
  limit: param.limit({ maximum: 1000, default: 100 }),
  cursor: param.cursor().optional(),
})

type Params = z.output<typeof params>

interface Skeleton {
  dids: string[]
  cursor?: string
}

const getLinkingAccounts = pipeline<Params, Skeleton, { subject: string; cursor?: string; dids: string[] }>({
  async skeleton({ params, ctx }) {
    // The cursor is the last DID served: accounts come in DID order.
    if (params.cursor !== undefined && !isValidDid(params.cursor)) throw new InvalidRequestError('Malformed cursor')
    const subject = await resolveLinkSubject(ctx, params.subject)
    const page = await ctx.dataplane.getLinkingAccounts(subject, { collection: params.collection, path: params.path }, { after: params.cursor, limit: params.limit })
    return { dids: page.dids, cursor: page.next }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateProfiles(skeleton.dids, hydrateCtx),
  rules: ({ skeleton, state }) => ({ ...skeleton, dids: skeleton.dids.filter((did) => !accountContentHidden(did, state)) }),
  present: ({ params, skeleton }) => ({ subject: params.subject, cursor: skeleton.cursor, dids: skeleton.dids }),
})

export default definePagedQuery({
  nsid: NSID,
  params,
  auth: 'optional',
  run: getLinkingAccounts,
  items: (out) => out.dids,
})
