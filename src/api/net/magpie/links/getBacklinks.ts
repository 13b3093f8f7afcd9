import { z } from 'zod'
import { accountContentHidden, linkPathParam, linkSubjectParam, refusingLongPatterns, resolveLinkSubject } from '#/api/link-params.js'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { definePagedQuery } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import type { Backlink } from '#/dataplane/backlinks.js'
import { param } from '#/api/xrpc/params.js'

/** Records of any lexicon linking to a subject (lexicons/net/magpie/links/getBacklinks.json). */
export const NSID = 'net.magpie.links.getBacklinks'

const params = z.object({
  subject: linkSubjectParam(),
  collection: param.nsid().optional(),
  path: linkPathParam().optional(),
  limit: param.limit({ maximum: 100, default: 50 }),
  cursor: param.cursor().optional(),
})

type Params = z.output<typeof params>

interface Output {
  subject: string
  cursor?: string
  links: { uri: string; cid: string; collection: string; path: string; indexedAt: string }[]
}

interface Skeleton {
  links: Backlink[]
  cursor?: string
}

const getBacklinks = pipeline<Params, Skeleton, Output>({
  async skeleton({ params, ctx }) {
    const after = keyFromCursor(params.cursor, 3)
    const subject = await resolveLinkSubject(ctx, params.subject)
    const filter = { collection: params.collection, path: params.path }
    const page = await refusingLongPatterns(ctx.dataplane.getBacklinks(subject, filter, { after, limit: params.limit }))
    return { links: page.items, cursor: cursorFromKey(page.next) }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateProfiles([...new Set(skeleton.links.map((l) => l.did))], hydrateCtx),
  rules: ({ skeleton, state }) => ({ ...skeleton, links: skeleton.links.filter((link) => !accountContentHidden(link.did, state)) }),
  present: ({ params, skeleton }) => ({
    subject: params.subject,
    cursor: skeleton.cursor,
    links: skeleton.links.flatMap(({ uri, cid, collection, paths, indexedAt }) => paths.map((path) => ({ uri, cid, collection, path, indexedAt }))),
  }),
})

export default definePagedQuery({
  nsid: NSID,
  params,
  auth: 'optional',
  run: getBacklinks,
  items: (out) => out.links,
})
