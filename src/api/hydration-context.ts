import type { XrpcRequest } from '#/api/xrpc/method.js'
import { formatLabelerHeader } from '#/hydration/accepted-labelers.js'
import type { HydrateCtx } from '#/hydration/state.js'

/**
 * A request's hydration context: its viewer (the caller unless the method says otherwise) and
 * the labelers its atproto-accept-labelers header asks for. Those that apply are answered in
 * atproto-content-labelers, so only a method that hydrates views claims to apply labelers. (An
 * empty header asks for none but the moderation service; an absent one, for the defaults.)
 */
export function hydrationContext(req: XrpcRequest<unknown, unknown>, viewer: string | null = req.viewer): HydrateCtx {
  const accept = req.headers['atproto-accept-labelers']
  const hydrateCtx = req.ctx.hydrator.createContext({ viewer, labelerHeader: Array.isArray(accept) ? accept.join(',') : accept })
  req.responseHeaders.set('atproto-content-labelers', formatLabelerHeader(hydrateCtx.labelers))
  return hydrateCtx
}
