import { isIP } from 'node:net'

/**
 * Who is calling, as rate limits see it. The address is the socket's peer; X-Forwarded-For is
 * read only when that peer is a proxy named in TRUSTED_PROXIES (anyone else could write any
 * address there and get a fresh bucket per request).
 */

/** `::ffff:203.0.113.5` (IPv4 over an IPv6 socket) is the IPv4 address. */
export function normalizeIp(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  return mapped ? mapped[1]! : address.toLowerCase()
}

/**
 * The client's address: the peer, or, when the peer is a trusted proxy, the nearest address in
 * X-Forwarded-For that is not itself a trusted proxy (proxies append, so the right end is what
 * the trusted ones saw; anything left of it the client could have written).
 */
export function clientIp(peer: string | undefined, forwardedFor: string | string[] | undefined, trusted: ReadonlySet<string>): string {
  let ip = normalizeIp(peer ?? '')
  if (!trusted.has(ip) || forwardedFor === undefined) return ip
  const hops = [forwardedFor]
    .flat()
    .join(',')
    .split(',')
    .map((h) => normalizeIp(h.trim()))
  while (hops.length > 0 && trusted.has(ip)) {
    const next = hops.pop()!
    if (isIP(next) === 0) break
    ip = next
  }
  return ip
}

export function isLoopback(ip: string): boolean {
  return ip === '::1' || /^127\./.test(ip)
}

/**
 * The key an address is limited by. An IPv6 subscriber is usually given a whole /64, so one
 * bucket per address there would be one per request for anyone who rotates them.
 */
export function rateKeyOfIp(ip: string): string {
  if (isIP(ip) !== 6) return ip
  const groups = expandIpv6(ip)
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : ip
}

function expandIpv6(ip: string): string[] | undefined {
  const [head = '', tail] = ip.split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  // An embedded IPv4 tail (`::ffff:1.2.3.4` forms other than the mapped one) takes two groups.
  if (right.at(-1)?.includes('.') || left.at(-1)?.includes('.')) return undefined
  const missing = 8 - left.length - right.length
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined
  return [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right].map((g) => g.padStart(4, '0'))
}
