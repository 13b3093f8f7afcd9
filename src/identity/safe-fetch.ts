import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import type { IncomingHttpHeaders } from 'node:http'
import type { Socket } from 'node:net'
import { Agent, buildConnector, request } from 'undici'
import { isForbiddenAddress, parseIp } from '#/identity/address-policy.js'

/**
 * Outbound HTTP for URLs that arrive from the network (did:web hosts, handle
 * domains, PDS endpoints, feed generators). Every request is bounded in time
 * and size, and — unless `allowPrivateNetwork` — may only reach public
 * addresses. The check runs on the address actually resolved and connected to,
 * so a name that resolves (or re-resolves) to 127.0.0.1 is refused as well.
 */

export type OutboundFailure = 'blocked-address' | 'timeout' | 'too-large' | 'http-status' | 'network'

export class OutboundRequestError extends Error {
  override name = 'OutboundRequestError'
  constructor(
    readonly reason: OutboundFailure,
    message: string,
    /** The response status, for 'http-status'. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export interface SafeFetchOptions {
  /** Skip the address checks (tests, the local demo network, operator-configured services). */
  allowPrivateNetwork?: boolean
  /** Whole request budget: connect, headers and body. Default 5 s. */
  timeoutMs?: number
  /** Largest response body accepted. Default 1 MiB. */
  maxBytes?: number
  /**
   * Redirects followed (each hop re-checked against the address policy; credentials are dropped
   * on a hop to another origin); 0 makes any 3xx an 'http-status' failure. Default 3.
   */
  maxRedirects?: number
  userAgent?: string
}

export interface SafeFetchInit {
  method?: 'GET' | 'POST' | 'HEAD'
  headers?: Record<string, string>
  body?: string | Uint8Array
  /** Turn a non-2xx final status into an OutboundRequestError('http-status'). */
  throwOnError?: boolean
  timeoutMs?: number
  maxBytes?: number
}

/** A response whose body was read in full (within the limits) before it was returned. */
export interface SafeResponse {
  status: number
  ok: boolean
  /** The URL that answered, after redirects. */
  url: string
  headers: IncomingHttpHeaders
  header(name: string): string | undefined
  bytes(): Uint8Array
  text(): string
  /** Throws a SyntaxError when the body is not JSON. */
  json(): unknown
}

export interface SafeFetch {
  (url: string | URL, init?: SafeFetchInit): Promise<SafeResponse>
  /** Close pooled connections, once the requests in flight have finished. */
  close(): Promise<void>
  /** Close now: requests in flight fail at once (their caller is shutting down). */
  destroy(): Promise<void>
}

const DEFAULT_TIMEOUT_MS = 5_000
const DEFAULT_MAX_BYTES = 1024 * 1024
const DEFAULT_MAX_REDIRECTS = 3

class BlockedAddressError extends Error {
  override name = 'BlockedAddressError'
}

export function createSafeFetch(opts: SafeFetchOptions = {}): SafeFetch {
  const allowPrivate = opts.allowPrivateNetwork ?? false
  const defaultTimeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const defaultMaxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES
  const maxRedirects = opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS
  const userAgent = opts.userAgent ?? 'magpie-appview'

  const dispatcher = new Agent({
    connect: allowPrivate
      ? { timeout: defaultTimeout }
      : guardedConnector(buildConnector({ timeout: defaultTimeout, lookup: guardedLookup })),
    headersTimeout: defaultTimeout,
    bodyTimeout: defaultTimeout,
  })

  const safeFetch = async (input: string | URL, init: SafeFetchInit = {}): Promise<SafeResponse> => {
    const timeoutMs = init.timeoutMs ?? defaultTimeout
    const maxBytes = init.maxBytes ?? defaultMaxBytes
    const method = init.method ?? 'GET'
    let url = toUrl(input)
    let headers: Record<string, string> = { 'user-agent': userAgent, ...init.headers }
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), timeoutMs)
    try {
      for (let hop = 0; ; hop++) {
        checkUrl(url, allowPrivate)
        const res = await request(url, {
          dispatcher,
          method,
          headers,
          body: init.body ?? null,
          signal: controller.signal,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        })
        const location = headerValue(res.headers, 'location')
        if (res.statusCode >= 300 && res.statusCode < 400 && res.statusCode !== 304) {
          discard(res.body)
          // Re-sending a body to wherever a redirect points is not something callers expect.
          if (!location || hop >= maxRedirects || (method !== 'GET' && method !== 'HEAD')) {
            throw new OutboundRequestError('http-status', `redirect not followed from ${url.origin}`, res.statusCode)
          }
          const next = toUrl(location, url)
          if (url.protocol === 'https:' && next.protocol !== 'https:') {
            throw new OutboundRequestError('http-status', `redirect from ${url.origin} downgrades to ${next.protocol}`, res.statusCode)
          }
          // A token minted for one service is for it alone: another origin gets the request without it.
          if (next.origin !== url.origin) headers = withoutCredentials(headers)
          url = next
          continue
        }
        const declared = Number(headerValue(res.headers, 'content-length'))
        if (Number.isFinite(declared) && declared > maxBytes) {
          discard(res.body)
          throw new OutboundRequestError('too-large', `response from ${url.origin} declares ${declared} bytes`)
        }
        const body = await readLimited(res.body, maxBytes, url)
        if (init.throwOnError && (res.statusCode < 200 || res.statusCode >= 300)) {
          throw new OutboundRequestError('http-status', `${url.origin} answered ${res.statusCode}`, res.statusCode)
        }
        return toResponse(res.statusCode, url, res.headers, body)
      }
    } catch (err) {
      throw classify(err, url, controller.signal.aborted, timeoutMs)
    } finally {
      clearTimeout(timer)
    }
  }

  return Object.assign(safeFetch, { close: () => dispatcher.close(), destroy: () => dispatcher.destroy() })
}

/** Headers that carry credentials (compared case-insensitively, as HTTP names are). */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie'])

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())))
}

function toUrl(input: string | URL, base?: URL): URL {
  try {
    return new URL(input, base)
  } catch (err) {
    throw new OutboundRequestError('blocked-address', `not a URL: ${String(input).slice(0, 200)}`, undefined, { cause: err })
  }
}

/** Schemes, credentials and literal IP hosts are checked before any connection is attempted. */
function checkUrl(url: URL, allowPrivate: boolean): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundRequestError('blocked-address', `scheme ${url.protocol} not allowed`)
  }
  if (url.username || url.password) {
    throw new OutboundRequestError('blocked-address', 'credentials in URL not allowed')
  }
  // Literal IPs never go through DNS lookup, so the lookup hook would not see them.
  if (!allowPrivate && parseIp(url.hostname) && isForbiddenAddress(url.hostname)) {
    throw new OutboundRequestError('blocked-address', `address ${url.hostname} not allowed`)
  }
}

/** A `dns.lookup` replacement that drops forbidden addresses, failing when none remain. */
function guardedLookup(
  hostname: string,
  options: LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '')
    const allowed = addresses.filter((a) => !isForbiddenAddress(a.address))
    const first = allowed[0]
    if (!first) {
      const seen = addresses.map((a) => a.address).join(', ')
      return callback(new BlockedAddressError(`${hostname} resolves only to disallowed addresses (${seen})`), '')
    }
    if (options.all) callback(null, allowed)
    else callback(null, first.address, first.family)
  })
}

/** Belt and braces: refuse a socket whose peer turned out to be a forbidden address however it was reached. */
function guardedConnector(connect: buildConnector.connector): buildConnector.connector {
  return (options, callback) => {
    connect(options, (err, socket) => {
      if (err || !socket) return callback(err ?? new Error('no socket'), null)
      const peer = (socket as Socket).remoteAddress
      if (!peer || isForbiddenAddress(peer)) {
        socket.destroy()
        return callback(new BlockedAddressError(`connected peer ${peer ?? '(unknown)'} not allowed`), null)
      }
      callback(null, socket)
    })
  }
}

type Body = AsyncIterable<Buffer> & { on(event: 'error', fn: () => void): unknown; destroy(): void }

async function readLimited(body: Body, maxBytes: number, url: URL): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.length
    if (size > maxBytes) {
      discard(body)
      throw new OutboundRequestError('too-large', `response from ${url.origin} exceeds ${maxBytes} bytes`)
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, size)
}

/** Drop a body we will not read; undici reports that as an 'error' event, which must not go unheard. */
function discard(body: Body): void {
  body.on('error', () => {})
  body.destroy()
}

function toResponse(status: number, url: URL, headers: IncomingHttpHeaders, body: Buffer): SafeResponse {
  return {
    status,
    ok: status >= 200 && status < 300,
    url: url.href,
    headers,
    header: (name) => headerValue(headers, name),
    bytes: () => body,
    text: () => body.toString('utf8'),
    json: () => JSON.parse(body.toString('utf8')) as unknown,
  }
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()]
  return Array.isArray(v) ? v[0] : v
}

function classify(err: unknown, url: URL, aborted: boolean, timeoutMs: number): OutboundRequestError {
  if (err instanceof OutboundRequestError) return err
  const blocked = findCause(err, (e) => e instanceof BlockedAddressError)
  if (blocked instanceof Error) {
    return new OutboundRequestError('blocked-address', blocked.message, undefined, { cause: err })
  }
  const timedOut =
    aborted ||
    findCause(err, (e) => {
      const code = (e as { code?: unknown }).code
      return code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT'
    })
  if (timedOut) {
    return new OutboundRequestError('timeout', `${url.origin} did not answer within ${timeoutMs} ms`, undefined, { cause: err })
  }
  const detail = err instanceof Error ? err.message : String(err)
  return new OutboundRequestError('network', `request to ${url.origin} failed: ${detail}`, undefined, { cause: err })
}

/** Search an error, its causes and (for AggregateError) its members. */
function findCause(err: unknown, test: (e: unknown) => boolean, depth = 0): unknown {
  if (err == null || depth > 8) return undefined
  if (test(err)) return err
  if (err instanceof AggregateError) {
    for (const e of err.errors) {
      const found = findCause(e, test, depth + 1)
      if (found) return found
    }
  }
  return err instanceof Error ? findCause(err.cause, test, depth + 1) : undefined
}
