import type { z } from 'zod'
import type { ApiContext } from '#/api/context.js'
import type { ServiceAuth } from '#/auth/service-auth.js'

/**
 * What one XRPC method declares: its NSID, its parameters (a zod schema mirroring the lexicon),
 * who may call it, and the handler. Each lives in its own file under src/api/, in folders that
 * mirror the NSID, and is listed once in src/api/index.ts.
 */

/**
 * - `none`: no viewer; any Authorization header is ignored.
 * - `optional`: anonymous callers are served; a token, when sent, must be valid.
 * - `required`: a valid service token is needed (401 AuthMissing otherwise).
 */
export type AuthMode = 'none' | 'optional' | 'required'

export interface XrpcRequest<P, I = undefined> {
  params: P
  /** The procedure's JSON body, validated (undefined for queries). */
  input: I
  /** The requesting account (the token's issuer), or null when anonymous or a service (see ServiceAuth.viewer). */
  viewer: string | null
  auth: ServiceAuth | null
  ctx: ApiContext
  /** Request headers, lower-cased names. */
  headers: Record<string, string | string[] | undefined>
  /** Extra response headers a handler wants sent (e.g. atproto-repo-rev). */
  responseHeaders: Map<string, string>
}

interface MethodBase<S extends z.ZodTypeAny> {
  nsid: string
  params: S
  auth: AuthMode
  /**
   * Which token `lxm` values this method accepts; default: exactly its own NSID. (getProfiles,
   * for instance, is also called by the chat service with chat.bsky.* tokens.)
   */
  acceptLxm?: (lxm: string | undefined) => boolean
  /**
   * Accept a token addressed to any service, not only this one; the handler must then check
   * `auth.aud` itself. (getFeed: a PDS addresses the token to the feed's generator, for
   * the AppView to pass on.)
   */
  anyAudience?: boolean
  /**
   * Costly for the index store whatever its page size (full-text search, aggregations): such
   * calls also spend from the callers' smaller buckets (RATE_LIMIT_*_EXPENSIVE_PER_MIN).
   */
  expensive?: boolean
}

export interface QueryMethod<S extends z.ZodTypeAny = z.ZodTypeAny, O = unknown> extends MethodBase<S> {
  type: 'query'
  handler(req: XrpcRequest<z.output<S>>): Promise<O>
}

export interface ProcedureMethod<S extends z.ZodTypeAny = z.ZodTypeAny, I extends z.ZodTypeAny = z.ZodTypeAny, O = unknown>
  extends MethodBase<S> {
  type: 'procedure'
  /** JSON input schema; absent for procedures that take no body. */
  input?: I
  /** Resolve with undefined for procedures without output. */
  handler(req: XrpcRequest<z.output<S>, z.output<I>>): Promise<O>
}

export type XrpcMethod = QueryMethod<any, any> | ProcedureMethod<any, any, any>

/** A query (GET). The output type is the lexicon's, e.g. `AppBskyActorGetProfile.OutputSchema`. */
export function defineQuery<S extends z.ZodTypeAny, O>(def: Omit<QueryMethod<S, O>, 'type'>): QueryMethod<S, O> {
  return { type: 'query', ...def }
}

/** A procedure (POST with a JSON body). */
export function defineProcedure<S extends z.ZodTypeAny, I extends z.ZodTypeAny, O>(
  def: Omit<ProcedureMethod<S, I, O>, 'type'>,
): ProcedureMethod<S, I, O> {
  return { type: 'procedure', ...def }
}
