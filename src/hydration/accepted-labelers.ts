import { isValidDid } from '@atproto/syntax'
import { parseList } from 'structured-headers'

/**
 * Which labelers' labels a request sees. A client names them in `atproto-accept-labelers`
 * (a structured-header list of DIDs; `;redact` asks that the labeler's takedowns hide content);
 * without the header (or with one that does not parse) the configured labelers apply, each
 * with redact. The AppView's own moderation service always applies, with redact. What applied
 * is answered in `atproto-content-labelers`, in the same syntax.
 */

export interface AcceptedLabelers {
  dids: string[]
  /** Labelers whose `!takedown`/`!suspend` labels hide what they name. */
  redact: Set<string>
}

export interface LabelerPolicy {
  /** The labelers Magpie ingests: the only ones whose labels it holds, and the default. */
  labelers: readonly string[]
  /** The AppView's own moderation service. */
  modService?: string
}

export const NO_LABELERS: AcceptedLabelers = { dids: [], redact: new Set() }

/** The header's labelers, or null when it is absent or not a list of DIDs (the defaults then apply). */
export function parseLabelerHeader(header: string | undefined): AcceptedLabelers | null {
  if (header === undefined) return null
  let items
  try {
    items = parseList(header)
  } catch {
    return null
  }
  const dids: string[] = []
  const redact = new Set<string>()
  for (const [value, params] of items) {
    // An inner list is no DID: the header as a whole is malformed.
    if (Array.isArray(value)) return null
    const did = value.toString()
    if (!isValidDid(did)) return null
    if (!dids.includes(did)) dids.push(did)
    if (params.get('redact') === true) redact.add(did)
  }
  return { dids, redact }
}

/**
 * The labelers a request applies: those it asks for that Magpie holds labels from (naming one
 * it does not ingest would be a claim it cannot keep), plus the moderation service.
 */
export function acceptLabelers(header: string | undefined, policy: LabelerPolicy): AcceptedLabelers {
  const asked = parseLabelerHeader(header) ?? { dids: [...policy.labelers], redact: new Set(policy.labelers) }
  const held = new Set(policy.labelers)
  const dids = asked.dids.filter((did) => held.has(did))
  const redact = new Set([...asked.redact].filter((did) => held.has(did)))
  const mod = policy.modService
  if (mod) {
    if (!dids.includes(mod)) dids.unshift(mod)
    redact.add(mod)
  }
  return { dids, redact }
}

/** `atproto-content-labelers`: the labelers applied, `;redact` where their takedowns were applied. */
export function formatLabelerHeader(accepted: AcceptedLabelers): string {
  return accepted.dids.map((did) => (accepted.redact.has(did) ? `${did};redact` : did)).join(',')
}
