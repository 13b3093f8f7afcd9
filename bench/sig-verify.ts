/**
 * Signature verification speed for atproto commit signatures (64-byte compact, low-S ECDSA over
 * SHA-256): Node's OpenSSL for secp256k1 and P-256, Magpie's verifySignatureNative, and, when
 * installed (they are not dependencies), libsecp256k1 through the `secp256k1` package and
 * `tiny-secp256k1`. Resolve them from elsewhere with SIG_VERIFY_MODULES=/path/to/node_modules.
 *
 *   node --import tsx bench/sig-verify.ts
 */
import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto'
import { createRequire } from 'node:module'
import path from 'node:path'
import { formatDidKey } from '@atproto/crypto'
import { verifySignatureNative } from '#/crypto/native-verify.js'

const N = BigInt('0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141')
const msg = Buffer.alloc(160, 7)

function keypair(curve: 'secp256k1' | 'prime256v1') {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve })
  const jwk = publicKey.export({ format: 'jwk' })
  const x = Buffer.from(jwk.x!, 'base64url')
  const y = Buffer.from(jwk.y!, 'base64url')
  const sig = sign('sha256', msg, { key: privateKey, dsaEncoding: 'ieee-p1363' })
  if (curve === 'secp256k1') {
    const s = BigInt('0x' + sig.subarray(32).toString('hex'))
    if (s > N >> 1n) sig.set(Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex'), 32)
  }
  const compressed = Buffer.concat([Buffer.from([y[31]! & 1 ? 3 : 2]), x])
  const didKey = formatDidKey(curve === 'secp256k1' ? 'ES256K' : 'ES256', Buffer.concat([Buffer.from([4]), x, y]))
  return { publicKey, sig, compressed, didKey }
}

function run(name: string, n: number, fn: () => boolean): void {
  for (let i = 0; i < 200; i++) fn()
  const t = performance.now()
  for (let i = 0; i < n; i++) if (!fn()) throw new Error(`${name}: verification failed`)
  const us = ((performance.now() - t) * 1000) / n
  process.stdout.write(`${name.padEnd(48)} ${us.toFixed(1).padStart(8)} µs/verify ${Math.round(1e6 / us).toLocaleString('en').padStart(8)}/s\n`)
  process.stdout.write(`${JSON.stringify({ bench: 'sig-verify', impl: name, us_per_verify: Math.round(us * 10) / 10 })}\n`)
}

const k = keypair('secp256k1')
const p = keypair('prime256v1')
const digest = (): Buffer => createHash('sha256').update(msg).digest()
run('node:crypto (OpenSSL) secp256k1', 3000, () => verify('sha256', msg, { key: k.publicKey, dsaEncoding: 'ieee-p1363' }, k.sig))
run('verifySignatureNative secp256k1 (Magpie)', 3000, () => verifySignatureNative(k.didKey, msg, k.sig))
run('node:crypto (OpenSSL) P-256', 10000, () => verify('sha256', msg, { key: p.publicKey, dsaEncoding: 'ieee-p1363' }, p.sig))
run('verifySignatureNative P-256 (Magpie)', 10000, () => verifySignatureNative(p.didKey, msg, p.sig))

const require = createRequire(path.join(process.env.SIG_VERIFY_MODULES ?? process.cwd(), 'x.js'))
const optional = (name: string): any => {
  try {
    return require(name)
  } catch {
    process.stdout.write(`(${name} not installed: skipped)\n`)
    return undefined
  }
}
const secp = optional('secp256k1')
if (secp) run('secp256k1 (libsecp256k1, N-API)', 20000, () => secp.ecdsaVerify(k.sig, digest(), k.compressed))
const tiny = optional('tiny-secp256k1')
if (tiny) run('tiny-secp256k1 (libsecp256k1, WASM)', 10000, () => tiny.verify(digest(), k.compressed, k.sig, true))
