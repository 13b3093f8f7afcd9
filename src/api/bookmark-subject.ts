import { InvalidRequestError } from '@atproto/xrpc-server'
import type { ApiContext } from '#/api/context.js'
import { resolveUriHost } from '#/api/uris.js'
import { isPostUri } from '#/records/at-uri.js'

/** A bookmark's subject in its DID form; only posts can be bookmarked, as in the reference AppView. */
export async function bookmarkSubject(ctx: ApiContext, uri: string): Promise<string> {
  const resolved = await resolveUriHost(ctx, uri)
  if (!isPostUri(resolved)) throw new InvalidRequestError("Only 'app.bsky.feed.post' records can be bookmarked", 'UnsupportedCollection')
  return resolved
}
