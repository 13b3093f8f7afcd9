import type { Server } from 'node:http'
import Koa from 'koa'
import { pino } from 'pino'
import type { ApiContext } from '#/api/context.js'
import type { ServiceAuthVerifier } from '#/auth/service-auth.js'
import { listenOn } from '#/server/listen.js'
import type { XrpcMethod } from '#/api/xrpc/method.js'
import { createXrpcRouter, type XrpcServerOptions } from '#/server/xrpc/server.js'

/** For routers whose tests send no tokens: any token is a test bug. */
export const noAuth: ServiceAuthVerifier = {
  verify: async () => {
    throw new Error('no tokens in this test')
  },
}

/** The XRPC router alone on a loopback port, with the given methods and no read path behind them (`opts`: its other settings). */
export async function serveMethods(
  methods: readonly XrpcMethod[],
  app = new Koa(),
  opts: Partial<Pick<XrpcServerOptions, 'auth' | 'limits' | 'unsupported'>> = {},
): Promise<{ server: Server; base: string }> {
  app.use(createXrpcRouter({ methods, ctx: {} as ApiContext, auth: noAuth, log: pino({ level: 'silent' }), ...opts }).routes())
  const server = (await import('node:http')).createServer(app.callback())
  return { server, base: `http://127.0.0.1:${await listenOn(server, 0, '127.0.0.1')}` }
}
