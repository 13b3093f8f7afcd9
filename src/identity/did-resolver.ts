import { didDocument, getDidKeyFromMultibase, getHandle, getPds, type DidDocument } from '@atproto/identity'
import { getSigningKey } from '@atproto/common-web'
import { LRUCache } from 'lru-cache'
import type { Logger } from '#/log.js'
import { countCacheLookup } from '#/metrics.js'
import { OutboundRequestError, type SafeFetch } from '#/identity/safe-fetch.js'

/**
 * did:plc and did:web resolution with a bounded cache.
 *
 * PLC lives at an operator-chosen URL and is trusted (it may be loopback in the
 * demo network); did:web hosts come from the network and go through the
 * address-checked fetch.
 */

export interface ResolvedDid {
  did: string
  didDoc: DidDocument
  /** The handle the document claims (first `at://` alias), lower-cased; not yet verified. */
  claimedHandle?: string
  /** The `#atproto_pds` service endpoint. */
  pds?: string
  /** The `#atproto` verification method as a `did:key:…`. */
  signingKey?: string
}

export interface ResolveDidOptions {
  /** Skip the cache (e.g. a signature failed with the cached key), at most once a second per DID. */
  forceRefresh?: boolean
  /**
   * The document is known to have changed at this time (ms since the epoch; an #identity
   * event's time): any copy fetched before it is stale, however recent.
   */
  changedAt?: number
}

export interface DidResolver {
  resolve(did: string, opts?: ResolveDidOptions): Promise<ResolvedDid | null>
  /** Drop a cached entry so the next resolve fetches. */
  invalidate(did: string): void
}

export interface DidResolverOptions {
  plcUrl: string
  /** Fetch for did:web hosts: address-checked unless the network is private. */
  webFetch: SafeFetch
  /** Fetch for the PLC directory: time- and size-bounded, no address checks. */
  plcFetch: SafeFetch
  /** Permits did:web with an explicit port, served over plain http (test networks only). */
  allowPrivateNetwork: boolean
  log: Logger
  /** A resolved document is reused this long. Default 1 h. */
  ttlMs?: number
  /** An unknown/invalid DID, or a failed lookup, is remembered this long. Default 60 s. */
  negativeTtlMs?: number
  /** When a refresh fails, a previously good document may still be served until this old. Default 24 h. */
  maxStaleMs?: number
  /** Forced refreshes of one DID closer together than this reuse the last answer. Default 1 s. */
  minRefreshIntervalMs?: number
  maxEntries?: number
}

interface Entry {
  value: ResolvedDid | null
  fetchedAt: number
  expiresAt: number
}

/** Outcome of one fetch: a document, a definite "no such DID", or a failure worth retrying later. */
type FetchOutcome = { kind: 'found'; value: ResolvedDid } | { kind: 'absent'; why: string } | { kind: 'failed'; why: string }

const PLC_DID = /^did:plc:[a-z2-7]{24}$/
// atproto only uses host-level did:web (no paths); a port is percent-encoded.
const WEB_DID = /^did:web:([a-zA-Z0-9.-]+)(?:%3[aA]([0-9]{1,5}))?$/

export function createDidResolver(opts: DidResolverOptions): DidResolver {
  const ttlMs = opts.ttlMs ?? 60 * 60_000
  const negativeTtlMs = opts.negativeTtlMs ?? 60_000
  const maxStaleMs = opts.maxStaleMs ?? 24 * 60 * 60_000
  const minRefreshIntervalMs = opts.minRefreshIntervalMs ?? 1_000
  const plcBase = opts.plcUrl.replace(/\/+$/, '')
  const log = opts.log
  const cache = new LRUCache<string, Entry>({ max: opts.maxEntries ?? 50_000 })
  const inFlight = new Map<string, Promise<ResolvedDid | null>>()

  async function fetchDoc(did: string): Promise<FetchOutcome> {
    if (PLC_DID.test(did)) return fetchFrom(did, opts.plcFetch, `${plcBase}/${did}`)
    const web = WEB_DID.exec(did)
    if (web) {
      const host = web[1]!.toLowerCase()
      const port = web[2]
      if (port !== undefined) {
        if (!opts.allowPrivateNetwork) return { kind: 'absent', why: 'did:web with a port is only allowed on a private network' }
        return fetchFrom(did, opts.webFetch, `http://${host}:${port}/.well-known/did.json`)
      }
      return fetchFrom(did, opts.webFetch, `https://${host}/.well-known/did.json`)
    }
    return { kind: 'absent', why: 'unsupported or malformed DID' }
  }

  async function fetchFrom(did: string, fetch: SafeFetch, url: string): Promise<FetchOutcome> {
    let body: unknown
    try {
      const res = await fetch(url, { headers: { accept: 'application/did+ld+json, application/json' } })
      // PLC answers 404 for unknown DIDs and 410 for tombstoned ones; either way there is no identity.
      if (res.status === 404 || res.status === 410) return { kind: 'absent', why: `status ${res.status}` }
      if (!res.ok) return { kind: 'failed', why: `status ${res.status}` }
      body = res.json()
    } catch (err) {
      if (err instanceof OutboundRequestError) {
        // A refused address will not become acceptable by retrying soon.
        if (err.reason === 'blocked-address') return { kind: 'absent', why: err.message }
        return { kind: 'failed', why: `${err.reason}: ${err.message}` }
      }
      if (err instanceof SyntaxError) return { kind: 'absent', why: 'document is not JSON' }
      return { kind: 'failed', why: String(err) }
    }
    const parsed = parseDidDoc(did, body)
    if (typeof parsed === 'string') return { kind: 'absent', why: parsed }
    return { kind: 'found', value: parsed }
  }

  async function refresh(did: string, previous: Entry | undefined): Promise<ResolvedDid | null> {
    const outcome = await fetchDoc(did)
    const now = Date.now()
    if (outcome.kind === 'found') {
      cache.set(did, { value: outcome.value, fetchedAt: now, expiresAt: now + ttlMs })
      return outcome.value
    }
    log.debug({ did, reason: outcome.why, outcome: outcome.kind }, 'did resolution gave no document')
    // A transient failure should not erase an identity we already knew.
    if (outcome.kind === 'failed' && previous?.value && now - previous.fetchedAt < maxStaleMs) {
      cache.set(did, { ...previous, expiresAt: now + negativeTtlMs })
      return previous.value
    }
    cache.set(did, { value: null, fetchedAt: now, expiresAt: now + negativeTtlMs })
    return null
  }

  return {
    async resolve(did, resolveOpts = {}) {
      const entry = cache.get(did)
      const now = Date.now()
      const fresh =
        entry !== undefined &&
        (resolveOpts.changedAt !== undefined
          ? entry.fetchedAt > resolveOpts.changedAt
          : resolveOpts.forceRefresh
            ? now - entry.fetchedAt < minRefreshIntervalMs
            : now < entry.expiresAt)
      countCacheLookup('did_documents', fresh)
      if (fresh) return entry.value
      // Concurrent callers for one DID share a single fetch.
      let pending = inFlight.get(did)
      if (!pending) {
        pending = refresh(did, entry).finally(() => inFlight.delete(did))
        inFlight.set(did, pending)
      }
      return pending
    },
    invalidate(did) {
      cache.delete(did)
    },
  }
}

/** Validate a fetched document for `did`; a string return says why it was rejected. */
export function parseDidDoc(did: string, body: unknown): ResolvedDid | string {
  const result = didDocument.safeParse(body)
  if (!result.success) return 'document does not have the shape of a DID document'
  const doc = result.data
  if (doc.id !== did) return `document id ${JSON.stringify(doc.id).slice(0, 200)} does not match`
  return {
    did,
    didDoc: doc,
    claimedHandle: getHandle(doc)?.toLowerCase(),
    pds: getPds(doc),
    signingKey: signingDidKey(doc),
  }
}

/** The `#atproto` key as a did:key, whichever of the Multikey or legacy 2019 encodings the document uses. */
export function signingDidKey(doc: DidDocument): string | undefined {
  const material = getSigningKey(doc)
  if (!material) return undefined
  try {
    return getDidKeyFromMultibase(material)
  } catch {
    // An unparseable key is the same as no key: nothing signed by it can be verified.
    return undefined
  }
}
