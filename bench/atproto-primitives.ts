/**
 * Byte-level atproto pieces the bench generators share: CIDs, TIDs, PLC-shaped DIDs, low-S
 * commit signatures and CARv1 framing.
 */
import { createHash, sign as nodeSign, type KeyObject } from 'node:crypto'
import { TID } from '@atproto/common-web'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'

export const DAG_CBOR = 0x71
export const RAW = 0x55
const SHA256 = 0x12

export function cidOf (bytes: Uint8Array, codec = DAG_CBOR): CID {
  return CID.createV1(codec, createDigest(SHA256, createHash('sha256').update(bytes).digest()))
}

/** A fake but well-formed CID for something that is never materialised (a blob, an old record). */
export function fakeCid (seed: string, codec = DAG_CBOR): CID {
  return cidOf(Buffer.from(seed, 'utf8'), codec)
}

/**
 * A flat copy of a string. CID and TID strings are built a character at a time, which leaves
 * them as ropes of one heap object per character (~1.5 KB for a CID): a generator that keeps a
 * million of them spends most of its time in the garbage collector.
 */
export function flatString (s: string): string {
  return Buffer.from(s, 'latin1').toString('latin1')
}

export function tid (micros: number, clock: number): string {
  return TID.fromTime(Math.floor(micros), clock & 1023).toString()
}

const ALPHA = 'abcdefghijklmnopqrstuvwxyz234567'
function base32 (bytes: Uint8Array, len: number): string {
  let out = ''
  for (let i = 0; out.length < len; i++) out += ALPHA[bytes[i % bytes.length]! & 31]
  return out
}

/** A did:plc-shaped DID derived from a label, so the same label always names the same account. */
export function plcDid (label: string): string {
  return `did:plc:${base32(createHash('sha256').update(label).digest(), 24)}`
}

// Curve orders, to bring signatures into low-S form as atproto requires.
const ORDER = {
  ES256K: BigInt('0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141'),
  ES256: BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551'),
}
export type Alg = keyof typeof ORDER

/** 64-byte compact, low-S ECDSA signature over SHA-256 of `data` (what atproto signs commits with). */
export function signLowS (alg: Alg, key: KeyObject, data: Uint8Array): Uint8Array {
  const sig = new Uint8Array(nodeSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }))
  const n = ORDER[alg]
  const s = BigInt('0x' + Buffer.from(sig.subarray(32)).toString('hex'))
  if (s > n >> 1n) sig.set(Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex'), 32)
  return sig
}

function varint (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return Uint8Array.from(out)
}

/** CARv1 bytes: header naming `root`, then each block as varint(len) ‖ CID ‖ bytes. */
export function carBytes (root: CID, blocks: Iterable<[CID, Uint8Array]>): Uint8Array {
  const parts: Uint8Array[] = []
  const header = dagCbor.encode({ version: 1, roots: [root] })
  parts.push(varint(header.length), header)
  for (const [cid, bytes] of blocks) {
    parts.push(varint(cid.bytes.length + bytes.length), cid.bytes, bytes)
  }
  return Buffer.concat(parts)
}
