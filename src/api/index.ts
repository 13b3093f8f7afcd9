import getProfile from '#/api/app/bsky/actor/getProfile.js'
import getProfiles from '#/api/app/bsky/actor/getProfiles.js'
import type { XrpcMethod } from '#/server/xrpc/method.js'

/**
 * Every XRPC method Magpie answers. A new method is one file under src/api/ at its NSID's path
 * (default-exporting `defineQuery(…)` or `defineProcedure(…)`) and one line here.
 */
export const methods: readonly XrpcMethod[] = [
  getProfile,
  getProfiles,
]
