import * as dagCbor from '@ipld/dag-cbor'
import { verifySignatureNative } from '#/crypto/native-verify.js'
import type { Label } from '#/ingest/labels/label-frames.js'

/**
 * A label's signature: over the DAG-CBOR encoding of the label as sent, without `sig`, by the
 * labeler's `#atproto_label` key. Undefined fields are left out of the encoding (DAG-CBOR has no
 * undefined), as labelers encode them.
 */
export function labelSignatureValid(label: Label, didKey: string): boolean {
  const { sig, ...unsigned } = label
  if (!(sig instanceof Uint8Array)) return false
  for (const key of Object.keys(unsigned) as (keyof typeof unsigned)[]) if (unsigned[key] === undefined) delete unsigned[key]
  let bytes: Uint8Array
  try {
    bytes = dagCbor.encode(unsigned)
  } catch {
    return false
  }
  return verifySignatureNative(didKey, bytes, sig)
}
