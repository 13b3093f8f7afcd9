import type { SafeFetch } from '#/identity/safe-fetch.js'
import { parseSelectors, selectorKey, type ParsedSelector, type WorldSelector } from '#/world/selectors.js'

/** What checking a selector against the network needs (the identity resolver and an outbound fetch). */
export interface SelectorNetwork {
  resolveHandle(handle: string): Promise<string | null>
  resolveDid(did: string): Promise<{ pds?: string; claimedHandle?: string } | null>
  fetch: SafeFetch
}

export type Resolved = { ok: true; selectors: WorldSelector[] } | { ok: false; errors: string[] }

/**
 * Turns what an operator typed into selectors the world can store, checking each against the
 * network: a handle must resolve, a DID must have a document, a list must exist on its owner's
 * PDS. All or nothing: one bad selector refuses the whole change, with every reason at once.
 */
export async function resolveSelectors(inputs: string[], net: SelectorNetwork): Promise<Resolved> {
  const { selectors: parsed, errors } = parseSelectors(inputs)
  const selectors: WorldSelector[] = []
  for (const s of parsed) {
    try {
      switch (s.kind) {
        case 'account-handle':
        case 'follows-handle': {
          const did = await net.resolveHandle(s.handle)
          if (!did) errors.push(`the handle ${s.handle} does not resolve to an account`)
          else selectors.push(s.kind === 'account-handle' ? { kind: 'account', did, handle: s.handle } : { kind: 'follows', did, handle: s.handle })
          break
        }
        case 'account':
        case 'follows': {
          const doc = await net.resolveDid(s.did)
          if (!doc) errors.push(`${s.did} has no DID document: no such account`)
          else selectors.push({ ...s, ...(doc.claimedHandle ? { handle: doc.claimedHandle } : {}) })
          break
        }
        case 'list': {
          const problem = await checkList(s.uri, s.owner, net)
          if (problem) errors.push(problem)
          else selectors.push(s)
          break
        }
        case 'host':
          selectors.push(s)
          break
      }
    } catch (err) {
      errors.push(`${describeParsed(s)}: could not be checked (${err instanceof Error ? err.message : String(err)})`)
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, selectors }
}

/** Why a list cannot be part of the world (undefined: it exists). Asked of the owner's PDS, the list's authority. */
async function checkList(uri: string, owner: string, net: SelectorNetwork): Promise<string | undefined> {
  const doc = await net.resolveDid(owner)
  if (!doc?.pds) return `the owner of ${uri} has no DID document or PDS`
  const rkey = uri.slice(uri.lastIndexOf('/') + 1)
  const url = new URL('/xrpc/com.atproto.repo.getRecord', doc.pds)
  url.searchParams.set('repo', owner)
  url.searchParams.set('collection', 'app.bsky.graph.list')
  url.searchParams.set('rkey', rkey)
  const res = await net.fetch(url, { timeoutMs: 10_000, maxBytes: 1024 * 1024 })
  if (res.status === 400 || res.status === 404) return `no list at ${uri}`
  if (!res.ok) return `the owner's PDS answered ${res.status} for ${uri}`
  return undefined
}

function describeParsed(s: ParsedSelector): string {
  return s.kind === 'account-handle' ? s.handle : s.kind === 'follows-handle' ? `follows:${s.handle}` : selectorKey(s)
}
