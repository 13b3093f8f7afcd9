import { AppBskyEmbedExternal, ids, type AppBskyUnspeccedGetConfig } from '@atproto/api'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { pipeline } from '#/api/pipeline.js'
import { LIVE_STATUS } from '#/dataplane/live-statuses.js'
import { actorIsNotHosted } from '#/rules/actors.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { MAX_DURATION_MS, statusView } from '#/views/index.js'

const params = z.object({})

/** `topicsEnabled` is a field the app reads that the lexicon does not name (the reference AppView sends it too). */
type Config = AppBskyUnspeccedGetConfig.OutputSchema & { topicsEnabled: boolean }

/**
 * The app's runtime configuration, read at start and on every focus. Email confirmation is the
 * PDS's business, so the app is not told to check it. Topics are on: Magpie computes trending
 * topics itself. `liveNow` names the accounts live now (a "live" status whose duration has not
 * run out, of an account that is shown), each with the domain its status links to.
 */
const getConfig = pipeline<Record<string, never>, { dids: string[] }, Config>({
  skeleton: async ({ ctx }) => ({ dids: await ctx.dataplane.getRecentlyLive(MAX_DURATION_MS) }),
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateProfiles(skeleton.dids, hydrateCtx),
  rules: ({ skeleton, state }) => ({
    dids: skeleton.dids.filter((did) => {
      if (actorIsNotHosted(did, state)) return false
      const status = statusView(did, state)
      return status?.status === LIVE_STATUS && status.isActive !== false
    }),
  }),
  present: ({ skeleton, state }) => ({
    checkEmailConfirmed: false,
    topicsEnabled: true,
    liveNow: skeleton.dids.map((did) => {
      const embed = statusView(did, state)?.embed
      return { did, domains: AppBskyEmbedExternal.isView(embed) ? linkDomains(embed.external.uri) : [] }
    }),
  }),
})

function linkDomains(uri: string): string[] {
  try {
    const { hostname } = new URL(uri)
    return hostname ? [hostname] : []
  } catch {
    return []
  }
}

export default defineQuery({
  nsid: ids.AppBskyUnspeccedGetConfig,
  params,
  auth: 'optional',
  // The same for everyone: who is live is public, and no viewer changes it.
  handler: (req) => getConfig(req.params, req.ctx, hydrationContext(req, null)),
})
