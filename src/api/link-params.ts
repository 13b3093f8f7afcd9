import { InvalidRequestError } from '@atproto/xrpc-server'
import type { ApiContext } from '#/api/context.js'
import { resolveUriHost } from '#/api/uris.js'
import { LinkPatternTooLong } from '#/dataplane/backlinks.js'
import type { HydrationState } from '#/hydration/state.js'
import { linkKind, MAX_PATH_LENGTH, MAX_SUBJECT_LENGTH } from '#/indexing/links.js'
import { actorIsNotHosted, viewerBlockExists } from '#/rules/actors.js'
import { param } from '#/api/xrpc/params.js'

/** What the net.magpie.links methods share: their subject and path parameters, and who is hidden. */

/** An AT URI, a DID or an http(s) URL, as the indexer takes links (indexing/links.ts). */
export const linkSubjectParam = () =>
  param.string({ maxLength: MAX_SUBJECT_LENGTH }).refine((v) => linkKind(v) !== undefined, 'must be an AT URI, a DID, or an http(s) URL')

/** A path as links are stored under: `.key`, `[]` steps. */
export const linkPathParam = () =>
  param.string({ maxLength: MAX_PATH_LENGTH }).refine((v) => v.startsWith('.'), 'must be a path starting with a dot, e.g. .subject.uri')

/** Links name records by DID; an AT URI given with a handle is read as the DID it resolves to. */
export function resolveLinkSubject(ctx: ApiContext, subject: string): Promise<string> {
  return subject.startsWith('at://') ? resolveUriHost(ctx, subject) : Promise.resolve(subject)
}

/** A linking account whose records are not shown: unknown, taken down, deactivated, or with a block either way with the viewer. */
export function accountContentHidden(did: string, state: HydrationState): boolean {
  return !state.actors?.get(did) || actorIsNotHosted(did, state) || viewerBlockExists(did, state)
}

/** A pattern OpenSearch would refuse for its length is the caller's to shorten: a 400. */
export async function refusingLongPatterns<T>(read: Promise<T>): Promise<T> {
  try {
    return await read
  } catch (err) {
    if (err instanceof LinkPatternTooLong) throw new InvalidRequestError(err.message)
    throw err
  }
}
