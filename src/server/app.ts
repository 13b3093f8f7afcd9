import http from 'node:http'
import cors from '@koa/cors'
import Router from '@koa/router'
import Koa from 'koa'
import type { Client } from '@opensearch-project/opensearch'
import type { Logger } from '#/log.js'
import { answerClientErrors } from '#/server/client-errors.js'
import { listenOn } from '#/server/listen.js'
import { registry } from '#/metrics.js'
import { clusterHealth } from '#/store/cluster-health.js'
import { createWebRouter } from '#/server/web.js'
import { createXrpcRouter, type XrpcServerOptions } from '#/server/xrpc/server.js'

export interface ServerDeps {
  client: Client
  log: Logger
  serviceDid: string
  /** Public base URL of this service: the AppView and feed generator endpoints in the DID document. */
  publicUrl: string
  /** INDEX_PREFIX, for the status endpoint's per-family counts. */
  indexPrefix: string
  /** The service's public key (did:key), published as its `#atproto` verification method. */
  signingKey: string
  /** The XRPC methods and what they need (see createReadApi). */
  xrpc: XrpcServerOptions
  /** MAGPIE_ADMIN_TOKEN: the full /status for whoever sends it. */
  adminToken?: string
}

/** Browsers call AppViews from any origin; preflights are cached for a day (as Bluesky's AppView does). */
const CORS_MAX_AGE_SEC = 86_400

/** Response headers a web client's script may read: labelers applied, repo rev, and rate limits (as the reference services expose them). */
const EXPOSED_HEADERS = [
  'atproto-content-labelers',
  'atproto-repo-rev',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'RateLimit-Policy',
  'Retry-After',
]

/** The HTTP surface: XRPC methods, the service DID document, health, metrics, the search page and its status feed. */
export function createApp(deps: ServerDeps): Koa {
  const app = new Koa()
  const router = new Router()

  router.get('/_health', async (ctx) => {
    // Up while OpenSearch answers, whatever its colour: on red only the reads of the shards
    // without a copy fail (each with a reason), and taking every Magpie out of a load balancer
    // for that would fail the rest too. The colour is there for monitoring.
    const cluster = await clusterHealth(deps.client).catch(() => undefined)
    ctx.status = cluster ? 200 : 503
    ctx.body = { version: process.env.npm_package_version ?? '0.1.0', opensearch: cluster ? 'ok' : 'unreachable', ...(cluster ? { cluster } : {}) }
  })

  router.get('/.well-known/did.json', (ctx) => {
    ctx.body = {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: deps.serviceDid,
      // Feed generators check the tokens Magpie signs against this key.
      verificationMethod: [
        {
          id: `${deps.serviceDid}#atproto`,
          type: 'Multikey',
          controller: deps.serviceDid,
          publicKeyMultibase: deps.signingKey.slice('did:key:'.length),
        },
      ],
      service: [
        { id: '#bsky_appview', type: 'BskyAppView', serviceEndpoint: deps.publicUrl },
        { id: '#bsky_fg', type: 'BskyFeedGenerator', serviceEndpoint: deps.publicUrl },
      ],
    }
  })

  router.get('/metrics', async (ctx) => {
    ctx.type = registry.contentType
    ctx.body = await registry.metrics()
  })

  const xrpc = createXrpcRouter(deps.xrpc)

  app.use(cors({ maxAge: CORS_MAX_AGE_SEC, exposeHeaders: EXPOSED_HEADERS }))
  app.use(async (ctx, next) => {
    const started = performance.now()
    try {
      await next()
    } catch (err) {
      deps.log.error({ err, path: ctx.path }, 'request failed')
      ctx.status = 500
      ctx.body = { error: 'InternalServerError', message: 'Internal Server Error' }
    }
    deps.log.debug({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) }, 'request')
  })
  app.use(xrpc.routes())
  app.use(router.routes()).use(router.allowedMethods())
  const web = createWebRouter(deps.client, deps.indexPrefix, { adminToken: deps.adminToken })
  app.use(web.routes()).use(web.allowedMethods())
  return app
}

export async function listen(app: Koa, port: number, host: string): Promise<http.Server> {
  const server = http.createServer(app.callback())
  answerClientErrors(server)
  await listenOn(server, port, host)
  return server
}
