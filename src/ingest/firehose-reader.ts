import { lexicons } from '@atproto/api'
import { websocket } from '@atproto/ws-client'
import { Frame } from '@atproto/xrpc-server'
import { CompiledLexicons } from '#/indexing/compiled-lexicon.js'
import type { Logger } from '#/log.js'

const SUBSCRIBE_REPOS = 'com.atproto.sync.subscribeRepos'
/** The message union of subscribeRepos, compiled: only a message it does not accept goes the generic way. */
const messageCheck = new CompiledLexicons(lexicons, { plainBlobsAreBlobRefs: false }).message(SUBSCRIBE_REPOS)

export type FirehoseMessageType = 'commit' | 'sync' | 'identity' | 'account' | 'info'

/** One decoded, lexicon-valid message from com.atproto.sync.subscribeRepos. */
export interface FirehoseMessage {
  type: FirehoseMessageType
  seq?: number
  /** The message body with `$type` set, as @atproto/sync's parsers expect it. */
  body: Record<string, unknown> & { $type: string }
  /** Passed over by `prefilter` before validation: only its place in the stream counts. */
  filtered?: boolean
}

export interface FirehoseReaderOptions {
  /** Relay or PDS base URL, ws:// or wss://. */
  service: string
  /** Asked on every (re)connect, so a reconnect resumes after the last acknowledged event. */
  getCursor: () => number | undefined | Promise<number | undefined>
  signal?: AbortSignal
  log: Logger
  /** A frame that could not be used (malformed, unknown type, lexicon violation). */
  onBadFrame?: (reason: string, seq?: number) => void
  /**
   * Asked before the (costly) lexicon validation with the still unvalidated body: false passes
   * the message over, which then arrives marked `filtered` (a small world's outsiders).
   */
  prefilter?: (type: FirehoseMessageType, body: Record<string, unknown>) => boolean
}

/**
 * Reads the firehose frame by frame. The websocket client from @atproto/ws-client reconnects
 * with backoff; decoding happens here, per frame, so one malformed frame is logged and skipped
 * instead of ending the stream (and replaying the same bad frame forever after a reconnect).
 */
export async function* readFirehose(opts: FirehoseReaderOptions): AsyncGenerator<FirehoseMessage> {
  const { log } = opts
  const ws = websocket(
    async () => {
      const cursor = await opts.getCursor()
      const url = new URL(`${opts.service.replace(/\/+$/, '')}/xrpc/${SUBSCRIBE_REPOS}`)
      if (cursor !== undefined) url.searchParams.set('cursor', String(cursor))
      log.info({ url: url.toString() }, 'connecting to firehose')
      return url
    },
    {
      dataMode: 'binary',
      signal: opts.signal,
      maxReconnectSeconds: 60,
      onReconnect: (err, { attempt }) => {
        log.warn({ err: describe(err), attempt }, 'firehose unreachable; retrying with backoff')
      },
    },
  )
  try {
    for await (const chunk of ws) {
      const msg = decodeFrame(chunk, opts)
      if (msg) yield msg
    }
  } catch (err) {
    if (opts.signal?.aborted) return
    throw err
  }
}

function decodeFrame(chunk: Uint8Array, opts: FirehoseReaderOptions): FirehoseMessage | undefined {
  let frame
  try {
    frame = Frame.fromBytes(chunk)
  } catch (err) {
    opts.onBadFrame?.(`undecodable frame: ${describe(err)}`)
    return undefined
  }
  if (frame.isError()) {
    // The relay closes the connection after an error frame; the client reconnects.
    opts.log.warn({ code: frame.code, message: frame.message }, 'firehose error frame')
    return undefined
  }
  if (!frame.isMessage()) return undefined
  const t = frame.type
  const raw = frame.body
  if (!t || !raw || typeof raw !== 'object' || Array.isArray(raw)) {
    opts.onBadFrame?.('message frame without a type or body')
    return undefined
  }
  const seq = typeof (raw as { seq?: unknown }).seq === 'number' ? (raw as { seq: number }).seq : undefined
  const type = t.startsWith('#') ? t.slice(1) : t
  if (type !== 'commit' && type !== 'sync' && type !== 'identity' && type !== 'account' && type !== 'info') {
    opts.log.debug({ type: t, seq }, 'ignoring unknown firehose message type')
    return undefined
  }
  // The decoded body belongs to this frame alone: tag it in place rather than copy every message.
  const body = raw as Record<string, unknown> & { $type: string }
  body.$type = `${SUBSCRIBE_REPOS}#${type}`
  if (seq !== undefined && opts.prefilter && !opts.prefilter(type, body)) return { type, seq, body, filtered: true }
  try {
    assertValidMessage(body)
  } catch (err) {
    opts.onBadFrame?.(`invalid ${type} message: ${describe(err)}`, seq)
    return undefined
  }
  return { type, seq, body }
}

/** Throws the generic validator's error for a message that is not a valid subscribeRepos message. */
export function assertValidMessage(body: Record<string, unknown>): void {
  if (!messageCheck(body)) lexicons.assertValidXrpcMessage(SUBSCRIBE_REPOS, body)
}

export function describe(err: unknown): string {
  if (err instanceof Error) return err.cause ? `${err.message} (${describe(err.cause)})` : err.message
  return String(err)
}
