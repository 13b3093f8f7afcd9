import { ids } from '@atproto/api'
import { suggestedUsersQuery } from '#/api/app/bsky/unspecced/suggested-users.js'

/** Accounts to follow for the home timeline's Discover interstitial (suggested-users.ts). */
export default suggestedUsersQuery(ids.AppBskyUnspeccedGetSuggestedUsersForDiscover)
