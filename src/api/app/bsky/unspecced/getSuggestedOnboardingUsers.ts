import { ids } from '@atproto/api'
import { suggestedUsersQuery } from '#/api/suggested-users.js'

/** Accounts to follow for onboarding: for a new account, the most followed lately (api/suggested-users.ts). */
export default suggestedUsersQuery(ids.AppBskyUnspeccedGetSuggestedOnboardingUsers)
