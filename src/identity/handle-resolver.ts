import { Resolver } from 'node:dns/promises'
import { isValidDid, isValidHandle, isValidTld, normalizeHandle } from '@atproto/syntax'
import { LRUCache } from 'lru-cache'
import type { Logger } from '#/log.js'
import { countCacheLookup } from '#/metrics.js'
import { OutboundRequestError, type SafeFetch } from '#/identity/safe-fetch.js'

/**
 * Handle → DID, by the atproto methods in order: DNS TXT `_atproto.<handle>`,
 * then `https://<handle>/.well-known/atproto-did`, then (when the operator
 * configured one) a trusted XRPC service's `com.atproto.identity.resolveHandle`.
 * The answer is not verified here: the DID document must also claim the handle.
 */

export interface ResolveHandleOptions {
  forceRefresh?: boolean
}

export interface HandleResolver {
  /** The DID the handle points at, or null (invalid handle, nothing found, or lookups failed). */
  resolve(handle: string, opts?: ResolveHandleOptions): Promise<string | null>
  /** Cancel DNS lookups in flight (their answers are no longer wanted). */
  close(): void
}

export interface HandleResolverOptions {
  /** Fetch for handle domains: address-checked unless the network is private. */
  webFetch: SafeFetch
  /** Fetch for the operator's XRPC resolver: bounded, no address checks. */
  trustedFetch: SafeFetch
  /** Base URL of a service answering com.atproto.identity.resolveHandle. */
  handleResolverUrl?: string
  /** Budget for the DNS lookup. Default 3 s. */
  dnsTimeoutMs?: number
  /** Which methods to try, in order (default all three). Tests and the demo use only 'xrpc'. */
  methods?: HandleResolutionMethod[]
  /** Nameservers to ask instead of the system's. */
  dnsServers?: string[]
  log: Logger
  /** A found DID is reused this long. Default 10 min. */
  ttlMs?: number
  /** "Nothing found" is remembered this long. Default 60 s. */
  negativeTtlMs?: number
  /** When every method fails transiently, a previous answer may be served until this old. Default 24 h. */
  maxStaleMs?: number
  maxEntries?: number
}

export type HandleResolutionMethod = 'dns' | 'https' | 'xrpc'

interface Entry {
  did: string | null
  fetchedAt: number
  expiresAt: number
}

/** One method's answer: a DID, a definite "not here", or a failure that may pass. */
type Step = { did: string } | { absent: string } | { failed: string }

const WELL_KNOWN_MAX_BYTES = 8 * 1024

export function createHandleResolver(opts: HandleResolverOptions): HandleResolver {
  const dnsTimeoutMs = opts.dnsTimeoutMs ?? 3_000
  const ttlMs = opts.ttlMs ?? 10 * 60_000
  const negativeTtlMs = opts.negativeTtlMs ?? 60_000
  const maxStaleMs = opts.maxStaleMs ?? 24 * 60 * 60_000
  const xrpcBase = opts.handleResolverUrl?.replace(/\/+$/, '')
  const log = opts.log
  // Two tries inside the budget: one lost UDP packet should not decide the answer.
  const dns = new Resolver({ timeout: Math.max(1, Math.ceil(dnsTimeoutMs / 2)), tries: 2 })
  if (opts.dnsServers?.length) dns.setServers(opts.dnsServers)
  const cache = new LRUCache<string, Entry>({ max: opts.maxEntries ?? 50_000 })
  const inFlight = new Map<string, Promise<string | null>>()

  async function viaDns(handle: string): Promise<Step> {
    let records: string[][]
    try {
      records = await dns.resolveTxt(`_atproto.${handle}`)
    } catch (err) {
      const code = (err as { code?: string }).code
      if (code === 'ENOTFOUND' || code === 'ENODATA') return { absent: `dns ${code}` }
      return { failed: `dns ${code ?? String(err)}` }
    }
    const dids = new Set(
      records
        .map((chunks) => chunks.join(''))
        .filter((txt) => txt.startsWith('did='))
        .map((txt) => txt.slice('did='.length).trim()),
    )
    // Conflicting records mean the owner's intent is unclear; trust none of them.
    if (dids.size !== 1) return { absent: dids.size ? 'dns: conflicting did= records' : 'dns: no did= record' }
    const [did] = dids
    return did && isValidDid(did) ? { did } : { absent: 'dns: malformed did' }
  }

  async function viaWellKnown(handle: string): Promise<Step> {
    try {
      const res = await opts.webFetch(`https://${handle}/.well-known/atproto-did`, {
        headers: { accept: 'text/plain' },
        maxBytes: WELL_KNOWN_MAX_BYTES,
      })
      if (!res.ok) return { absent: `well-known status ${res.status}` }
      const did = res.text().split('\n')[0]?.trim() ?? ''
      return isValidDid(did) ? { did } : { absent: 'well-known: not a did' }
    } catch (err) {
      return stepFailure('well-known', err)
    }
  }

  async function viaXrpc(handle: string): Promise<Step> {
    if (!xrpcBase) return { absent: 'no xrpc resolver configured' }
    try {
      const url = `${xrpcBase}/xrpc/com.atproto.identity.resolveHandle?handle=${encodeURIComponent(handle)}`
      const res = await opts.trustedFetch(url, { headers: { accept: 'application/json' } })
      // The service answers 400 HandleNotFound for handles it does not know.
      if (res.status === 400 || res.status === 404) return { absent: `xrpc status ${res.status}` }
      if (!res.ok) return { failed: `xrpc status ${res.status}` }
      const did = (res.json() as { did?: unknown } | null)?.did
      return typeof did === 'string' && isValidDid(did) ? { did } : { absent: 'xrpc: no did in answer' }
    } catch (err) {
      return stepFailure('xrpc', err)
    }
  }

  const methods = opts.methods ?? ['dns', 'https', 'xrpc']
  const byName = { dns: viaDns, https: viaWellKnown, xrpc: viaXrpc }

  /**
   * Every method's answer, in the configured order of preference. DNS and HTTPS ask the handle's
   * own domain, so they are asked together (a slow one does not add its time to the other's);
   * the operator's XRPC service is a fallback, asked only when they found nothing.
   */
  async function* steps(handle: string): AsyncGenerator<Step> {
    const early = new Map<HandleResolutionMethod, Promise<Step>>(methods.filter((m) => m !== 'xrpc').map((m) => [m, byName[m](handle)]))
    for (const m of methods) yield await (early.get(m) ?? byName[m](handle))
  }

  async function refresh(handle: string, previous: Entry | undefined): Promise<string | null> {
    const reasons: string[] = []
    let transient = false
    for await (const step of steps(handle)) {
      if ('did' in step) {
        const now = Date.now()
        cache.set(handle, { did: step.did, fetchedAt: now, expiresAt: now + ttlMs })
        return step.did
      }
      if ('failed' in step) transient = true
      reasons.push('failed' in step ? step.failed : step.absent)
    }
    log.debug({ handle, reasons }, 'handle did not resolve')
    const now = Date.now()
    if (transient && previous?.did && now - previous.fetchedAt < maxStaleMs) {
      cache.set(handle, { ...previous, expiresAt: now + negativeTtlMs })
      return previous.did
    }
    cache.set(handle, { did: null, fetchedAt: now, expiresAt: now + negativeTtlMs })
    return null
  }

  return {
    async resolve(input, resolveOpts = {}) {
      const handle = normalizeHandle(input)
      if (!isValidHandle(handle) || !isValidTld(handle)) {
        log.debug({ handle: input.slice(0, 300) }, 'not a resolvable handle')
        return null
      }
      const entry = cache.get(handle)
      const fresh = entry !== undefined && !resolveOpts.forceRefresh && Date.now() < entry.expiresAt
      countCacheLookup('handles', fresh)
      if (fresh) return entry.did
      let pending = inFlight.get(handle)
      if (!pending) {
        pending = refresh(handle, entry).finally(() => inFlight.delete(handle))
        inFlight.set(handle, pending)
      }
      return pending
    },
    close() {
      dns.cancel()
    },
  }
}

function stepFailure(method: string, err: unknown): Step {
  if (err instanceof OutboundRequestError) {
    const why = `${method} ${err.reason}: ${err.message}`
    // A refused address or an oversized answer will not change by asking again soon.
    return err.reason === 'blocked-address' || err.reason === 'too-large' ? { absent: why } : { failed: why }
  }
  if (err instanceof SyntaxError) return { absent: `${method}: answer is not JSON` }
  return { failed: `${method}: ${String(err)}` }
}
