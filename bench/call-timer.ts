/** Latency of in-process calls (the data plane, a client), one at a time, after a short warm-up. */
import { latencyStats, type LatencyStats } from './read-latency-client.js'

export interface TimedCalls {
  /** Calls timed. */
  n: number
  /** Untimed calls first, so that a figure does not start on cold caches of its own making. */
  warmup?: number
  /** Run untimed before each call (e.g. clearing OpenSearch's request cache). */
  before?: () => Promise<unknown>
}

/** Calls `ask(i)` for i = 0…warmup+n-1 and gives the percentiles of the last n (ms). */
export async function timeCalls(opts: TimedCalls, ask: (i: number) => Promise<unknown>): Promise<LatencyStats> {
  const warmup = opts.warmup ?? 0
  const times: number[] = []
  for (let i = 0; i < warmup + opts.n; i++) {
    await opts.before?.()
    const began = performance.now()
    await ask(i)
    if (i >= warmup) times.push(performance.now() - began)
  }
  return latencyStats(times)
}
