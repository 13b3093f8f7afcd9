import { ids } from '@atproto/api'
import { suggestedUsersQuery } from '#/api/suggested-users.js'

/** Accounts to follow for the Explore screen (api/suggested-users.ts). */
export default suggestedUsersQuery(ids.AppBskyUnspeccedGetSuggestedUsersForExplore)
