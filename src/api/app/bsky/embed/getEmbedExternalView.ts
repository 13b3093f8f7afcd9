import { ids, lexicons, type AppBskyEmbedGetEmbedExternalView } from '@atproto/api'
import { AtUri } from '@atproto/syntax'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { pipeline } from '#/api/pipeline.js'
import type { StoredRecord } from '#/dataplane/records.js'
import { hydrateLabels } from '#/hydration/labels.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { backs, DOCUMENT, PUBLICATION, standardSiteView, type StandardSite } from '#/views/index.js'

const params = z.object({
  url: param.uri(),
  uris: param.array(param.atUri(), { maxLength: 4 }),
})

type Params = z.output<typeof params>

/** The collection an AT URI names; '' for one that does not parse (a record's `site` is the author's text). */
function collectionOf(uri: string): string {
  try {
    return new AtUri(uri).collection
  } catch {
    return ''
  }
}
const VIEW = 'app.bsky.embed.external#viewExternal'

/**
 * The records for the card, from what Magpie has indexed (never fetched from elsewhere): the
 * first document named and the publication its `site` points at (looked up when not named),
 * or, with no document, the first publication. A document whose publication Magpie does not
 * have backs nothing.
 */
async function findSite(uris: string[], getRecords: (uris: string[]) => Promise<Map<string, StoredRecord>>): Promise<StandardSite | undefined> {
  const named = uris.filter((uri) => [DOCUMENT, PUBLICATION].includes(collectionOf(uri)))
  const found = await getRecords(named)
  const document = named.filter((uri) => collectionOf(uri) === DOCUMENT).flatMap((uri) => found.get(uri) ?? [])[0]
  if (!document) {
    const publication = named.filter((uri) => collectionOf(uri) === PUBLICATION).flatMap((uri) => found.get(uri) ?? [])[0]
    return publication && { publication }
  }
  const site = document.record.site
  if (typeof site !== 'string' || !site.startsWith('at://')) return { document }
  if (collectionOf(site) !== PUBLICATION) return undefined
  const publication = found.get(site) ?? (await getRecords([site])).get(site)
  return publication && { document, publication }
}

const getEmbedExternalView = pipeline<Params, StandardSite | undefined, AppBskyEmbedGetEmbedExternalView.OutputSchema>({
  skeleton: ({ params, ctx }) => findSite(params.uris, (uris) => ctx.dataplane.getRecords(uris)),
  async hydrate({ ctx, hydrateCtx, skeleton }) {
    const records = [skeleton?.document, skeleton?.publication].filter((r): r is StoredRecord => r !== undefined)
    const [profiles, labels] = await Promise.all([
      ctx.hydrator.hydrateProfiles([...new Set(records.map((r) => r.did))], hydrateCtx),
      hydrateLabels(ctx.dataplane, records.map((r) => r.uri), hydrateCtx),
    ])
    return { ...profiles, labels: new Map([...(profiles.labels ?? []), ...labels]) }
  },
  // A taken-down document or publication takes the card with it: half a card would misrepresent the link.
  rules({ skeleton, state }) {
    if (state.ctx.includeTakedowns) return skeleton
    const records = [skeleton?.document, skeleton?.publication]
    return records.some((r) => r && state.labels?.get(r.uri)?.takendown) ? undefined : skeleton
  },
  present({ params, skeleton, state }) {
    if (!skeleton || !backs(skeleton, params.url)) return {}
    const view = standardSiteView(skeleton, params.url, state)
    // Records are the author's data: a card that would not be lexicon-valid is not offered.
    if (!view || !lexicons.validate(VIEW, view).success) return {}
    const records = [skeleton.document, skeleton.publication].filter((r): r is StoredRecord => r !== undefined)
    return {
      view: { $type: 'app.bsky.embed.external#view', external: view },
      associatedRefs: view.associatedRefs,
      associatedRecords: records.map((r) => r.record),
    }
  },
})

/**
 * A rich link card for a URL the composer is about to embed, from standard.site records the
 * client found for it. Empty (`{}`) when Magpie has no such records or they do not back the
 * URL; the client then draws its own card.
 */
export default defineQuery({
  nsid: ids.AppBskyEmbedGetEmbedExternalView,
  params,
  auth: 'optional',
  handler: (req) => getEmbedExternalView(req.params, req.ctx, hydrationContext(req)),
})
