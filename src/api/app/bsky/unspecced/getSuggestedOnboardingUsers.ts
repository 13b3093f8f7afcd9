import { ids } from '@atproto/api'
import { suggestedUsersQuery } from '#/api/app/bsky/unspecced/suggested-users.js'

/** Accounts to follow for onboarding: for a new account, the most followed lately (suggested-users.ts). */
export default suggestedUsersQuery(ids.AppBskyUnspeccedGetSuggestedOnboardingUsers)
