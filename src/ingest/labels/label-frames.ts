import { lexicons, type ComAtprotoLabelDefs } from '@atproto/api'
import { Frame } from '@atproto/xrpc-server'
import { describe } from '#/ingest/firehose-reader.js'

/**
 * One frame of com.atproto.label.subscribeLabels, decoded (DAG-CBOR header + body, as the
 * firehose). Each label of a `#labels` message is checked on its own against the lexicon, so one
 * malformed label costs that label, not its neighbours; a frame that cannot be read at all is
 * `bad` and skipped by the caller.
 */

export type Label = ComAtprotoLabelDefs.Label

export type LabelFrame =
  | { type: 'labels'; seq: number; labels: Label[]; invalid: { index: number; reason: string }[] }
  | { type: 'info'; name: string; message?: string }
  | { type: 'error'; code: string; message?: string }
  | { type: 'ignored'; reason: string }
  | { type: 'bad'; reason: string; seq?: number }

const LABEL_DEF = 'com.atproto.label.defs#label'

export function decodeLabelFrame(bytes: Uint8Array): LabelFrame {
  let frame
  try {
    frame = Frame.fromBytes(bytes)
  } catch (err) {
    return { type: 'bad', reason: `undecodable frame: ${describe(err)}` }
  }
  if (frame.isError()) return { type: 'error', code: frame.code ?? 'unknown', message: frame.message }
  if (!frame.isMessage()) return { type: 'ignored', reason: 'neither a message nor an error' }
  const body = frame.body as Record<string, unknown> | undefined
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { type: 'bad', reason: 'message without a body' }
  switch (frame.type) {
    case '#labels':
      return labelsMessage(body)
    case '#info':
      if (typeof body.name !== 'string') return { type: 'bad', reason: 'info message without a name' }
      return { type: 'info', name: body.name, message: typeof body.message === 'string' ? body.message : undefined }
    default:
      // Newer message types are for newer consumers.
      return { type: 'ignored', reason: `unknown message type ${String(frame.type)}` }
  }
}

function labelsMessage(body: Record<string, unknown>): LabelFrame {
  const { seq, labels } = body
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return { type: 'bad', reason: 'labels message without a valid seq' }
  if (!Array.isArray(labels)) return { type: 'bad', reason: 'labels message without a labels array', seq }
  const valid: Label[] = []
  const invalid: { index: number; reason: string }[] = []
  labels.forEach((label: unknown, index) => {
    if (typeof label !== 'object' || label === null || Array.isArray(label)) {
      invalid.push({ index, reason: 'not an object' })
      return
    }
    const result = lexicons.validate(LABEL_DEF, label)
    if (result.success) valid.push(label as Label)
    else invalid.push({ index, reason: result.error.message })
  })
  return { type: 'labels', seq, labels: valid, invalid }
}
