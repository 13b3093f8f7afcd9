import type { SafeFetch } from '#/identity/safe-fetch.js'

/** Pages asked for at most, of either listing: beyond that, the count is not cheap. */
const MAX_PAGES = 20
const PAGE_LIMIT = 1000

export interface HostedAccounts {
  count: number
  /** Where the figure came from, for the operator. */
  how: string
}

/**
 * How many accounts a relay or PDS hosts, if a few requests can tell: a relay's
 * `com.atproto.sync.listHosts` carries each PDS's account count (some thousands of hosts, a
 * few pages); a PDS, which has no such listing, is counted by `listRepos` while it fits in a
 * few pages. Undefined when neither answers within that budget — the caller then speaks in
 * per-billion-records figures. Never throws: this only informs a message.
 */
export async function countHostedAccounts(fetch: SafeFetch, origin: string, timeoutMs = 5_000): Promise<HostedAccounts | undefined> {
  const deadline = Date.now() + timeoutMs
  const fromHosts = await sumPages(fetch, origin, 'com.atproto.sync.listHosts', deadline, (body) => {
    const hosts = (body as { hosts?: unknown }).hosts
    if (!Array.isArray(hosts)) return undefined
    let n = 0
    for (const h of hosts as { accountCount?: unknown; status?: unknown }[]) {
      if (typeof h?.accountCount === 'number' && Number.isFinite(h.accountCount) && h.accountCount > 0 && (h.status === undefined || h.status === 'active')) n += h.accountCount
    }
    return { n, items: hosts.length }
  })
  if (fromHosts !== undefined && fromHosts > 0) return { count: fromHosts, how: 'summed over its hosts, com.atproto.sync.listHosts' }
  const fromRepos = await sumPages(fetch, origin, 'com.atproto.sync.listRepos', deadline, (body) => {
    const repos = (body as { repos?: unknown }).repos
    return Array.isArray(repos) ? { n: repos.length, items: repos.length } : undefined
  })
  return fromRepos !== undefined ? { count: fromRepos, how: 'com.atproto.sync.listRepos' } : undefined
}

async function sumPages(
  fetch: SafeFetch,
  origin: string,
  nsid: string,
  deadline: number,
  read: (body: unknown) => { n: number; items: number } | undefined,
): Promise<number | undefined> {
  let total = 0
  let cursor: string | undefined
  for (let page = 0; page < MAX_PAGES; page++) {
    const left = deadline - Date.now()
    if (left <= 0) return undefined
    const url = new URL(`/xrpc/${nsid}`, origin)
    url.searchParams.set('limit', String(PAGE_LIMIT))
    if (cursor) url.searchParams.set('cursor', cursor)
    let body: unknown
    try {
      const res = await fetch(url, { throwOnError: true, timeoutMs: left, maxBytes: 16 * 1024 * 1024 })
      body = res.json()
    } catch {
      return undefined
    }
    const got = body && typeof body === 'object' ? read(body) : undefined
    if (!got) return undefined
    total += got.n
    const next = (body as { cursor?: unknown }).cursor
    if (typeof next !== 'string' || next === cursor || got.items === 0) return total
    cursor = next
  }
  return undefined
}
