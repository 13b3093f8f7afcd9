import Router from '@koa/router'
import {
  AuthRequiredError,
  InvalidRequestError,
  MethodNotImplementedError,
  ResponseType,
  XRPCError,
} from '@atproto/xrpc-server'
import type Koa from 'koa'
import getRawBody from 'raw-body'
import type { ApiContext } from '#/api/context.js'
import { bearerToken, type ServiceAuth, type ServiceAuthVerifier } from '#/auth/service-auth.js'
import { QueryRejectedError, StoreUnavailableError } from '#/dataplane/opensearch-reader.js'
import { clientIp } from '#/server/limits/client-ip.js'
import { GateFullError, type Gate } from '#/server/limits/gate.js'
import { rateLimitHeaders, retryAfterSeconds, type RateLimiter } from '#/server/limits/rate-limit.js'
import type { Logger } from '#/log.js'
import type { XrpcMethod, XrpcRequest } from '#/api/xrpc/method.js'
import { parseInput, parseParams, queryValues } from '#/api/xrpc/params.js'
import { xrpcRequests } from '#/metrics.js'

/**
 * The XRPC surface: `/xrpc/<nsid>` dispatched to the registered methods. Every failure becomes an
 * XRPC error body `{ error, message }` with its status; anything unforeseen is a 500 whose
 * details stay in the log.
 */

export interface XrpcServerOptions {
  methods: readonly XrpcMethod[]
  /** Methods deliberately not served, with why: the reason goes into their 501's message. */
  unsupported?: Readonly<Record<string, string>>
  ctx: ApiContext
  auth: ServiceAuthVerifier
  log: Logger
  /** Largest procedure body accepted. Default 1 MiB. */
  maxBodyBytes?: number
  /** Load bounds (src/server/limits/); absent: none. */
  limits?: XrpcLimits
}

export interface XrpcLimits {
  rateLimiter?: RateLimiter
  /** Requests doing work at once, and the queue in front of them. */
  gate?: Gate
  /** Peers whose X-Forwarded-For is believed (TRUSTED_PROXIES). */
  trustedProxies?: ReadonlySet<string>
}

const NO_PROXIES: ReadonlySet<string> = new Set()

function notImplemented(nsid: string, unsupported: Readonly<Record<string, string>> = {}): string {
  const reason = Object.hasOwn(unsupported, nsid) ? unsupported[nsid] : undefined
  return reason ? `Method not implemented: ${nsid} is not served by this AppView (${reason})` : `Method not implemented: ${nsid}`
}

export function createXrpcRouter(opts: XrpcServerOptions): Router {
  const byNsid = new Map<string, XrpcMethod>()
  for (const method of opts.methods) {
    if (byNsid.has(method.nsid)) throw new Error(`XRPC method ${method.nsid} is registered twice`)
    byNsid.set(method.nsid, method)
  }
  const log = opts.log.child({ component: 'xrpc' })
  const router = new Router()

  router.all('/xrpc/:nsid', async (ctx) => {
    const started = performance.now()
    const nsid = ctx.params.nsid ?? ''
    const method = byNsid.get(nsid)
    let viewer: string | null = null
    try {
      if (!method) throw new MethodNotImplementedError(notImplemented(nsid, opts.unsupported))
      const body = await dispatch(method, ctx, (v) => (viewer = v))
      ctx.status = 200
      if (body === undefined) {
        // A procedure without output: an empty 200, not koa's default "OK".
        ctx.body = ''
      } else {
        ctx.type = 'application/json; charset=utf-8'
        ctx.body = JSON.stringify(body)
      }
    } catch (err) {
      // OpenSearch refusing what a request asked for is the request's fault: a 400 saying why.
      // OpenSearch turning reads away under load: a 503 asking the client to come back, not a 500.
      const xrpcErr =
        err instanceof QueryRejectedError
          ? new InvalidRequestError(err.message)
          : err instanceof StoreUnavailableError
            ? new XRPCError(ResponseType.NotEnoughResources, err.publicMessage, 'ServiceUnavailable')
            : err instanceof GateFullError
              ? new XRPCError(ResponseType.NotEnoughResources, 'Magpie is overloaded; try again shortly', 'ServiceUnavailable')
              : XRPCError.fromError(err)
      if (err instanceof StoreUnavailableError || err instanceof GateFullError) {
        ctx.set('Retry-After', '1')
        log.warn({ nsid, viewer, reason: err.message }, err instanceof GateFullError ? 'overloaded: request turned away' : 'index store unavailable')
      }
      // A 502 is another service failing (a feed generator): worth a warning, not an error of ours.
      else if (xrpcErr.statusCode === 502) log.warn({ nsid, viewer, error: xrpcErr.error, message: xrpcErr.message }, 'upstream service failed')
      else if (xrpcErr.statusCode >= 500) log.error({ err, nsid, viewer }, 'xrpc method failed')
      ctx.status = xrpcErr.statusCode
      ctx.body = xrpcErr.payload
    }
    const ms = Math.round(performance.now() - started)
    xrpcRequests.labels(method ? nsid : 'unknown', String(ctx.status)).observe(ms / 1000)
    log.info({ nsid, status: ctx.status, ms, viewer }, 'xrpc')
  })

  async function dispatch(method: XrpcMethod, ctx: Koa.Context, onViewer: (did: string) => void): Promise<unknown> {
    const expected = method.type === 'query' ? 'GET' : 'POST'
    // HEAD is answered like GET (koa drops the body), as HTTP caches and probes expect.
    const httpMethod = ctx.method === 'HEAD' ? 'GET' : ctx.method
    if (httpMethod !== expected) {
      throw new InvalidRequestError(`Incorrect HTTP method (${ctx.method}) expected ${expected}`)
    }
    const params = parseParams(method.params, queryValues(ctx.URL.searchParams))
    const auth = await authenticate(method, ctx.get('authorization'))
    if (auth?.viewer) onViewer(auth.viewer)
    limitRate(method, ctx, auth)
    const input = method.type === 'procedure' && method.input ? parseInput(method.input, await readJson(ctx)) : undefined
    const req: XrpcRequest<unknown, unknown> = {
      params,
      input,
      viewer: auth?.viewer ?? null,
      auth,
      ctx: opts.ctx,
      headers: ctx.headers,
      responseHeaders: new Map(),
    }
    const work = () => method.handler(req as never)
    const body = await (opts.limits?.gate ? opts.limits.gate.run(work) : work())
    // What the handler answers in headers: atproto-repo-rev, the labelers its hydration applied
    // (atproto-content-labelers, set by api/hydration-context.ts), …
    for (const [name, value] of req.responseHeaders) ctx.set(name, value)
    return body
  }

  /** Spend the caller's points, answering RateLimit-* headers; a 429 with Retry-After when they are spent. */
  function limitRate(method: XrpcMethod, ctx: Koa.Context, auth: ServiceAuth | null): void {
    const limiter = opts.limits?.rateLimiter
    if (!limiter) return
    const ip = clientIp(ctx.req.socket.remoteAddress, ctx.headers['x-forwarded-for'], opts.limits?.trustedProxies ?? NO_PROXIES)
    const decision = limiter.take({ ip, account: auth?.iss ?? null }, method.expensive === true)
    if (!decision) return
    ctx.set(rateLimitHeaders(decision.status))
    if (decision.allowed) return
    ctx.set('Retry-After', retryAfterSeconds(decision.status))
    const { limit } = decision.status
    throw new XRPCError(ResponseType.RateLimitExceeded, `Rate limit exceeded (${limit} a minute); try again in ${retryAfterSeconds(decision.status)} s`, 'RateLimitExceeded')
  }

  async function authenticate(method: XrpcMethod, authorization: string): Promise<ServiceAuth | null> {
    if (method.auth === 'none') return null
    const jwt = bearerToken(authorization || undefined)
    if (!jwt) {
      if (method.auth === 'required') throw new AuthRequiredError('Authentication Required', 'AuthMissing')
      return null
    }
    const auth = await opts.auth.verify(jwt, { nsid: method.nsid, acceptLxm: method.acceptLxm, anyAudience: method.anyAudience })
    // No method here is meant for a service: one that needs an account refuses a service's token
    // (optional ones serve it as an anonymous caller, as the reference AppView finds no viewer state for it).
    if (method.auth === 'required' && !auth.viewer) {
      throw new AuthRequiredError(`a token issued by a service (${auth.iss}) cannot act as an account`, 'BadJwtIss')
    }
    return auth
  }

  async function readJson(ctx: Koa.Context): Promise<unknown> {
    if (!ctx.is('application/json')) throw new InvalidRequestError('Request body must be application/json')
    let text: string
    try {
      const length = ctx.get('content-length') || undefined
      text = await getRawBody(ctx.req, { limit: opts.maxBodyBytes ?? 1024 * 1024, length, encoding: 'utf8' })
    } catch (err) {
      // The rest of the body is still on the wire: this connection cannot carry another request.
      ctx.set('Connection', 'close')
      const status = (err as { status?: number }).status
      if (status === 413) throw new XRPCError(ResponseType.PayloadTooLarge, 'Request body too large')
      throw new InvalidRequestError('Could not read the request body')
    }
    try {
      return JSON.parse(text)
    } catch {
      throw new InvalidRequestError('Request body is not valid JSON')
    }
  }

  return router
}
