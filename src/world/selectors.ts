import { isValidHandle } from '@atproto/syntax'

/**
 * What a world is made of, as an operator names it on the command line:
 *
 *   did:plc:…                    one account
 *   alice.example.com            one account, by handle (resolved to its DID when added)
 *   at://did/app.bsky.graph.list/rkey
 *                                every account on that list, followed live
 *   follows:DID|handle           every account that account follows, followed live
 *   host:pds.example.com         every account hosted there (`*.example.com` for a domain)
 *   not-host:NAME                no account hosted there; alone it means "every host but NAME"
 *
 * `not-host:` is a word rather than a leading `-` or `!`, so it survives argument parsers and
 * shells unquoted.
 */
export type WorldSelector =
  | { kind: 'account'; did: string; handle?: string }
  | { kind: 'list'; uri: string; owner: string }
  | { kind: 'follows'; did: string; handle?: string }
  | { kind: 'host'; host: string; except: boolean }

/** A selector as parsed, before handles are resolved to DIDs. */
export type ParsedSelector =
  | WorldSelector
  | { kind: 'account-handle'; handle: string }
  | { kind: 'follows-handle'; handle: string }

const DID = /^did:(plc:[a-z2-7]{24}|web:[a-zA-Z0-9.%:-]+)$/
const LIST_URI = /^at:\/\/(did:[a-z]+:[a-zA-Z0-9._:%-]+)\/app\.bsky\.graph\.list\/([a-zA-Z0-9._~:-]{1,512})$/
/** A host name or `*.`-prefixed domain: letters, digits, dots and dashes, an optional port. */
const HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/

export type ParseResult = { ok: true; selector: ParsedSelector } | { ok: false; message: string }

export function parseSelector(input: string): ParseResult {
  const text = input.trim()
  if (text.startsWith('did:')) {
    return DID.test(text) ? { ok: true, selector: { kind: 'account', did: text } } : bad(`${JSON.stringify(text)} is not a did:plc or did:web DID`)
  }
  if (text.startsWith('at://')) {
    const m = LIST_URI.exec(text)
    if (!m || !DID.test(m[1]!)) return bad(`${JSON.stringify(text)} is not the AT URI of a list (at://DID/app.bsky.graph.list/RKEY)`)
    return { ok: true, selector: { kind: 'list', uri: text, owner: m[1]! } }
  }
  if (text.startsWith('follows:')) {
    const who = text.slice('follows:'.length)
    if (DID.test(who)) return { ok: true, selector: { kind: 'follows', did: who } }
    const handle = normalizeHandle(who)
    return handle ? { ok: true, selector: { kind: 'follows-handle', handle } } : bad(`follows: wants a DID or a handle, not ${JSON.stringify(who)}`)
  }
  for (const [prefix, except] of [['host:', false], ['not-host:', true]] as const) {
    if (!text.startsWith(prefix)) continue
    const host = text.slice(prefix.length).toLowerCase().replace(/^https?:\/\//, '').replace(/\/+$/, '')
    if (!HOST.test(host)) return bad(`${JSON.stringify(text)}: ${JSON.stringify(host)} is not a host name (e.g. pds.example.com or *.example.com)`)
    return { ok: true, selector: { kind: 'host', host, except } }
  }
  const handle = normalizeHandle(text)
  if (handle) return { ok: true, selector: { kind: 'account-handle', handle } }
  return bad(`${JSON.stringify(text)} is not a DID, handle, list URI, follows:…, host:… or not-host:…`)
}

/** Every input parsed, or the reasons some could not be (all of them at once). */
export function parseSelectors(inputs: string[]): { selectors: ParsedSelector[]; errors: string[] } {
  const selectors: ParsedSelector[] = []
  const errors: string[] = []
  for (const input of inputs) {
    const r = parseSelector(input)
    if (r.ok) selectors.push(r.selector)
    else errors.push(r.message)
  }
  return { selectors, errors }
}

function normalizeHandle(text: string): string | undefined {
  const handle = text.replace(/^@/, '').toLowerCase()
  return isValidHandle(handle) ? handle : undefined
}

function bad(message: string): ParseResult {
  return { ok: false, message }
}

/** One name per selector, the same whichever way it was written: what `remove` matches and `add` deduplicates by. */
export function selectorKey(s: WorldSelector): string {
  switch (s.kind) {
    case 'account':
      return s.did
    case 'list':
      return s.uri
    case 'follows':
      return `follows:${s.did}`
    case 'host':
      return `${s.except ? 'not-host' : 'host'}:${s.host}`
  }
}

/** How a selector reads to the operator (with the handle it was added by, when there was one). */
export function describeSelector(s: WorldSelector): string {
  const key = selectorKey(s)
  return 'handle' in s && s.handle ? `${key} (${s.handle})` : key
}

/**
 * Whether `host` (a PDS's host, lower-case, with its port when not the scheme's default) is named
 * by `pattern` (a host, or `*.domain`). A pattern without a port names the host on any port.
 */
export function hostMatches(pattern: string, host: string): boolean {
  const name = pattern.includes(':') ? host : host.replace(/:\d+$/, '')
  if (pattern.startsWith('*.')) {
    const domain = pattern.slice(1)
    return name.endsWith(domain) || name === pattern.slice(2)
  }
  return name === pattern
}

/**
 * Whether an account on `host` is in the world by the host selectors alone: named by an
 * including selector (or there are only excluding ones) and by no excluding one. False when
 * there are no host selectors at all.
 */
export function hostSelected(selectors: readonly WorldSelector[], host: string): boolean {
  const hosts = selectors.filter((s): s is Extract<WorldSelector, { kind: 'host' }> => s.kind === 'host')
  if (hosts.length === 0) return false
  if (hosts.some((s) => s.except && hostMatches(s.host, host))) return false
  const included = hosts.filter((s) => !s.except)
  return included.length === 0 || included.some((s) => hostMatches(s.host, host))
}
