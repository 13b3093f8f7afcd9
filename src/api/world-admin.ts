import { AuthRequiredError } from '@atproto/xrpc-server'
import type { ApiContext } from '#/api/context.js'
import type { WorldAdmin } from '#/world/admin-api.js'

/** The world admin of this server; a server built without one (tests of other parts) refuses like one without a token. */
export function adminOf(ctx: ApiContext): WorldAdmin {
  if (!ctx.worldAdmin) throw new AuthRequiredError('no admin token is configured on this AppView (MAGPIE_ADMIN_TOKEN)')
  return ctx.worldAdmin
}
