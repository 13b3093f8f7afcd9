import { ids } from '@atproto/api'
import { suggestedStarterPacksQuery } from '#/api/app/bsky/unspecced/suggested-starter-packs.js'

/** Starter packs for onboarding: the same as for Explore (suggested-starter-packs.ts). */
export default suggestedStarterPacksQuery(ids.AppBskyUnspeccedGetOnboardingSuggestedStarterPacks)
