import { ids } from '@atproto/api'
import { suggestedStarterPacksQuery } from '#/api/suggested-starter-packs.js'

/** Starter packs for the Explore screen (api/suggested-starter-packs.ts). */
export default suggestedStarterPacksQuery(ids.AppBskyUnspeccedGetSuggestedStarterPacks)
