import { lookup } from 'node:dns/promises'
import { isForbiddenAddress, parseIp } from '#/identity/address-policy.js'

/**
 * For connections the address-checked fetch cannot make (websockets to a URL a DID document
 * named): whether the URL's host may be connected to. Every address the name resolves to must be
 * public, since the socket library will pick one of them itself. The answer is for this moment:
 * a name that is re-pointed between this check and the connection is not caught (the HTTP path
 * checks at connect time instead).
 */
export async function refusedHost(url: URL, allowPrivateNetwork: boolean): Promise<string | undefined> {
  if (url.username || url.password) return 'credentials in URL not allowed'
  if (allowPrivateNetwork) return undefined
  const host = url.hostname
  if (parseIp(host)) return isForbiddenAddress(host) ? `address ${host} not allowed` : undefined
  let addresses: { address: string }[]
  try {
    addresses = await lookup(host, { all: true })
  } catch (err) {
    return `${host} does not resolve (${(err as Error).message})`
  }
  const forbidden = addresses.filter((a) => isForbiddenAddress(a.address))
  if (addresses.length === 0 || forbidden.length > 0) {
    return `${host} resolves to disallowed addresses (${forbidden.map((a) => a.address).join(', ') || 'none'})`
  }
  return undefined
}
