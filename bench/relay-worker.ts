/**
 * The replay relay of bench/live-ingest.ts, in its own thread: a real relay is another machine,
 * so its work (websocket framing, socket writes) should not share Magpie's event loop. Each
 * connection gets a full pass over the cached frames, optionally paced; the send time of the
 * first and last frame of a pass and of every sampled seq is reported to the parent.
 */
import { readFileSync } from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'
import { startReplayRelay } from '#devnet/replay-relay.js'
import { loadFrames } from './stream-cache.js'

export interface RelayWorkerData {
  framesFile: string
  /** Skip the first N frames of the file (a later window of a long stream). */
  offset?: number
  /** Serve only N frames (from `offset`). */
  limit?: number
  /** seq of the file's first frame; frames are consecutive. */
  seqFirst: number
  /** Frames sent before the stream's at the start of each pass (their seqs below its first). */
  prelude?: Uint8Array[]
  /** Seqs whose send time the parent wants. */
  sampleSeqs: number[]
  /** Frames per second; 0 = as fast as the client reads. */
  rate: number
  /**
   * Pace as a live relay does: frame i becomes available `i / rate` s after the first connection,
   * whoever reads it, so a client reconnecting with a cursor catches up on what it missed at once
   * (instead of each connection's pass starting the pacing over and the skipped frames waiting
   * their turn again).
   */
  live?: boolean
  highWaterMark: number
}

export type RelayWorkerMessage =
  | { kind: 'listening'; url: string; frames: number }
  | { kind: 'sent'; seq: number; t: number; first?: boolean; last?: boolean }
  | { kind: 'cpu'; ms: number }
  | { kind: 'progress'; sent: number }

const data = workerData as RelayWorkerData
const port = parentPort!
/** Wall-clock milliseconds with sub-millisecond precision, comparable across threads. */
const now = (): number => performance.timeOrigin + performance.now()

/** CPU time of this thread (utime + stime), from /proc/thread-self/stat. */
function threadCpuMs(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 // clock ticks are 1/100 s on Linux
}

const offset = data.offset ?? 0
const frames = await loadFrames(data.framesFile, { from: offset, count: data.limit })
const sampled = new Set(data.sampleSeqs)
/** Frames handed to the socket over all passes (what a paced consumer has been offered). */
let sent = 0
/** When the first pass began (the pace of a `live` relay). */
let firstPassStart: number | undefined

async function* pass(): AsyncGenerator<Uint8Array> {
  for (const frame of data.prelude ?? []) {
    sent++
    yield frame
  }
  const start = data.live ? (firstPassStart ??= performance.now()) : performance.now()
  for (let i = 0; i < frames.length; i++) {
    if (data.rate > 0) {
      // Paced here rather than in the relay, so that a frame's reported send time is when it
      // really goes out.
      const ahead = start + (i * 1000) / data.rate - performance.now()
      if (ahead > 1) await new Promise((resolve) => setTimeout(resolve, ahead))
    }
    const seq = data.seqFirst + offset + i
    const first = i === 0
    const last = i === frames.length - 1
    if (first || last || sampled.has(seq)) port.postMessage({ kind: 'sent', seq, t: now(), first, last } satisfies RelayWorkerMessage)
    sent++
    yield frames[i]!
  }
}

const relay = await startReplayRelay({ frames: () => pass(), highWaterMark: data.highWaterMark })
port.on('message', (msg: { kind: string }) => {
  if (msg.kind === 'cpu') port.postMessage({ kind: 'cpu', ms: threadCpuMs() } satisfies RelayWorkerMessage)
  if (msg.kind === 'progress') port.postMessage({ kind: 'progress', sent } satisfies RelayWorkerMessage)
  if (msg.kind === 'close') void relay.close().then(() => process.exit(0))
})
port.postMessage({ kind: 'listening', url: relay.url, frames: frames.length } satisfies RelayWorkerMessage)
