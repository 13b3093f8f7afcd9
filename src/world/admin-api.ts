import type { Client } from '@opensearch-project/opensearch'
import { AuthRequiredError, InvalidRequestError } from '@atproto/xrpc-server'
import { adminTokenChecker } from '#/auth/admin-token.js'
import { addToWorld, describeWorld, removeFromWorld, setWorldPolicy, type AdminResult, type WorldSummary } from '#/world/admin.js'
import type { SelectorNetwork } from '#/world/resolve-selectors.js'

/** The world's operations for the admin XRPC methods (net.magpie.admin.*), behind the operator's token. */
export interface WorldAdmin {
  /** Throws a 401 unless `authorization` carries MAGPIE_ADMIN_TOKEN (and when none is configured). */
  authorize(authorization: string | string[] | undefined): void
  describe(): Promise<WorldSummary>
  update(change: { add?: string[]; remove?: string[]; policy?: { touching?: string; onRemove?: string; retentionDays?: string } }): Promise<WorldSummary>
}

export function createWorldAdmin(client: Client, prefix: string, token: string | undefined, net: SelectorNetwork): WorldAdmin {
  const check = adminTokenChecker(token)
  const refuse = (result: AdminResult<unknown>): void => {
    if (!result.ok) throw new InvalidRequestError(`nothing was changed: ${result.errors.join('; ')}`)
  }
  return {
    authorize(authorization) {
      const verdict = check(typeof authorization === 'string' ? authorization : undefined)
      if (verdict === 'admin') return
      if (verdict === 'not-configured') throw new AuthRequiredError('no admin token is configured on this AppView (MAGPIE_ADMIN_TOKEN)')
      throw new AuthRequiredError(verdict === 'anonymous' ? 'the admin token is required (Authorization: Bearer …)' : 'wrong admin token')
    },
    describe: () => describeWorld(client, prefix),
    async update(change) {
      // Checked in full before anything is written: each step below refuses as a whole.
      if (change.remove?.length) refuse(await removeFromWorld(client, prefix, change.remove))
      if (change.add?.length) refuse(await addToWorld(client, prefix, net, change.add))
      if (change.policy && Object.values(change.policy).some((v) => v !== undefined)) refuse(await setWorldPolicy(client, prefix, change.policy))
      return describeWorld(client, prefix)
    },
  }
}
