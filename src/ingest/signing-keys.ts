import PQueue from 'p-queue'
import type { SigningKeySource } from '#/ingest/commit-verifier.js'
import type { SharedCache } from '#/store/shared-cache.js'

const SIGNING_KEY_TTL_SEC = 6 * 3600

export interface DidKeyResolver {
  resolveDid(did: string, opts?: { forceRefresh?: boolean }): Promise<{ signingKey?: string } | null>
}

/**
 * DID → signing key, kept apart from the DID-document cache: a key is a few dozen bytes, so far
 * more accounts fit, it is shared through Redis when REDIS_URL is set, and a commit from a
 * recently seen account never waits on the PLC. A key that fails a signature is re-resolved
 * (forceRefresh), which also replaces it here.
 *
 * Resolutions run at most `concurrency` at once: live ingest asks for the keys of the commits
 * queued behind the one it handles (its look-ahead), so that a first-seen DID's PLC round trip
 * overlaps with other work instead of stalling the stream, without flooding the PLC.
 */
export function signingKeyCache(resolver: DidKeyResolver, cache: SharedCache, opts: { concurrency?: number } = {}): SigningKeySource {
  const resolutions = new PQueue({ concurrency: opts.concurrency ?? 32 })
  return {
    async signingKey(did, lookup) {
      if (!lookup?.forceRefresh) {
        const cached = await cache.get(did)
        if (cached) return cached
      }
      // The resolver shares one request among concurrent callers for the same DID.
      const key = await resolutions.add(async () => (await resolver.resolveDid(did, lookup))?.signingKey, { throwOnTimeout: true })
      if (key) await cache.set(did, key, SIGNING_KEY_TTL_SEC)
      else await cache.delete(did)
      return key
    },
  }
}
