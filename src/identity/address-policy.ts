import { isIPv4, isIPv6 } from 'node:net'

/**
 * Which IP addresses a URL taken from the network may make us connect to.
 *
 * Anything that is not ordinary public unicast is refused: a DID document or a
 * handle domain must not be able to point the AppView at its own loopback, the
 * operator's private network or a cloud metadata endpoint. Addresses that carry
 * an IPv4 address inside an IPv6 one (mapped, NAT64, 6to4) are judged by the
 * IPv4 address they lead to.
 */

interface Cidr {
  bytes: Uint8Array
  bits: number
}

const FORBIDDEN_V4 = [
  '0.0.0.0/8', // "this network"
  '10.0.0.0/8', // private
  '100.64.0.0/10', // carrier-grade NAT
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local (cloud metadata lives here)
  '172.16.0.0/12', // private
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // documentation
  '192.168.0.0/16', // private
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // documentation
  '203.0.113.0/24', // documentation
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, and the broadcast address
].map(parseCidr)

const FORBIDDEN_V6 = [
  '::/96', // unspecified, loopback and the deprecated IPv4-compatible block
  '::ffff:0:0:0/96', // IPv4-translated
  '64:ff9b:1::/48', // local-use NAT64
  '100::/64', // discard-only
  '2001:db8::/32', // documentation
  'fc00::/7', // unique-local
  'fe80::/10', // link-local
  'fec0::/10', // deprecated site-local
  'ff00::/8', // multicast
].map(parseCidr)

/** IPv6 prefixes whose addresses embed an IPv4 address: [prefix, byte offset of the IPv4 address]. */
const EMBEDS_V4: Array<[Cidr, number]> = [
  [parseCidr('::ffff:0:0/96'), 12], // IPv4-mapped
  [parseCidr('64:ff9b::/96'), 12], // well-known NAT64
  [parseCidr('2002::/16'), 2], // 6to4
]

/** True when `address` (an IP literal, v4 or v6, optionally bracketed or with a zone) must not be connected to. */
export function isForbiddenAddress(address: string): boolean {
  const bytes = parseIp(address)
  // Something we cannot even parse is not something we should connect to.
  if (!bytes) return true
  return isForbiddenBytes(bytes)
}

/** An IP literal's bytes (4 or 16), or null when `text` is not one. */
export function parseIp(text: string): Uint8Array | null {
  let s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  const zone = s.indexOf('%')
  if (zone >= 0) s = s.slice(0, zone)
  if (isIPv4(s)) return parseIpv4(s)
  if (isIPv6(s)) return parseIpv6(s)
  return null
}

function isForbiddenBytes(bytes: Uint8Array): boolean {
  if (bytes.length === 4) return FORBIDDEN_V4.some((c) => inCidr(bytes, c))
  if (FORBIDDEN_V6.some((c) => inCidr(bytes, c))) return true
  for (const [prefix, offset] of EMBEDS_V4) {
    if (inCidr(bytes, prefix)) return isForbiddenBytes(bytes.subarray(offset, offset + 4))
  }
  return false
}

function inCidr(bytes: Uint8Array, cidr: Cidr): boolean {
  if (bytes.length !== cidr.bytes.length) return false
  let bits = cidr.bits
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff
    if (((bytes[i] ?? 0) & mask) !== ((cidr.bytes[i] ?? 0) & mask)) return false
  }
  return true
}

function parseCidr(text: string): Cidr {
  const [ip = '', bits = ''] = text.split('/')
  const bytes = parseIp(ip)
  if (!bytes) throw new Error(`bad CIDR ${text}`)
  return { bytes, bits: Number(bits) }
}

function parseIpv4(s: string): Uint8Array {
  return Uint8Array.from(s.split('.').map(Number))
}

/** Expects text already accepted by `isIPv6`. */
function parseIpv6(s: string): Uint8Array {
  let text = s
  // A trailing dotted quad stands for the last two groups.
  const lastColon = text.lastIndexOf(':')
  const tail = text.slice(lastColon + 1)
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = parseIpv4(tail)
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', rest] = text.split('::')
  const headGroups = head ? head.split(':') : []
  const restGroups = rest ? rest.split(':') : []
  const zeros = new Array<string>(8 - headGroups.length - restGroups.length).fill('0')
  const groups = rest === undefined ? headGroups : [...headGroups, ...zeros, ...restGroups]
  const bytes = new Uint8Array(16)
  groups.forEach((g, i) => {
    const v = parseInt(g, 16)
    bytes[i * 2] = v >> 8
    bytes[i * 2 + 1] = v & 0xff
  })
  return bytes
}
