import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto'
import { createRequire } from 'node:module'
import { parseDidKey } from '@atproto/crypto'
import { LRUCache } from 'lru-cache'

/**
 * Signature checks with Node's native crypto (OpenSSL) instead of pure-JS ECDSA: the same
 * rules as atproto's verifier, at a fraction of the CPU. atproto signatures are 64-byte
 * compact (r‖s) ECDSA over SHA-256 of the message, on P-256 or secp256k1, and must be low-S.
 */

// SubjectPublicKeyInfo DER headers for a point on each curve, by the point's encoded length
// (33 bytes compressed, 65 uncompressed: parseDidKey hands back the uncompressed form).
const SPKI_PREFIX: Record<string, Record<number, Buffer>> = {
  ES256: {
    33: Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
    65: Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'),
  },
  ES256K: {
    33: Buffer.from('3036301006072a8648ce3d020106052b8104000a032200', 'hex'),
    65: Buffer.from('3056301006072a8648ce3d020106052b8104000a034200', 'hex'),
  },
}

// Half the group order of each curve: a signature with a larger S is the malleable twin.
const HALF_ORDER: Record<string, bigint> = {
  ES256: BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551') >> 1n,
  ES256K: BigInt('0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141') >> 1n,
}

interface ParsedKey {
  alg: string
  key: KeyObject
  /** The point, compressed, for libsecp256k1. */
  compressed?: Uint8Array
}

/**
 * libsecp256k1 (the `secp256k1` package's prebuilt addon) checks secp256k1 signatures about six
 * times faster than OpenSSL, and most accounts use secp256k1 keys. It is used only as the native
 * addon: if that cannot load, OpenSSL does the work (never the package's pure-JS fallback).
 */
const libsecp256k1 = loadLibsecp256k1()

function loadLibsecp256k1():
  | { ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, pub: Uint8Array): boolean; publicKeyConvert(pub: Uint8Array, compressed: boolean): Uint8Array }
  | undefined {
  try {
    return createRequire(import.meta.url)('secp256k1/bindings')
  } catch {
    return undefined
  }
}

const keys = new LRUCache<string, ParsedKey>({ max: 200_000 })

function keyForDidKey(didKey: string): ParsedKey {
  const cached = keys.get(didKey)
  if (cached) return cached
  const { jwtAlg, keyBytes } = parseDidKey(didKey)
  const prefix = SPKI_PREFIX[jwtAlg]?.[keyBytes.length]
  if (!prefix) throw new Error(`unsupported key type ${jwtAlg}`)
  const key = createPublicKey({ key: Buffer.concat([prefix, keyBytes]), format: 'der', type: 'spki' })
  const parsed: ParsedKey = { alg: jwtAlg, key }
  if (jwtAlg === 'ES256K' && libsecp256k1) {
    parsed.compressed = keyBytes.length === 33 ? keyBytes : libsecp256k1.publicKeyConvert(keyBytes, true)
  }
  keys.set(didKey, parsed)
  return parsed
}

/** True when `sig` is a valid low-S signature of `data` by `didKey`. Never throws on bad input. */
export function verifySignatureNative(didKey: string, data: Uint8Array, sig: Uint8Array): boolean {
  if (sig.length !== 64) return false
  let parsed: ParsedKey
  try {
    parsed = keyForDidKey(didKey)
  } catch {
    return false
  }
  if (parsed.compressed && libsecp256k1) {
    // libsecp256k1 refuses high-S signatures itself, as atproto requires.
    try {
      return libsecp256k1.ecdsaVerify(sig, createHash('sha256').update(data).digest(), parsed.compressed)
    } catch {
      return false
    }
  }
  const s = BigInt('0x' + Buffer.from(sig.subarray(32)).toString('hex'))
  if (s === 0n || s > HALF_ORDER[parsed.alg]!) return false
  try {
    return verify('sha256', data, { key: parsed.key, dsaEncoding: 'ieee-p1363' }, sig)
  } catch {
    return false
  }
}
