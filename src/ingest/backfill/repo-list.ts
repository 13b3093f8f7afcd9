import type { SafeFetch } from '#/identity/safe-fetch.js'
import type { Logger } from '#/log.js'

/** A repo as a listing announces it. */
export interface ListedRepo {
  did: string
  rev?: string
  head?: string
  /** False when the host lists the account as deactivated, taken down… */
  active: boolean
  status?: string
  /** The host that listed it (a PDS or relay), as an http(s) origin. */
  host: string
}

const PAGE_SIZE = 1000
const MAX_ATTEMPTS = 6

/**
 * Every repo a relay or PDS hosts, page by page (com.atproto.sync.listRepos). Transient
 * failures are retried with backoff; a host that keeps failing ends its listing with an
 * error, which the caller logs without stopping other hosts.
 */
export async function* listRepos(fetch: SafeFetch, host: string, log: Logger, signal?: AbortSignal): AsyncGenerator<ListedRepo[]> {
  let cursor: string | undefined
  for (;;) {
    const url = new URL('/xrpc/com.atproto.sync.listRepos', host)
    url.searchParams.set('limit', String(PAGE_SIZE))
    if (cursor) url.searchParams.set('cursor', cursor)
    const page = await withRetries(() => fetchPage(fetch, url), log, host, signal)
    const repos: ListedRepo[] = []
    for (const r of page.repos) {
      if (typeof r?.did !== 'string' || !r.did.startsWith('did:')) continue
      repos.push({
        did: r.did,
        rev: typeof r.rev === 'string' ? r.rev : undefined,
        head: typeof r.head === 'string' ? r.head : undefined,
        active: r.active !== false,
        status: typeof r.status === 'string' ? r.status : undefined,
        host,
      })
    }
    if (repos.length > 0) yield repos
    // An unchanged cursor would loop forever on a misbehaving host.
    if (!page.cursor || page.cursor === cursor || page.repos.length === 0) return
    cursor = page.cursor
  }
}

interface Page {
  cursor?: string
  repos: { did?: unknown; rev?: unknown; head?: unknown; active?: unknown; status?: unknown }[]
}

async function fetchPage(fetch: SafeFetch, url: URL): Promise<Page> {
  const res = await fetch(url, { throwOnError: true, timeoutMs: 30_000, maxBytes: 16 * 1024 * 1024 })
  const body = res.json() as Partial<Page>
  if (!body || !Array.isArray(body.repos)) throw new Error(`${url.origin} listRepos answered without a repos array`)
  return { cursor: typeof body.cursor === 'string' ? body.cursor : undefined, repos: body.repos }
}

async function withRetries<T>(fn: () => Promise<T>, log: Logger, host: string, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || signal?.aborted) throw err
      const waitMs = Math.min(30_000, 500 * 2 ** attempt)
      log.warn({ host, attempt, waitMs, err: err instanceof Error ? err.message : String(err) }, 'listRepos failed; retrying')
      await new Promise((r) => setTimeout(r, waitMs))
    }
  }
}

/** Relays are usually configured by their websocket URL; listing and fetching speak HTTP. */
export function httpOrigin(url: string): string {
  const u = new URL(url)
  if (u.protocol === 'wss:') u.protocol = 'https:'
  else if (u.protocol === 'ws:') u.protocol = 'http:'
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`${url} is not an http(s) or ws(s) URL`)
  return u.origin
}
