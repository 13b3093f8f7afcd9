/**
 * A fault-injecting HTTP proxy between Magpie's processes and OpenSearch (soak.ts): it forwards
 * everything, except that while a rejection window is open it answers a share of the matching
 * requests itself with the 429 an overloaded node sends when a thread pool's queue is full
 * (`es_rejected_execution_exception`). When OpenSearch is down, the client's connection is cut,
 * as the node's would be.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FaultProxy {
  url: string
  /** Answer `share` (0…1) of the requests whose path matches `paths` with a 429; 0 ends the window. */
  reject(share: number): void
  /** 429s answered, and requests forwarded, so far. */
  stats(): { rejected: number; forwarded: number }
  close(): Promise<void>
}

const REJECTED_PATHS = /\/_(bulk|msearch|search)(\?|$)/

function rejectionBody(path: string): string {
  const reason = `rejected execution of coordinating operation [${path.split('?')[0]}] on EsThreadPoolExecutor[name = soak/write, queue capacity = 10000] (injected by the soak benchmark)`
  return JSON.stringify({ error: { root_cause: [{ type: 'es_rejected_execution_exception', reason }], type: 'es_rejected_execution_exception', reason }, status: 429 })
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })
  let share = 0
  let rejected = 0
  let forwarded = 0
  let tick = 0
  const server = http.createServer((req, res) => {
    // Every n-th matching request, spread evenly (not random: the same every run).
    if (share > 0 && REJECTED_PATHS.test(req.url ?? '') && (tick++ % Math.round(1 / share)) === 0) {
      rejected++
      req.resume()
      res.writeHead(429, { 'content-type': 'application/json; charset=UTF-8' })
      res.end(rejectionBody(req.url ?? ''))
      return
    }
    forwarded++
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers)
      upRes.pipe(res)
      upRes.on('error', () => res.destroy())
    })
    up.on('error', () => res.destroy())
    req.on('error', () => up.destroy())
    req.pipe(up)
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    reject: (s) => void ((share = s), (tick = 0)),
    stats: () => ({ rejected, forwarded }),
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      agent.destroy()
    },
  }
}
