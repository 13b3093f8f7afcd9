import { ids } from '@atproto/api'
import { suggestedStarterPacksQuery } from '#/api/suggested-starter-packs.js'

/** Starter packs for onboarding: the same as for Explore (api/suggested-starter-packs.ts). */
export default suggestedStarterPacksQuery(ids.AppBskyUnspeccedGetOnboardingSuggestedStarterPacks)
