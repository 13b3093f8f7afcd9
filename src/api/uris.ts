import { AuthRequiredError, InvalidRequestError } from '@atproto/xrpc-server'
import { AtUri } from '@atproto/syntax'
import type { ApiContext } from '#/api/context.js'

/**
 * An AT URI with its authority as a DID: a handle there is resolved (records are stored and
 * referred to by DID). An unknown handle leaves the URI as it was, which then finds nothing.
 */
export async function resolveUriHost(ctx: ApiContext, uri: string): Promise<string> {
  const parsed = new AtUri(uri)
  if (parsed.host.startsWith('did:')) return uri
  const [did] = await ctx.hydrator.resolveActors([parsed.host])
  if (!did) return uri
  parsed.host = did as typeof parsed.host
  return parsed.toString()
}

/** A URI of a record in `collection`, resolved to its DID form, or InvalidRequest naming what was expected. */
export async function recordUriIn(ctx: ApiContext, uri: string, collection: string, what: string): Promise<string> {
  const resolved = await resolveUriHost(ctx, uri)
  const parsed = new AtUri(resolved)
  if (parsed.collection !== collection || !parsed.rkey) throw new InvalidRequestError(`${what} must be an AT URI of a ${collection} record`)
  return resolved
}

/** The authenticated requester of a method whose auth is `required`. */
export function requester(viewer: string | null): string {
  if (!viewer) throw new AuthRequiredError('Authentication Required', 'AuthMissing')
  return viewer
}
