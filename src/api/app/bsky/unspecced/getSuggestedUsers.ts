import { ids } from '@atproto/api'
import { suggestedUsersQuery } from '#/api/app/bsky/unspecced/suggested-users.js'

/** Accounts to follow (suggested-users.ts). */
export default suggestedUsersQuery(ids.AppBskyUnspeccedGetSuggestedUsers)
