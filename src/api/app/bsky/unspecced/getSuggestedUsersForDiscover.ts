import { ids } from '@atproto/api'
import { suggestedUsersQuery } from '#/api/suggested-users.js'

/** Accounts to follow for the home timeline's Discover interstitial (api/suggested-users.ts). */
export default suggestedUsersQuery(ids.AppBskyUnspeccedGetSuggestedUsersForDiscover)
