import { getServiceEndpoint, getVerificationMaterial } from '@atproto/common-web'
import { getDidKeyFromMultibase } from '@atproto/identity'
import type { IdentityResolver } from '#/identity/identity-resolver.js'
import { refusedHost } from '#/identity/public-host.js'

/** Where a labeler publishes its labels, and the key they are signed with, from its DID document. */
export interface LabelerService {
  did: string
  /** ws:// or wss:// URL of its com.atproto.label.subscribeLabels. */
  subscribeUrl: string
  /** The `#atproto_label` key as a did:key, if the document names one. */
  labelKey?: string
}

const SUBSCRIBE_LABELS = 'com.atproto.label.subscribeLabels'

/** The labeler's service, or why it cannot be subscribed to (the caller retries later). */
export async function resolveLabelerService(
  identity: Pick<IdentityResolver, 'resolveDid'>,
  did: string,
  opts: { allowPrivateNetwork: boolean; forceRefresh?: boolean },
): Promise<LabelerService | string> {
  const resolved = await identity.resolveDid(did, { forceRefresh: opts.forceRefresh })
  if (!resolved) return 'its DID does not resolve'
  const endpoint = getServiceEndpoint(resolved.didDoc, { id: '#atproto_labeler', type: 'AtprotoLabeler' })
  if (!endpoint) return 'its DID document names no #atproto_labeler service'
  const url = new URL(endpoint)
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `its labeler endpoint has scheme ${url.protocol}`
  const refused = await refusedHost(url, opts.allowPrivateNetwork)
  if (refused) return `its labeler endpoint is refused: ${refused}`
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/xrpc/${SUBSCRIBE_LABELS}`
  url.search = ''
  url.hash = ''
  return { did, subscribeUrl: url.toString(), labelKey: labelKey(resolved.didDoc) }
}

function labelKey(doc: Parameters<typeof getVerificationMaterial>[0]): string | undefined {
  const material = getVerificationMaterial(doc, 'atproto_label')
  if (!material) return undefined
  try {
    return getDidKeyFromMultibase(material)
  } catch {
    // An unreadable key verifies nothing: treated as no key.
    return undefined
  }
}
