import { ids } from '@atproto/api'
import { suggestedUsersQuery } from '#/api/suggested-users.js'

/** Accounts to follow for "see more" (api/suggested-users.ts). */
export default suggestedUsersQuery(ids.AppBskyUnspeccedGetSuggestedUsersForSeeMore)
