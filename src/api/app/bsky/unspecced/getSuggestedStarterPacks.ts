import { ids } from '@atproto/api'
import { suggestedStarterPacksQuery } from '#/api/app/bsky/unspecced/suggested-starter-packs.js'

/** Starter packs for the Explore screen (suggested-starter-packs.ts). */
export default suggestedStarterPacksQuery(ids.AppBskyUnspeccedGetSuggestedStarterPacks)
