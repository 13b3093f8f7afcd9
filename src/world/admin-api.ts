import type { Client } from '@opensearch-project/opensearch'
import { AuthRequiredError, InvalidRequestError } from '@atproto/xrpc-server'
import { adminTokenChecker } from '#/auth/admin-token.js'
import { changeWorld, describeWorld, type WorldChange, type WorldSummary } from '#/world/admin.js'
import type { SelectorNetwork } from '#/world/resolve-selectors.js'

/** The world's operations for the admin XRPC methods (net.magpie.admin.*), behind the operator's token. */
export interface WorldAdmin {
  /** Throws a 401 unless `authorization` carries MAGPIE_ADMIN_TOKEN (and when none is configured). */
  authorize(authorization: string | string[] | undefined): void
  describe(): Promise<WorldSummary>
  /** Removals, additions and policy as one change: a bad part refuses it all (a 400 with every reason). */
  update(change: WorldChange): Promise<WorldSummary>
}

export function createWorldAdmin(client: Client, prefix: string, token: string | undefined, net: SelectorNetwork): WorldAdmin {
  const check = adminTokenChecker(token)
  return {
    authorize(authorization) {
      const verdict = check(typeof authorization === 'string' ? authorization : undefined)
      if (verdict === 'admin') return
      if (verdict === 'not-configured') throw new AuthRequiredError('no admin token is configured on this AppView (MAGPIE_ADMIN_TOKEN)')
      throw new AuthRequiredError(verdict === 'anonymous' ? 'the admin token is required (Authorization: Bearer …)' : 'wrong admin token')
    },
    describe: () => describeWorld(client, prefix),
    async update(change) {
      const result = await changeWorld(client, prefix, net, change)
      if (!result.ok) throw new InvalidRequestError(`nothing was changed: ${result.errors.join('; ')}`)
      return describeWorld(client, prefix)
    },
  }
}
