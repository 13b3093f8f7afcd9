import type { Client } from '@opensearch-project/opensearch'
import { createApiContext } from '#/api/context.js'
import { methods } from '#/api/index.js'
import { unsupported } from '#/api/unsupported.js'
import { createServiceAuthVerifier, signingKeysFromIdentity } from '#/auth/service-auth.js'
import type { ServiceSigner } from '#/auth/service-signing.js'
import type { Config } from '#/config/env.js'
import type { Logger } from '#/log.js'
import { normalizeIp } from '#/server/limits/client-ip.js'
import { createGate } from '#/server/limits/gate.js'
import { createRateLimiter } from '#/server/limits/rate-limit.js'
import type { XrpcServerOptions } from '#/server/xrpc/server.js'

export interface ReadApi {
  xrpc: XrpcServerOptions
  close(): Promise<void>
}

/** The XRPC surface of the read API: its methods and their context (api/context.ts), token verification and load limits. */
export function createReadApi(config: Config, client: Client, log: Logger, signer: ServiceSigner, opts: { now?: () => number } = {}): ReadApi {
  const gate = createGate({ maxInFlight: config.MAX_IN_FLIGHT, maxQueued: config.MAX_QUEUED, maxWaitMs: config.MAX_QUEUE_WAIT_MS })
  const api = createApiContext({ config, client, log, signer, waitOutside: gate.outside, now: opts.now })
  const rateLimiter = createRateLimiter({
    anonPerMinute: config.RATE_LIMIT_ANON_PER_MIN,
    anonExpensivePerMinute: config.RATE_LIMIT_ANON_EXPENSIVE_PER_MIN,
    accountPerMinute: config.RATE_LIMIT_ACCOUNT_PER_MIN,
    accountExpensivePerMinute: config.RATE_LIMIT_ACCOUNT_EXPENSIVE_PER_MIN,
    limitLoopback: config.RATE_LIMIT_LOOPBACK,
  })
  const auth = createServiceAuthVerifier({ serviceDid: signer.iss, signingKey: signingKeysFromIdentity(api.ctx.identity) })
  return {
    xrpc: {
      methods,
      unsupported,
      auth,
      log,
      limits: { gate, rateLimiter, trustedProxies: new Set(config.TRUSTED_PROXIES.map(normalizeIp)) },
      ctx: api.ctx,
    },
    close: api.close,
  }
}
