import assert from 'node:assert/strict'
import { test } from 'node:test'
import { P256Keypair, Secp256k1Keypair } from '@atproto/crypto'
import { verifySignatureNative } from '#/crypto/native-verify.js'

const ORDER = {
  P256Keypair: BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551'),
  Secp256k1Keypair: BigInt('0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141'),
}

/** The malleable twin of a signature: same r, s replaced by n - s (valid ECDSA, but high-S). */
function highS(sig: Uint8Array, n: bigint): Uint8Array {
  const s = BigInt('0x' + Buffer.from(sig.subarray(32)).toString('hex'))
  const twin = Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex')
  return new Uint8Array([...sig.subarray(0, 32), ...twin])
}

for (const Keypair of [P256Keypair, Secp256k1Keypair]) {
  test(`${Keypair.name}: atproto signatures verify natively; tampering, wrong keys and high-S are refused`, async () => {
    const kp = await Keypair.create()
    const other = await Keypair.create()
    const data = new TextEncoder().encode('commit bytes')
    const sig = await kp.sign(data)
    assert.equal(verifySignatureNative(kp.did(), data, sig), true)
    assert.equal(verifySignatureNative(other.did(), data, sig), false)
    assert.equal(verifySignatureNative(kp.did(), new TextEncoder().encode('commit bytez'), sig), false)
    const flipped = new Uint8Array(sig)
    flipped[10]! ^= 1
    assert.equal(verifySignatureNative(kp.did(), data, flipped), false)
    assert.equal(verifySignatureNative(kp.did(), data, highS(sig, ORDER[Keypair.name as keyof typeof ORDER])), false)
    assert.equal(verifySignatureNative(kp.did(), data, sig.subarray(0, 63)), false)
    assert.equal(verifySignatureNative('did:key:zNotAKey', data, sig), false)
  })
}
