import type { AgeAssurancePolicy } from '#/api/app/bsky/ageassurance/policy.js'
import type { DataPlane } from '#/dataplane/index.js'
import type { BuiltinFeeds } from '#/feeds/builtin.js'
import type { RemoteFeeds } from '#/feeds/remote.js'
import type { Hydrator } from '#/hydration/hydrator.js'
import type { IdentityResolver } from '#/identity/identity-resolver.js'
import type { Logger } from '#/log.js'
import type { WorldAdmin } from '#/world/admin-api.js'

/** What every XRPC handler is given: storage behind the data plane, hydration, and the service's identity. */
export interface ApiContext {
  dataplane: DataPlane
  hydrator: Hydrator
  log: Logger
  /** This AppView's DID (the audience of the service tokens it accepts). */
  serviceDid: string
  /** DID documents of services records point at (e.g. a feed generator's), resolved and cached. */
  identity: Pick<IdentityResolver, 'resolveDid'>
  /** Feeds Magpie generates itself, and the client for feed generators elsewhere. */
  feeds: { builtin: BuiltinFeeds; remote: RemoteFeeds }
  /** What this AppView allows accounts (their drafts) and asks of them (age assurance). */
  accounts: { draftsLimit: number; ageAssurance: AgeAssurancePolicy }
  /** The small world's admin operations (net.magpie.admin.*), behind MAGPIE_ADMIN_TOKEN. */
  worldAdmin?: WorldAdmin
}
