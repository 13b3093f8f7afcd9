import type { Params, ParityCase } from './cases.js'
import type { Answer } from './normalize.js'
import type { AccountName, PrivateAction } from './scenario.js'

/**
 * How the parity suite talks to an AppView: plain HTTP, so both AppViews get byte-for-byte the
 * same requests, with a service-auth token minted by the viewer's PDS for that AppView's DID.
 */

export type Tokens = (viewer: AccountName, aud: string, lxm: string) => Promise<string>

/** Service-auth tokens live 60 s: one is reused for 30 s per viewer, audience and method. */
export function tokenCache(mint: Tokens): Tokens {
  const tokens = new Map<string, { token: Promise<string>; at: number }>()
  return (viewer, aud, lxm) => {
    const key = `${viewer} ${aud} ${lxm}`
    const cached = tokens.get(key)
    if (cached && Date.now() - cached.at < 30_000) return cached.token
    const fresh = mint(viewer, aud, lxm)
    tokens.set(key, { token: fresh, at: Date.now() })
    return fresh
  }
}

export interface AppView {
  /** http://host:port of the XRPC server. */
  base: string
  /** The DID viewer tokens are minted for. */
  aud: string
}

export async function query(
  appview: AppView,
  tokens: Tokens,
  nsid: string,
  params: Params,
  viewer: AccountName | null,
): Promise<Answer> {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) for (const v of [value].flat()) search.append(key, String(v))
  const headers: Record<string, string> = viewer ? { authorization: `Bearer ${await tokens(viewer, appview.aud, nsid)}` } : {}
  const res = await fetch(`${appview.base}/xrpc/${nsid}?${search}`, { headers })
  return { status: res.status, body: await readBody(res) }
}

/** A case's answer; a paged case follows this AppView's own cursors and answers `{ pages }`. */
export async function ask(appview: AppView, tokens: Tokens, c: ParityCase, params: Params): Promise<Answer> {
  if (!c.pages) return query(appview, tokens, c.nsid, params, c.viewer)
  const pages: unknown[] = []
  let cursor: string | undefined
  for (let i = 0; i < c.pages; i++) {
    const answer = await query(appview, tokens, c.nsid, cursor ? { ...params, cursor } : params, c.viewer)
    if (answer.status !== 200) return answer
    pages.push(answer.body)
    cursor = (answer.body as { cursor?: string }).cursor
    if (!cursor) break
  }
  return { status: 200, body: { pages } }
}

export async function procedure(appview: AppView, tokens: Tokens, action: PrivateAction): Promise<Answer> {
  const res = await fetch(`${appview.base}/xrpc/${action.nsid}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokens(action.viewer, appview.aud, action.nsid)}` },
    body: JSON.stringify(action.input),
  })
  return { status: res.status, body: await readBody(res) }
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text()
  try {
    return text ? JSON.parse(text) : null
  } catch {
    return text
  }
}

export function errorName(answer: Answer): string | undefined {
  const e = (answer.body as { error?: unknown } | null)?.error
  return typeof e === 'string' ? e : undefined
}

export function errorMessage(answer: Answer): string | undefined {
  const m = (answer.body as { message?: unknown } | null)?.message
  return answer.status !== 200 && typeof m === 'string' ? m : undefined
}
