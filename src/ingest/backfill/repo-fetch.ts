import { OutboundRequestError, type SafeFetch, type SafeResponse } from '#/identity/safe-fetch.js'

export type FetchFailureKind =
  /** Worth retrying soon: timeouts, lost connections, 5xx, 429. */
  | 'transient'
  /** The host says the repo is not to be served (deactivated, taken down, suspended, not found). */
  | 'unavailable'
  /** Will not get better by retrying now (refused address, oversized, unexpected 4xx). */
  | 'failed'

export type RepoFetchResult =
  | { ok: true; car: Uint8Array }
  | {
      ok: false
      kind: FetchFailureKind
      reason: string
      /** For `unavailable`: the account status the host reported (deactivated, takendown…). */
      accountStatus?: string
      /** For 429s: how long the host asked us to wait. */
      retryAfterMs?: number
    }

/** XRPC errors com.atproto.sync.getRepo defines, and the account status each means. */
const UNAVAILABLE: Record<string, string> = {
  RepoNotFound: 'deleted',
  RepoDeactivated: 'deactivated',
  RepoTakendown: 'takendown',
  RepoSuspended: 'suspended',
}

const MAX_RETRY_AFTER_MS = 10 * 60_000

/** Fetches a whole repo as a CAR (com.atproto.sync.getRepo) and says plainly why when it cannot. */
export async function fetchRepoCar(fetch: SafeFetch, pds: string, did: string, opts: { timeoutMs: number; maxBytes: number }): Promise<RepoFetchResult> {
  const url = new URL('/xrpc/com.atproto.sync.getRepo', pds)
  url.searchParams.set('did', did)
  let res: SafeResponse
  try {
    res = await fetch(url, { timeoutMs: opts.timeoutMs, maxBytes: opts.maxBytes, headers: { accept: 'application/vnd.ipld.car' } })
  } catch (err) {
    if (err instanceof OutboundRequestError) {
      const kind = err.reason === 'timeout' || err.reason === 'network' ? 'transient' : 'failed'
      return { ok: false, kind, reason: `${err.reason}: ${err.message}` }
    }
    return { ok: false, kind: 'transient', reason: err instanceof Error ? err.message : String(err) }
  }
  if (res.status === 200) return { ok: true, car: res.bytes() }
  const xrpcError = errorName(res)
  const detail = `${url.origin} answered ${res.status}${xrpcError ? ` ${xrpcError}` : ''}`
  if (res.status === 429) return { ok: false, kind: 'transient', reason: detail, retryAfterMs: retryAfterMs(res.header('retry-after')) }
  if (res.status >= 500) return { ok: false, kind: 'transient', reason: detail }
  if (xrpcError && xrpcError in UNAVAILABLE) return { ok: false, kind: 'unavailable', reason: detail, accountStatus: UNAVAILABLE[xrpcError] }
  if (res.status === 404) return { ok: false, kind: 'unavailable', reason: detail, accountStatus: 'deleted' }
  return { ok: false, kind: 'failed', reason: detail }
}

function errorName(res: SafeResponse): string | undefined {
  try {
    const body = res.json() as { error?: unknown }
    return typeof body?.error === 'string' ? body.error.slice(0, 100) : undefined
  } catch {
    return undefined
  }
}

/** Retry-After in seconds or as an HTTP date; capped, so a hostile host cannot park us forever. */
export function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined
  const seconds = Number(value)
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now()
  if (!Number.isFinite(ms)) return undefined
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms))
}
