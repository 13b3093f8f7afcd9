import { z } from 'zod'
import { linkSubjectParam, refusingLongPatterns, resolveLinkSubject } from '#/api/link-params.js'
import { defineQuery } from '#/api/xrpc/method.js'

/** How many records link to a subject, by collection and path (lexicons/net/magpie/links/getBacklinkCounts.json). */
export const NSID = 'net.magpie.links.getBacklinkCounts'

const params = z.object({ subject: linkSubjectParam() })

export default defineQuery({
  nsid: NSID,
  params,
  auth: 'optional',
  // Counts, not content: every live linking record counts, as like and follower counts do.
  async handler({ params, ctx }) {
    const subject = await resolveLinkSubject(ctx, params.subject)
    const counts = await refusingLongPatterns(ctx.dataplane.getBacklinkCounts(subject))
    return { subject: params.subject, ...counts }
  },
})
