/**
 * The read benchmark's clients, in a worker thread: the server under test keeps the main
 * thread's event loop to itself, so client work (sockets, reading answers) does not show up as
 * server latency. Requests are prepared by the main thread (URLs and tokens); the worker runs a
 * warm-up, then the measured requests, `concurrency` at a time over keep-alive connections.
 */
import http from 'node:http'
import { parentPort } from 'node:worker_threads'

export interface ClientRequest {
  path: string
  token?: string
  /** A procedure's JSON input: sent as a POST. */
  body?: unknown
}

export interface ClientJob {
  base: string
  concurrency: number
  warmup: ClientRequest[]
  measured: ClientRequest[]
}

export interface ClientResult {
  /** Milliseconds per measured request (first byte sent → last byte read), in completion order. */
  latencies: number[]
  /** Measured requests by HTTP status. */
  statuses: Record<string, number>
  /** First measured request to start → last to finish. */
  wallMs: number
  bytes: number
  firstError?: string
}

/** One XRPC call: a GET, or a POST of `req.body` as JSON when it has one. */
export function send(agent: http.Agent, base: URL, req: ClientRequest): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = req.token ? { authorization: `Bearer ${req.token}` } : {}
    const input = req.body === undefined ? undefined : JSON.stringify(req.body)
    if (input !== undefined) headers['content-type'] = 'application/json'
    const r = http.request(new URL(req.path, base), { agent, headers, method: input === undefined ? 'GET' : 'POST' }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    r.on('error', reject)
    r.end(input)
  })
}

async function runAll(agent: http.Agent, base: URL, requests: ClientRequest[], concurrency: number, result?: ClientResult): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) {
        const req = requests[next++]!
        const t0 = performance.now()
        let status = 0
        let bytes = 0
        try {
          const res = await send(agent, base, req)
          status = res.status
          bytes = res.body.length
          if (status !== 200 && result && !result.firstError) result.firstError = `${status} ${res.body.toString('utf8').slice(0, 300)}`
        } catch (err) {
          if (result && !result.firstError) result.firstError = String(err)
        }
        if (!result) continue
        result.latencies.push(performance.now() - t0)
        result.statuses[status] = (result.statuses[status] ?? 0) + 1
        result.bytes += bytes
      }
    }),
  )
}

export interface LatencyStats {
  n: number
  p50: number
  p90: number
  p99: number
  mean: number
  max: number
}

/** Nearest-rank percentiles, in ms with two decimals. */
export function latencyStats(latencies: number[]): LatencyStats {
  const sorted = [...latencies].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN
  const r = (x: number) => Math.round(x * 100) / 100
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length
  return { n: sorted.length, p50: r(at(0.5)), p90: r(at(0.9)), p99: r(at(0.99)), mean: r(mean), max: r(sorted[sorted.length - 1] ?? NaN) }
}

export async function runJob(job: ClientJob): Promise<ClientResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency })
  const base = new URL(job.base)
  try {
    await runAll(agent, base, job.warmup, job.concurrency)
    const result: ClientResult = { latencies: [], statuses: {}, wallMs: 0, bytes: 0 }
    const t0 = performance.now()
    await runAll(agent, base, job.measured, job.concurrency, result)
    result.wallMs = performance.now() - t0
    return result
  } finally {
    agent.destroy()
  }
}

if (parentPort) {
  const port = parentPort
  port.on('message', (job: ClientJob) => {
    runJob(job).then(
      (result) => port.postMessage({ ok: true, result }),
      (err: unknown) => port.postMessage({ ok: false, error: String(err) }),
    )
  })
}
