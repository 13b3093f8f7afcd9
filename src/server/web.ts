import { readFile } from 'node:fs/promises'
import path from 'node:path'
import Router from '@koa/router'
import type { Client } from '@opensearch-project/opensearch'
import { PROJECT_ROOT } from '#/config/project-root.js'
import { adminTokenChecker } from '#/auth/admin-token.js'
import { createStatusReader } from '#/server/service-status.js'

// The page's files are not TypeScript, so they stay in the source tree when the code is compiled.
const WEB_DIR = path.join(PROJECT_ROOT, 'src/server/web')

/**
 * The search page's script runs only from this origin and draws with DOM calls, so the policy can
 * forbid inline and foreign scripts outright. Inline styles stay (one <style> block, SVG bar
 * attributes); avatars come from whatever image CDN is configured.
 */
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  'img-src * data:',
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ')

const FILES: Record<string, { file: string; type: string }> = {
  '/search': { file: 'search.html', type: 'text/html; charset=utf-8' },
  '/search.js': { file: 'search.js', type: 'text/javascript; charset=utf-8' },
}

export interface WebRouterOptions {
  /** MAGPIE_ADMIN_TOKEN: the full /status for whoever sends it as a bearer token. */
  adminToken?: string
  /** How long /status reuses the cluster's figures, in ms. */
  statusCacheMs?: number
}

/** GET /search (a static page and its script, no build step) and GET /status (JSON it polls). */
export function createWebRouter(client: Client, indexPrefix: string, opts: WebRouterOptions = {}): Router {
  const router = new Router()
  const cache = new Map<string, string>()
  for (const [route, { file, type }] of Object.entries(FILES)) {
    router.get(route, async (ctx) => {
      let body = cache.get(file)
      if (body === undefined) {
        body = await readFile(path.join(WEB_DIR, file), 'utf8')
        cache.set(file, body)
      }
      ctx.type = type
      ctx.set('content-security-policy', PAGE_CSP)
      ctx.set('x-content-type-options', 'nosniff')
      ctx.body = body
    })
  }
  const readStatus = createStatusReader(client, indexPrefix, { cacheMs: opts.statusCacheMs })
  const checkAdmin = adminTokenChecker(opts.adminToken)
  router.get('/status', async (ctx) => {
    ctx.set('cache-control', 'no-store')
    const check = checkAdmin(ctx.get('authorization') || undefined)
    if (check === 'not-configured') {
      ctx.status = 403
      ctx.body = { error: 'AdminUnavailable', message: 'status details are not available: no admin token is configured (MAGPIE_ADMIN_TOKEN)' }
      return
    }
    if (check === 'wrong-token') {
      ctx.status = 401
      ctx.set('www-authenticate', 'Bearer')
      ctx.body = { error: 'AuthenticationRequired', message: 'wrong admin token' }
      return
    }
    ctx.body = await readStatus({ admin: check === 'admin' })
  })
  return router
}
