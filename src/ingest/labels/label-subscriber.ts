import type { Client } from '@opensearch-project/opensearch'
import { websocket } from '@atproto/ws-client'
import type { IdentityResolver } from '#/identity/identity-resolver.js'
import { BulkWriter } from '#/indexing/bulk-writer.js'
import { labelWriteOp } from '#/indexing/label-op.js'
import { describe } from '#/ingest/firehose-reader.js'
import { decodeLabelFrame, type Label } from '#/ingest/labels/label-frames.js'
import { labelSignatureValid } from '#/ingest/labels/label-signature.js'
import { resolveLabelerService, type LabelerService } from '#/ingest/labels/labeler-service.js'
import type { Logger } from '#/log.js'
import { labelsIngested } from '#/metrics.js'
import { SavedCursor, StateStore } from '#/store/state.js'

export interface LabelerSubscriptionOptions {
  client: Client
  log: Logger
  prefix: string
  /** The labeler's DID: its document names the service, and every label must come from it. */
  labeler: string
  identity: Pick<IdentityResolver, 'resolveDid'>
  allowPrivateNetwork: boolean
  /** Check each label's signature against the labeler's `#atproto_label` key. */
  verifySignatures: boolean
  signal?: AbortSignal
  flushBytes: number
  flushMs: number
  maxInFlight: number
}

export interface LabelerSubscriptionSummary {
  labeler: string
  frames: number
  stored: number
  /** Labels not stored (malformed, forged, unsigned, badly signed). */
  skipped: number
  /** Frames that could not be read at all. */
  badFrames: number
  /** The last sequence number whose labels OpenSearch acknowledged (and that was saved). */
  cursor?: number
}

/** The state key of a labeler's cursor: by DID, since its service may move. */
export function labelCursorKey(labeler: string): string {
  return `labels-cursor:${labeler}`
}

const RETRY_MIN_MS = 1000
const RETRY_MAX_MS = 5 * 60_000

/**
 * One labeler's labels: subscribeLabels → decode → check (lexicon, source, signature) → the
 * `labels` index. The cursor is saved only once OpenSearch acknowledged every label up to it;
 * with none saved, the stream is read from its start (labels accumulate: a labeler's history
 * is what is in force). A frame or label that cannot be used is logged and skipped. The
 * websocket client reconnects with backoff; when the stream ends for good (the labeler closed
 * it, or its DID no longer names a service) the DID is resolved again, with growing pauses.
 */
export async function runLabelerSubscription(opts: LabelerSubscriptionOptions): Promise<LabelerSubscriptionSummary> {
  const { client, log, labeler } = opts
  const cursor = await SavedCursor.load(new StateStore(client, opts.prefix), labelCursorKey(labeler), 'labels-cursor', log)
  const saved = cursor.value
  // What a (re)connection asks for: the last sequence handed to the writer, which never drops a write.
  let handledCursor = saved ?? 0
  const summary: LabelerSubscriptionSummary = { labeler, frames: 0, stored: 0, skipped: 0, badFrames: 0 }
  const writer = new BulkWriter<number>({
    client,
    log: log.child({ component: 'bulk' }),
    flushBytes: opts.flushBytes,
    flushMs: opts.flushMs,
    maxInFlight: opts.maxInFlight,
    onCheckpoint: (seq) => cursor.advance(seq),
  })

  const skip = (reason: string, fields: Record<string, unknown>): void => {
    summary.skipped++
    labelsIngested.inc({ outcome: reason })
    log.warn({ ...fields, reason }, 'label skipped')
  }

  let service: LabelerService | undefined
  /** Whether the label may be stored; a failed signature is checked once more against a freshly resolved key. */
  const acceptable = async (label: Label, seq: number): Promise<boolean> => {
    // A labeler speaks for itself only: a label naming another source (the moderation service, say) is forged.
    if (label.src !== labeler) {
      skip('wrong-src', { seq, src: label.src, uri: label.uri })
      return false
    }
    if (!opts.verifySignatures) return true
    if (!label.sig) {
      skip('unsigned', { seq, uri: label.uri, val: label.val })
      return false
    }
    if (service?.labelKey && labelSignatureValid(label, service.labelKey)) return true
    // The labeler may have rotated its key since the document was read.
    const fresh = await resolveLabelerService(opts.identity, labeler, { allowPrivateNetwork: opts.allowPrivateNetwork, forceRefresh: true })
    if (typeof fresh !== 'string' && fresh.labelKey !== service?.labelKey) {
      service = fresh
      if (fresh.labelKey && labelSignatureValid(label, fresh.labelKey)) return true
    }
    skip(service?.labelKey ? 'bad-signature' : 'no-label-key', { seq, uri: label.uri, val: label.val })
    return false
  }

  const handleFrame = async (bytes: Uint8Array): Promise<void> => {
    summary.frames++
    const frame = decodeLabelFrame(bytes)
    switch (frame.type) {
      case 'bad':
        summary.badFrames++
        labelsIngested.inc({ outcome: 'bad-frame' })
        log.warn({ seq: frame.seq, reason: frame.reason }, 'skipping label frame')
        return
      case 'ignored':
        log.debug({ reason: frame.reason }, 'ignoring label frame')
        return
      case 'info':
        log.info({ name: frame.name, message: frame.message }, 'labeler info')
        return
      case 'error':
        if (frame.code === 'FutureCursor') {
          // The labeler's sequence restarted below ours: read it again from its start.
          log.warn({ cursor: handledCursor }, 'labeler says our cursor is in its future; reading from its start')
          handledCursor = 0
        } else {
          log.warn({ code: frame.code, message: frame.message }, 'labeler error frame')
        }
        return
      case 'labels': {
        for (const { index, reason } of frame.invalid) skip('invalid', { seq: frame.seq, index, detail: reason })
        const indexedAt = new Date().toISOString()
        for (const label of frame.labels) {
          if (!(await acceptable(label, frame.seq))) continue
          const op = labelWriteOp(opts.prefix, label, indexedAt)
          if (typeof op === 'string') {
            skip('bad-date', { seq: frame.seq, uri: label.uri, detail: op })
            continue
          }
          writer.add(op)
          summary.stored++
          labelsIngested.inc({ outcome: 'stored' })
        }
        handledCursor = frame.seq
        writer.checkpoint(frame.seq)
        await writer.ready()
      }
    }
  }

  /** Reads the stream until it ends for good; true when it carried any frame. */
  const consume = async (found: LabelerService, signal: AbortSignal): Promise<boolean> => {
    const before = summary.frames
    const stream = websocket(
      () => {
        const url = new URL(found.subscribeUrl)
        url.searchParams.set('cursor', String(handledCursor))
        log.info({ url: url.toString() }, 'connecting to labeler')
        return url
      },
      {
        dataMode: 'binary',
        signal,
        maxReconnectSeconds: 60,
        onReconnect: (err, { attempt }) => log.warn({ err: describe(err), attempt }, 'labeler unreachable; retrying with backoff'),
      },
    )
    for await (const chunk of stream) await handleFrame(chunk)
    return summary.frames > before
  }

  const stop = opts.signal ?? new AbortController().signal
  log.info({ cursor: saved }, 'label ingest starting')
  let pauseMs = RETRY_MIN_MS
  try {
    while (!stop.aborted) {
      const found = await resolveLabelerService(opts.identity, labeler, { allowPrivateNetwork: opts.allowPrivateNetwork, forceRefresh: !!service })
      let progressed = false
      if (typeof found === 'string') {
        log.warn({ reason: found }, 'labeler unavailable; trying again later')
      } else {
        service = found
        try {
          progressed = await consume(found, stop)
          log.info('labeler stream ended; reconnecting')
        } catch (err) {
          if (stop.aborted) break
          log.warn({ err: describe(err) }, 'labeler stream failed; reconnecting later')
        }
      }
      pauseMs = progressed ? RETRY_MIN_MS : Math.min(pauseMs * 2, RETRY_MAX_MS)
      await pause(pauseMs, stop)
    }
  } finally {
    await writer.close()
    await cursor.close()
  }
  summary.cursor = cursor.value
  log.info(summary, 'label ingest stopped')
  return summary
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}
