// A minimal local relay that replays pre-encoded subscribeRepos frames, for
// tests and benchmarks that need real relay bytes without a network.
//
// Each frame is exactly what a relay puts in one WebSocket binary message: a
// DAG-CBOR header ({ op, t }) followed by a DAG-CBOR body. Frames are sent in
// order; `?cursor=N` skips frames whose body seq is <= N, like a relay does.
import http from 'node:http'
import { decodeFirst, decode as cborDecode } from 'cborg'
import { encode as dagCborEncode } from '@ipld/dag-cbor'
import { WebSocketServer, type WebSocket } from 'ws'
import { listenOn } from '#/server/listen.js'

const PATH = '/xrpc/com.atproto.sync.subscribeRepos'

export type FrameSource =
  | Uint8Array[]
  /** Consumed once, shared by all connections (meant for a single consumer). */
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>
  /** Called per connection: each subscriber gets its own pass. */
  | (() => AsyncIterable<Uint8Array> | Iterable<Uint8Array>)

export type ReplayRelayOptions = {
  frames: FrameSource
  /** Port on 127.0.0.1; 0 or unset picks a free one. */
  port?: number
  /** Events per second per connection; unset or 0 sends as fast as the client reads. */
  ratePerSec?: number
  /** Close each connection (code 1000) once its frames are all sent. */
  closeWhenDone?: boolean
  /** Bytes queued on a socket before sending pauses until it drains (default 8 MiB). */
  highWaterMark?: number
}

export type ReplayRelay = {
  /** ws://127.0.0.1:<port>; use as the `service` of a Firehose. */
  url: string
  port: number
  /** Frames sent so far, over all connections. */
  sent(): number
  /** Open subscriber connections. */
  connections(): number
  close(): Promise<void>
}

// cborg's tag-decoder signature changed between majors (4.x passes the decoded
// content, 6.x passes a function that decodes it); accept both. CIDs are left
// as raw bytes: the relay only needs `seq`.
const TAGS: ((inner: unknown) => unknown)[] = []
TAGS[42] = (inner: unknown) => (typeof inner === 'function' ? (inner as () => unknown)() : inner)
const DECODE_OPTS = { tags: TAGS }

/** Splits a frame into its decoded header and body (CIDs as raw bytes). */
export function splitFrame (frame: Uint8Array): { header: Record<string, unknown>, body: unknown } {
  const [header, rest] = decodeFirst(frame, DECODE_OPTS)
  const body = cborDecode(rest, DECODE_OPTS)
  return { header: header as Record<string, unknown>, body }
}

/** The event's seq, or undefined for frames without one (#info, errors). */
export function frameSeq (frame: Uint8Array): number | undefined {
  const { body } = splitFrame(frame)
  if (body && typeof body === 'object' && 'seq' in body) {
    const seq = (body as { seq: unknown }).seq
    if (typeof seq === 'number') return seq
    if (typeof seq === 'bigint') return Number(seq)
  }
  return undefined
}

/** An error frame ({ op: -1 } header), as relays send before closing. */
export function errorFrame (error: string, message?: string): Uint8Array {
  const header = dagCborEncode({ op: -1 })
  const body = dagCborEncode(message === undefined ? { error } : { error, message })
  const out = new Uint8Array(header.length + body.length)
  out.set(header, 0)
  out.set(body, header.length)
  return out
}

export async function startReplayRelay (opts: ReplayRelayOptions): Promise<ReplayRelay> {
  const hwm = opts.highWaterMark ?? 8 * 1024 * 1024
  const rate = opts.ratePerSec && opts.ratePerSec > 0 ? opts.ratePerSec : 0
  let sentCount = 0
  let closing = false

  const { frames } = opts
  const openSource = sourceOpener(frames)

  const server = http.createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: 'MethodNotImplemented', message: 'replay relay only serves subscribeRepos' }))
  })
  const wss = new WebSocketServer({ noServer: true })

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://relay.invalid')
    if (url.pathname !== PATH || closing) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const raw = url.searchParams.get('cursor')
      const cursor = raw !== null && /^\d+$/.test(raw) ? Number(raw) : undefined
      serve(ws, cursor).catch(() => ws.terminate())
    })
  })

  async function serve (ws: WebSocket, cursor: number | undefined): Promise<void> {
    let gone = false
    ws.on('close', () => { gone = true })
    ws.on('error', () => { gone = true })

    const source = openSource(cursor)
    if (source.futureCursor) {
      ws.send(errorFrame('FutureCursor', 'Cursor in the future.'))
      ws.close(1008, 'FutureCursor')
      return
    }

    const start = performance.now()
    let n = 0
    for await (const frame of source.frames) {
      if (gone || closing || ws.readyState !== ws.OPEN) return
      if (rate) {
        // Sleep only when more than a couple of ms ahead: timers are coarse,
        // so high rates go out in small bursts that average to the target.
        const ahead = start + (n * 1000) / rate - performance.now()
        if (ahead > 2) await sleep(ahead)
      }
      if (ws.bufferedAmount >= hwm) {
        // The send callback fires once this frame reached the kernel, so
        // everything queued before it has drained too.
        await new Promise<void>((resolve) => ws.send(frame, { binary: true }, () => resolve()))
      } else {
        ws.send(frame, { binary: true })
      }
      n++
      sentCount++
    }
    // The close frame is queued behind the data frames, so nothing is cut off.
    if (opts.closeWhenDone && !gone && ws.readyState === ws.OPEN) ws.close(1000, 'done')
  }

  // Sources -----------------------------------------------------------------

  type Opened = { frames: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, futureCursor?: boolean }

  function sourceOpener (src: FrameSource): (cursor: number | undefined) => Opened {
    if (Array.isArray(src)) {
      const seqs: (number | undefined | null)[] = new Array(src.length).fill(null)
      const seqAt = (i: number) => {
        let s = seqs[i]
        if (s === null) {
          s = frameSeq(src[i] as Uint8Array)
          seqs[i] = s
        }
        return s
      }
      // First index whose seq is > cursor; frames without a seq count as
      // belonging with the next frame that has one.
      const startIndex = (cursor: number) => {
        let lo = 0
        let hi = src.length
        while (lo < hi) {
          const mid = (lo + hi) >>> 1
          let j = mid
          while (j < src.length && seqAt(j) === undefined) j++
          const s = j < src.length ? seqAt(j) as number : Infinity
          if (s > cursor) hi = mid
          else lo = j + 1
        }
        return lo
      }
      const lastSeq = () => {
        for (let i = src.length - 1; i >= 0; i--) {
          const s = seqAt(i)
          if (s !== undefined) return s
        }
        return undefined
      }
      return (cursor) => {
        if (cursor === undefined) return { frames: src }
        const last = lastSeq()
        if (last !== undefined && cursor > last) return { frames: [], futureCursor: true }
        return { frames: fromIndex(src, startIndex(cursor)) }
      }
    }
    if (typeof src === 'function') {
      return (cursor) => ({ frames: skipUpTo(src(), cursor) })
    }
    // A single shared pass: pull through one iterator, whoever is connected.
    const it = toAsyncIterator(src)
    const shared: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({ next: async () => await it.next() })
    }
    return (cursor) => ({ frames: skipUpTo(shared, cursor) })
  }

  const port = await listenOn(server, opts.port ?? 0, '127.0.0.1')

  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    sent: () => sentCount,
    connections: () => wss.clients.size,
    async close () {
      if (closing) return
      closing = true
      for (const ws of wss.clients) ws.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

function * fromIndex (frames: Uint8Array[], start: number): Iterable<Uint8Array> {
  for (let i = start; i < frames.length; i++) yield frames[i] as Uint8Array
}

async function * skipUpTo (
  frames: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, cursor: number | undefined
): AsyncIterable<Uint8Array> {
  let skipping = cursor !== undefined
  for await (const frame of frames) {
    if (skipping) {
      const seq = frameSeq(frame)
      if (seq === undefined || seq <= (cursor as number)) continue
      skipping = false
    }
    yield frame
  }
}

function toAsyncIterator (src: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncIterator<Uint8Array> | Iterator<Uint8Array> {
  return Symbol.asyncIterator in src
    ? (src as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
    : (src as Iterable<Uint8Array>)[Symbol.iterator]()
}

function sleep (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
