import { ids, type ComAtprotoRepoGetRecord } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { getActorInfos } from '#/hydration/actors.js'
import { hideTakendown, hydrateLabels } from '#/hydration/labels.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'

const params = z.object({
  repo: param.atIdentifier(),
  collection: param.nsid(),
  rkey: param.recordKey(),
  cid: param.cid().optional(),
})

/**
 * A record as Magpie last indexed it. A PDS asks its AppView this before proxying getFeed (the
 * generator record names the feed's service), so without it Bluesky clients could not open
 * any custom feed through their PDS. Records of accounts not hosted, and taken-down records,
 * are not found, as in the reference AppView.
 */
export default defineQuery({
  nsid: ids.ComAtprotoRepoGetRecord,
  params,
  auth: 'optional',
  async handler(req): Promise<ComAtprotoRepoGetRecord.OutputSchema> {
    const { params, ctx } = req
    const [did] = await ctx.hydrator.resolveActors([params.repo])
    if (!did) throw new InvalidRequestError(`Could not find repo: ${params.repo}`)
    const uri = `at://${did}/${params.collection}/${params.rkey}`
    const hydrateCtx = hydrationContext(req)
    const [actors, records, labels] = await Promise.all([
      getActorInfos(ctx.dataplane, [did], { includeTakedowns: false }),
      ctx.dataplane.getRecords([uri]),
      hydrateLabels(ctx.dataplane, [did, uri], hydrateCtx),
    ])
    hideTakendown(actors, [did], labels, hydrateCtx)
    if (!actors.get(did)) throw new InvalidRequestError(`Could not find repo: ${params.repo}`)
    const found = new Map([[uri, records.get(uri) ?? null]])
    hideTakendown(found, [uri], labels, hydrateCtx)
    const record = found.get(uri)
    if (!record || (params.cid && record.cid !== params.cid)) throw new InvalidRequestError(`Could not locate record: ${uri}`, 'RecordNotFound')
    return { uri, cid: record.cid, value: record.record }
  },
})
